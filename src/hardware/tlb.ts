// One TLB array: cached translations tagged by address-space id and page size, each holding
// the frame number and the permission bits the page-table walk found.
import type { Leaf } from "./translation";
import { SetAssociativeArray, pageKey, pageNumber } from "./tlb-sets";
import { checkTlbConfig, type TlbConfig } from "./tlb-geometry";

const WRITABLE = 1;
const ZERO_PAGE = 2;

/** A set-associative TLB holding one or more page sizes. */
export class Tlb {
  /** The array's name, from its config. */
  readonly name: string;
  /** Entries in all. */
  readonly entries: number;
  /** Sets (entries / ways). */
  readonly sets: number;
  /** Ways per set. */
  readonly ways: number;
  /** log2 of the page sizes this TLB holds, in lookup order. */
  readonly shifts: readonly number[];
  /** The entries (tags, ids, replacement state); pfns and flags are indexed by the same slots. */
  readonly array: SetAssociativeArray;
  private readonly pfns: Float64Array;
  private readonly flags: Uint8Array;

  /** Builds an empty TLB; throws InvalidArgumentError for an impossible geometry. */
  constructor(
    /** The geometry this TLB was built from. */
    readonly config: TlbConfig,
  ) {
    this.shifts = checkTlbConfig(config, `TLB "${config?.name}"`);
    this.name = config.name;
    this.entries = config.entries;
    this.ways = config.ways;
    this.sets = config.entries / config.ways;
    this.array = new SetAssociativeArray(this.sets, this.ways, config.replacement === "plru");
    this.pfns = new Float64Array(this.entries);
    this.flags = new Uint8Array(this.entries);
  }

  /** Slot of the entry translating `vaddr` as a page of 2**shift bytes, or -1 (no LRU update). */
  find(asid: number, vaddr: number, shift: number): number {
    return this.array.findKey(pageKey(vaddr, shift), asid, shift);
  }

  /** Marks a slot most recently used (a hit). */
  touch(slot: number): void {
    this.array.touch(slot);
  }

  /** Caches a translation of the page holding `vaddr`. `absent` promises that no entry for that
   *  page exists (the caller's lookup just missed), which saves a probe; otherwise an existing
   *  entry is replaced. */
  insert(asid: number, vaddr: number, leaf: Leaf, absent: boolean): void {
    const shift = leaf.pageShift;
    const key = pageKey(vaddr, shift);
    let slot = absent ? -1 : this.array.findKey(key, asid, shift);
    if (slot < 0) slot = this.array.insertKey(key, asid, shift);
    else this.array.touch(slot);
    this.pfns[slot] = leaf.pfn;
    this.flags[slot] = (leaf.writable ? WRITABLE : 0) | (leaf.zeroPage ? ZERO_PAGE : 0);
  }

  /** Whether the cached translation in `slot` permits writes. */
  writable(slot: number): boolean {
    return (this.flags[slot] & WRITABLE) !== 0;
  }

  /** Copies the translation in `slot` into `out` and returns it. */
  readLeaf(slot: number, out: Leaf): Leaf {
    out.pfn = this.pfns[slot];
    out.pageShift = this.array.kinds[slot];
    out.writable = (this.flags[slot] & WRITABLE) !== 0;
    out.zeroPage = (this.flags[slot] & ZERO_PAGE) !== 0;
    return out;
  }

  /** log2 of the page size cached in `slot`. */
  shiftAt(slot: number): number {
    return this.array.kinds[slot];
  }

  /** Drops the translations of [start, end) (end exclusive) in one address space. */
  invalidateRange(asid: number, start: number, end: number): void {
    const counts = this.array.counts;
    for (const shift of this.shifts) {
      // Nothing of this page size cached (an instruction TLB during data faults): no tags to compute.
      if (counts[shift] === 0) continue;
      this.array.invalidateTags(asid, shift, pageNumber(start, shift), pageNumber(end - 1, shift));
    }
  }

  /** Drops every translation of an address space. */
  invalidateAsid(asid: number): void {
    this.array.invalidateAsid(asid);
  }

  /** Number of valid entries. */
  occupancy(): number {
    return this.array.occupancy();
  }
}
