// Plugging the TLB-modelling MMU into a machine: `new Machine({ mmu: tlbMmu("zen2") })`.
// The hardware layer does not know the kernel, so the machine is described only by what the
// factory reads: its platform preset's name and base page size.
import { InvalidArgumentError } from "../errors";
import { cpuPreset, resolveCpu, type CpuName, type CpuPreset } from "./cpu-presets";
import { TlbMmu } from "./mmu";
import { pageShiftOf, pageSizeName } from "./tlb-geometry";

/** What tlbMmu needs to know about the machine it builds an MMU for. */
export interface MachineShape {
  /** The machine's platform preset: its name and base page size in bytes. */
  readonly preset: {
    /** The preset's name, e.g. "linux-x86_64". */
    readonly name: string;
    /** Its base page size in bytes. */
    readonly pageSize: number;
  };
}

/** The CPU each platform preset runs on unless told otherwise. */
export const DEFAULT_CPU_FOR_PLATFORM: Readonly<Record<string, CpuName>> = Object.freeze({
  "linux-x86_64": "skylake",
  "windows-x86_64": "skylake",
  "linux-arm64-64k": "cortex-a57",
  "macos-arm64": "apple-m1",
});

/** Returns a Machine `mmu` option that builds a TlbMmu for `cpu` (default: the platform's CPU,
 *  else skylake); the build throws InvalidArgumentError if no L1 dTLB holds the base page size. */
export function tlbMmu(cpu?: CpuPreset | CpuName): (machine: MachineShape) => TlbMmu {
  const chosen = cpu === undefined ? undefined : resolveCpu(cpu); // bad presets fail here, early
  return (machine) => {
    const preset = chosen ?? cpuPreset(DEFAULT_CPU_FOR_PLATFORM[machine.preset.name] ?? "skylake");
    const baseShift = Math.log2(machine.preset.pageSize);
    const holds = preset.l1d.some((t) => t.pageSizes.some((size) => pageShiftOf(size, "pageSizes") === baseShift));
    if (!holds) {
      throw new InvalidArgumentError(
        `cpu "${preset.name}" has no L1 data TLB for the ${pageSizeName(baseShift)} pages of platform ` +
          `"${machine.preset.name}"; choose a CPU whose TLBs hold them (e.g. apple-m1 for 16K, cortex-a57 for 64K)`,
      );
    }
    return new TlbMmu(preset);
  };
}
