// One level of the TLB hierarchy: the TLB arrays looked up in parallel for an access (Skylake's
// L1 dTLB is three arrays, one per page size; Zen 2's is one array holding all sizes). A page
// size is held by at most one array of a level, so a translation has exactly one home per level.
import type { Leaf } from "./translation";
import { Tlb } from "./tlb";
import { pageKey, type SetAssociativeArray } from "./tlb-sets";
import { checkTlbLevel, type TlbConfig } from "./tlb-geometry";

/** The TLB arrays of one level and where the last lookup hit. */
export class TlbLevel {
  /** The level's arrays, in lookup order. */
  readonly tlbs: readonly Tlb[];
  /** For each page shift, the array holding it (or undefined). */
  private readonly home: (Tlb | undefined)[] = new Array<Tlb | undefined>(64).fill(undefined);
  /** Flattened (array, shift) probes, so a lookup is one loop. */
  private readonly probeTlbs: Tlb[] = [];
  private readonly probeArrays: SetAssociativeArray[] = [];
  private readonly probeShifts: number[] = [];
  /** The array and slot of the last successful lookup. */
  hitTlb: Tlb | null = null;
  /** The slot of the last successful lookup in hitTlb (-1 before any). */
  hitSlot = -1;

  /** Builds a level from its TLB descriptions; throws InvalidArgumentError on a bad geometry. */
  constructor(
    /** The level's name in error messages ("cpu.l1d"). */
    readonly name: string,
    configs: readonly TlbConfig[],
  ) {
    checkTlbLevel(configs, name);
    this.tlbs = configs.map((config) => new Tlb(config));
    for (const tlb of this.tlbs) {
      for (const shift of tlb.shifts) {
        this.home[shift] = tlb;
        this.probeTlbs.push(tlb);
        this.probeArrays.push(tlb.array);
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
    const arrays = this.probeArrays;
    const shifts = this.probeShifts;
    for (let i = 0; i < arrays.length; i++) {
      const shift = shifts[i];
      if (arrays[i].counts[shift] === 0) continue; // holds no page of this size: skip the probe
      const slot = arrays[i].findKey(pageKey(vaddr, shift), asid, shift);
      if (slot >= 0) {
        this.hitTlb = this.probeTlbs[i];
        this.hitSlot = slot;
        return true;
      }
    }
    return false;
  }

  /** Caches a translation in the array holding its page size (a no-op if none holds it);
   *  `absent`: the caller knows this level has no entry for the page (see Tlb.insert). */
  insert(asid: number, vaddr: number, leaf: Leaf, absent: boolean): void {
    this.home[leaf.pageShift]?.insert(asid, vaddr, leaf, absent);
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
