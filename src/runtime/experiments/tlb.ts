// TLB experiments run on a simulated machine through the process API only (mmap, madvise,
// accessPages, exit), measured with measure(): the figures come from the simulation, not from
// the CPU preset's table.
//  - tlbReachExperiment: OSTEP's TLB-size measurement (chapter "Paging: Faster Translations"):
//    touch N pages at page stride, many times, and watch the cost per access jump where N
//    passes the L1 TLB's reach and again past the second level's.
//  - sweepExperiment: a 2 GiB array swept sequentially and at random, on base pages and on
//    2 MiB transparent huge pages.
import { InvalidArgumentError, describeValue } from "../../errors";
import type { CpuName, CpuPreset } from "../../hardware/cpu-presets";
import { tlbMmu } from "../../hardware/mmu-factory";
import { seededRandom } from "../../hardware/seeded-permutation";
import { pageShiftOf } from "../../hardware/tlb-geometry";
import { Machine } from "../../kernel/machine";
import { measure, type Phase } from "../../kernel/measure";
import { getPreset, type PresetName, type ThpMode } from "../../kernel/presets";
import type { Process } from "../../kernel/process";
import { checkOptions, optionalBoolean, requireInteger } from "../../validate";
import sumBy from "lodash/sumBy";

/** A machine to build for an experiment (its MMU models the TLBs of `cpu`). */
export interface ExperimentMachineOptions {
  /** CPU preset (default: the platform's, skylake on linux-x86_64). */
  cpu?: CpuPreset | CpuName;
  /** The OS platform (default "linux-x86_64"). */
  preset?: PresetName;
  /** Transparent huge pages (default: the platform's, or "madvise" when huge pages are asked for). */
  thp?: ThpMode;
  /** Physical memory in bytes (default: the platform's). */
  ramBytes?: number;
  /** Seed of the physical frame order (default 1). */
  seed?: number;
}

const MACHINE_OPTION_KEYS: readonly (keyof ExperimentMachineOptions)[] = ["cpu", "preset", "thp", "ramBytes", "seed"];

/** Uses `target` if it is a Machine, else builds one (THP "madvise" when huge pages are asked). */
function machineFor(call: string, target: Machine | ExperimentMachineOptions, hugePages: boolean): Machine {
  if (target instanceof Machine) return target;
  if (typeof target !== "object" || target === null) {
    throw new InvalidArgumentError(`${call}(target): target must be a Machine or machine options; got ${describeValue(target)}`);
  }
  // Only these reach the Machine: any other key (mmu, eventCapacity, a typo) would be silently
  // dropped or replaced by the experiment's own MMU.
  checkOptions(`${call}(target)`, target, MACHINE_OPTION_KEYS);
  const { cpu, thp, ...rest } = target;
  // madvise(MADV_HUGEPAGE) needs THP "madvise" or "always" (REFERENCE §3.4), where there is THP.
  const hasThp = getPreset(rest.preset ?? "linux-x86_64").thpSupported;
  const mode = thp ?? (hugePages && hasThp ? "madvise" : undefined);
  return new Machine({ ...rest, ...(mode === undefined ? {} : { thp: mode }), mmu: tlbMmu(cpu) });
}

function positiveInteger(call: string, name: string, value: unknown, max = 2 ** 40): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`${call}: ${name} must be an integer from 1 to ${max}; got ${describeValue(value)}`);
  }
  return value;
}

/** The page size a run uses: the base page, or the huge (PMD) page when asked and available. */
function unitBytes(call: string, machine: Machine, hugePages: boolean): number {
  if (!hugePages) return machine.preset.pageSize;
  if (machine.hugePageBytes === 0) {
    throw new InvalidArgumentError(`${call}: platform "${machine.preset.name}" has no transparent huge pages`);
  }
  return machine.hugePageBytes;
}

/** Maps `bytes` (page-aligned to `unit`) in `proc`, asking for huge pages when `unit` is one. */
function mapAligned(machine: Machine, proc: Process, bytes: number, unit: number): number {
  const huge = unit > machine.preset.pageSize;
  const raw = proc.mmap(bytes + (huge ? unit : 0));
  if (!huge) return raw;
  proc.madvise(raw, bytes + unit, "hugepage");
  return Math.ceil(raw / unit) * unit; // a huge fault needs the whole aligned range in the VMA (REFERENCE §3.4)
}

/** Runs `body` in a fresh process that exits afterwards (its TLB entries are dropped with it). */
function inProcess<T>(machine: Machine, body: (proc: Process) => T): T {
  const proc = machine.spawn();
  try {
    return body(proc);
  } finally {
    if (proc.alive) proc.exit();
  }
}

/** What tlbReachExperiment measures. */
export interface ReachOptions {
  /** Page counts to measure (default 1, 2, 3, 4, 6, 8, 12, ... up to maxPages). */
  pages?: readonly number[];
  /** Largest page count of the default series (default 4096). */
  maxPages?: number;
  /** Bytes between touched addresses, a multiple of the page size (default one page). */
  strideBytes?: number;
  /** Measured passes over the pages, after a first touch and a warm-up pass (default 16). */
  iterations?: number;
  /** Touch 2 MiB transparent huge pages instead of base pages. */
  hugePages?: boolean;
}

/**
 * One page count of the reach curve, per measured access.
 * @inline
 */
export interface ReachMeasurement {
  /** Pages touched on each pass. */
  pagesTouched: number;
  /** Accesses measured: pagesTouched x iterations. */
  accesses: number;
  /** Modelled cycles per access (translation and memory). */
  cyclesPerAccess: number;
  /** L1 data-TLB misses per access. */
  l1MissesPerAccess: number;
  /** Second-level TLB misses per access. */
  l2MissesPerAccess: number;
  /** Page walks per access. */
  walksPerAccess: number;
}

/** The reach curve and the knees the simulation shows. */
export interface ReachResult {
  /** e.g. "skylake, 4K pages". */
  label: string;
  /** The CPU preset's name. */
  cpu: string;
  /** Bytes of the pages touched (base or huge). */
  pageBytes: number;
  /** Bytes between touched addresses. */
  strideBytes: number;
  /** One measurement per page count, in increasing order. */
  points: ReachMeasurement[];
  /** Largest measured page count whose passes missed no L1 TLB lookup (from the simulation). */
  l1Reach: number | null;
  /** Largest measured page count whose passes needed no page walk (from the simulation). */
  l2Reach: number | null;
  /** The series for tlbReachChart. */
  series: {
    /** The series' label, as `label`. */
    label: string;
    /** The measured points. */
    points: {
      /** Pages touched on each pass. */
      pagesTouched: number;
      /** Modelled cycles per access. */
      cyclesPerAccess: number;
    }[];
  };
  /** Where the preset says the knees are (TLB entries for this page size), to mark on a chart. */
  presetReach: {
    /** The TLB level and its entries, e.g. "L1 dTLB: 64 entries". */
    label: string;
    /** Pages that level's entries hold. */
    pages: number;
  }[];
}

/** 1, 2, 3, 4, 6, 8, 12, 16, ... (powers of two and 1.5 times them) up to `max`. */
function defaultPageCounts(max: number): number[] {
  const counts: number[] = [];
  for (let p = 1; p <= max; p *= 2) {
    counts.push(p);
    if (p >= 2 && p * 1.5 <= max) counts.push(p * 1.5);
  }
  return counts;
}

/** Entries of the TLB arrays of one level that hold pages of `pageBytes`. */
function presetEntries(cpu: CpuPreset, level: "l1d" | "l2", pageBytes: number): number {
  const shift = Math.log2(pageBytes);
  return sumBy(
    cpu[level].filter((t) => t.pageSizes.some((size) => pageShiftOf(size, "pageSizes") === shift)),
    "entries",
  );
}

/**
 * OSTEP's TLB measurement: for each page count N, touch N pages `strideBytes` apart (one access
 * each) `iterations` times after a warm-up, and measure the cycles per access. Returns the
 * curve, the reach the simulation shows (largest N without L1 misses, without walks) and the
 * preset's entry counts for comparison.
 */
export function tlbReachExperiment(target: Machine | ExperimentMachineOptions = {}, options: ReachOptions = {}): ReachResult {
  const call = "tlbReachExperiment";
  checkOptions<ReachOptions>(`${call}(target, options)`, options, ["pages", "maxPages", "strideBytes", "iterations", "hugePages"]);
  const hugePages = optionalBoolean(call, "hugePages", options.hugePages) ?? false;
  const machine = machineFor(call, target, hugePages);
  const unit = unitBytes(call, machine, hugePages);
  const stride = positiveInteger(call, "strideBytes", options.strideBytes ?? unit);
  if (stride % unit !== 0) {
    throw new InvalidArgumentError(`${call}: strideBytes must be a multiple of the page size ${unit}; got ${describeValue(stride)}`);
  }
  const iterations = positiveInteger(call, "iterations", options.iterations ?? 16, 10_000);
  const maxPages = positiveInteger(call, "maxPages", options.maxPages ?? 4096, 2 ** 20);
  const requested = options.pages ?? defaultPageCounts(maxPages);
  if (!Array.isArray(requested) || requested.length === 0) {
    throw new InvalidArgumentError(`${call}: pages must be a non-empty array of page counts; got ${describeValue(requested)}`);
  }
  const counts = [...new Set(requested.map((n, i) => positiveInteger(call, `pages[${i}]`, n, 2 ** 20)))].sort((a, b) => a - b);
  const basePage = machine.preset.pageSize;
  const points: ReachMeasurement[] = [];
  let cpuName = "";
  for (const n of counts) {
    const phase = inProcess(machine, (proc) => {
      const start = mapAligned(machine, proc, n * stride, unit);
      // One access per page: a single run with page-sized elements when pages are contiguous
      // base pages, else one 8-byte access per touched page.
      const pass =
        stride === basePage
          ? () => proc.accessPages(start, n * stride, "write", undefined, { elementSize: stride, label: "reach pass" })
          : () => {
              for (let i = 0; i < n; i++) proc.accessPages(start + i * stride, 8, "write", undefined, { label: "reach pass" });
            };
      pass(); // first touch: faults
      pass(); // warm-up: the TLBs reach their steady state
      return measure(proc, () => {
        for (let i = 0; i < iterations; i++) pass();
      }, `${n} pages`);
    });
    cpuName = phase.cpu;
    points.push({
      pagesTouched: n,
      accesses: phase.accesses,
      cyclesPerAccess: phase.cyclesPerAccess,
      l1MissesPerAccess: phase.tlb.l1d.misses / phase.accesses,
      l2MissesPerAccess: phase.tlb.l2.misses / phase.accesses,
      walksPerAccess: phase.walks / phase.accesses,
    });
  }
  const largest = (test: (p: ReachMeasurement) => boolean): number | null => {
    let reach: number | null = null;
    for (const p of points) {
      if (!test(p)) break;
      reach = p.pagesTouched;
    }
    return reach;
  };
  const cpu = (machine.mmu as unknown as { cpu: CpuPreset }).cpu;
  const sizeLabel = unit >= 2 ** 20 ? `${unit / 2 ** 20}M` : `${unit / 1024}K`;
  const label = `${cpuName}, ${sizeLabel} pages`;
  return {
    label,
    cpu: cpuName,
    pageBytes: unit,
    strideBytes: stride,
    points,
    l1Reach: largest((p) => p.l1MissesPerAccess === 0),
    l2Reach: largest((p) => p.walksPerAccess === 0),
    series: { label, points: points.map((p) => ({ pagesTouched: p.pagesTouched, cyclesPerAccess: p.cyclesPerAccess })) },
    presetReach: [
      { label: `L1 dTLB: ${presetEntries(cpu, "l1d", unit)} entries`, pages: presetEntries(cpu, "l1d", unit) },
      { label: `L2 TLB: ${presetEntries(cpu, "l2", unit)} entries`, pages: presetEntries(cpu, "l2", unit) },
    ].filter((m) => m.pages > 0),
  };
}

/** What sweepExperiment runs. */
export interface SweepOptions {
  /** Size of the array (default 2 GiB). */
  bytes?: number;
  /** Element size in bytes (default 8, float64). */
  elementSize?: number;
  /** Random element reads measured (default 65536; each is one process call). */
  randomAccesses?: number;
  /** Seed of the random element order (default 1). */
  seed?: number;
  /** Which pages to run on (default both when the platform has THP). */
  pages?: readonly ("base" | "huge")[];
}

/** The measured phases of a sweep. */
export interface SweepResult {
  /** The CPU preset's name. */
  cpu: string;
  /** Bytes of the array swept. */
  bytes: number;
  /** Bytes per element (8: float64). */
  elementSize: number;
  /** Per page kind: "4K first touch", "4K sequential", "4K random", then the same for 2M. */
  phases: Phase[];
}

/**
 * Sweeps an array of `bytes` (default 2 GiB of float64): a first sequential write (faults),
 * a sequential read of every element, and random element reads; on base pages and on 2 MiB
 * transparent huge pages (madvise). Returns the measured phases.
 */
export function sweepExperiment(target: Machine | ExperimentMachineOptions = {}, options: SweepOptions = {}): SweepResult {
  const call = "sweepExperiment";
  checkOptions<SweepOptions>(`${call}(target, options)`, options, ["bytes", "elementSize", "randomAccesses", "seed", "pages"]);
  const wanted = options.pages ?? ["base", "huge"];
  if (!Array.isArray(wanted) || wanted.length === 0 || wanted.some((k) => k !== "base" && k !== "huge")) {
    throw new InvalidArgumentError(`${call}: pages must list "base" and/or "huge"; got ${describeValue(wanted)}`);
  }
  const machine = machineFor(call, target, wanted.includes("huge"));
  const kinds = options.pages === undefined && machine.hugePageBytes === 0 ? ["base"] : wanted;
  const elementSize = positiveInteger(call, "elementSize", options.elementSize ?? 8, 2 ** 20);
  const bytes = positiveInteger(call, "bytes", options.bytes ?? 2 ** 31, 2 ** 44);
  if (bytes % elementSize !== 0) {
    throw new InvalidArgumentError(`${call}: bytes (${bytes}) must be a multiple of elementSize (${elementSize})`);
  }
  const randomAccesses = positiveInteger(call, "randomAccesses", options.randomAccesses ?? 65_536, 2 ** 26);
  // seededRandom reads the seed as a 32-bit integer: anything else would quietly become 0
  const seed = requireInteger(call, "seed", options.seed ?? 1, -(2 ** 31), 2 ** 32 - 1, "[-2**31, 2**32 - 1]");
  const elements = bytes / elementSize;
  const phases: Phase[] = [];
  for (const kind of kinds) {
    const unit = unitBytes(call, machine, kind === "huge");
    const name = unit >= 2 ** 20 ? `${unit / 2 ** 20}M` : `${unit / 1024}K`;
    inProcess(machine, (proc) => {
      const start = mapAligned(machine, proc, Math.ceil(bytes / unit) * unit, unit);
      const opts = { elementSize, label: "sweep" };
      phases.push(measure(proc, () => proc.accessPages(start, bytes, "write", undefined, opts), `${name} first touch`));
      phases.push(measure(proc, () => proc.accessPages(start, bytes, "read", undefined, opts), `${name} sequential`));
      const random = seededRandom(seed);
      phases.push(
        measure(proc, () => {
          for (let i = 0; i < randomAccesses; i++) {
            const element = Math.floor(random() * elements);
            proc.accessPages(start + element * elementSize, elementSize, "read", undefined, opts);
          }
        }, `${name} random`),
      );
    });
  }
  return { cpu: phases[0].cpu, bytes, elementSize, phases };
}
