// One level of the TLB hierarchy: the TLB arrays looked up in parallel for an access (Skylake's
// L1 dTLB is three arrays, one per page size; Zen 2's is one array holding all sizes). A page
// size is held by at most one array of a level, so a translation has exactly one home per level.
import { Tlb } from "./tlb";
import { MmuCore } from "./mmu-core";
import { checkTlbLevel, type TlbConfig } from "./tlb-geometry";

/** The TLB arrays of one level. */
export class TlbLevel {
  /** The level's arrays, in lookup order. */
  readonly tlbs: readonly Tlb[];
  /** @internal The level's address in its WebAssembly instance's memory. */
  readonly handle: number;
  /** Which page shifts some array of the level holds: the module keeps the same table, mirrored
   *  here so that counting a run's repeats asks without a call into it. */
  private readonly held: boolean[] = new Array<boolean>(64).fill(false);

  /** Builds a level from its TLB descriptions in `core` (by default its own); throws
   *  InvalidArgumentError on a bad geometry. */
  constructor(
    /** The level's name in error messages ("cpu.l1d"). */
    readonly name: string,
    configs: readonly TlbConfig[],
    /** @internal The MMU's WebAssembly instance (by default one of its own). */
    core: MmuCore = new MmuCore(),
  ) {
    checkTlbLevel(configs, name);
    this.tlbs = configs.map((config) => new Tlb(config, core));
    this.handle = core.wasm.newLevel();
    for (const tlb of this.tlbs) {
      for (const shift of tlb.shifts) {
        core.wasm.addToLevel(this.handle, tlb.array.handle, shift);
        this.held[shift] = true;
      }
    }
  }

  /** Whether some array of this level holds pages of 2**shift bytes. */
  holds(shift: number): boolean {
    return this.held[shift];
  }

  /** Drops every translation of an address space. */
  invalidateAsid(asid: number): void {
    for (const tlb of this.tlbs) tlb.invalidateAsid(asid);
  }
}
