// One level of the TLB hierarchy: the TLB arrays looked up in parallel for an access (Skylake's
// L1 dTLB is three arrays, one per page size; Zen 2's is one array holding all sizes). A page
// size is held by at most one array of a level, so a translation has exactly one home per level.
import type { Leaf } from "./translation";
import { Tlb } from "./tlb";
import { checkTlbLevel, type TlbConfig } from "./tlb-geometry";

/** The TLB arrays of one level and where the last lookup hit. */
export class TlbLevel {
  readonly tlbs: readonly Tlb[];
  /** For each page shift, the array holding it (or undefined). */
  private readonly home: (Tlb | undefined)[] = new Array<Tlb | undefined>(64).fill(undefined);
  /** Flattened (array, shift) probes, so a lookup is one loop. */
  private readonly probeTlbs: Tlb[] = [];
  private readonly probeShifts: number[] = [];
  /** The array and slot of the last successful lookup. */
  hitTlb: Tlb | null = null;
  hitSlot = -1;

  /** Builds a level from its TLB descriptions; throws InvalidArgumentError on a bad geometry. */
  constructor(readonly name: string, configs: readonly TlbConfig[]) {
    checkTlbLevel(configs, name);
    this.tlbs = configs.map((config) => new Tlb(config));
    for (const tlb of this.tlbs) {
      for (const shift of tlb.shifts) {
        this.home[shift] = tlb;
        this.probeTlbs.push(tlb);
        this.probeShifts.push(shift);
      }
    }
  }

  /** Whether some array of this level holds pages of 2**shift bytes. */
  holds(shift: number): boolean {
    return this.home[shift] !== undefined;
  }

  /** Looks `vaddr` up at every page size; on a hit records hitTlb/hitSlot and returns true.
   *  Replacement state is not updated (the caller touches the entry if it uses it). */
  lookup(asid: number, vaddr: number): boolean {
    const tlbs = this.probeTlbs;
    const shifts = this.probeShifts;
    for (let i = 0; i < tlbs.length; i++) {
      const slot = tlbs[i].find(asid, vaddr, shifts[i]);
      if (slot >= 0) {
        this.hitTlb = tlbs[i];
        this.hitSlot = slot;
        return true;
      }
    }
    return false;
  }

  /** Caches a translation in the array holding its page size; a no-op if none holds it. */
  insert(asid: number, vaddr: number, leaf: Leaf): void {
    this.home[leaf.pageShift]?.insert(asid, vaddr, leaf);
  }

  /** Drops the translations of [start, end) in one address space, at every page size. */
  invalidateRange(asid: number, start: number, end: number): void {
    for (const tlb of this.tlbs) tlb.invalidateRange(asid, start, end);
  }

  /** Drops every translation of an address space. */
  invalidateAsid(asid: number): void {
    for (const tlb of this.tlbs) tlb.invalidateAsid(asid);
  }
}
