// One TLB array: cached translations tagged by address-space id and page size, each holding
// the frame number and the permission bits the page-table walk found.
import type { Leaf } from "./translation";
import { SetAssociativeArray } from "./tlb-sets";
import { checkTlbConfig, type TlbConfig } from "./tlb-geometry";

/** 2**n for every shift, so hot paths divide by a table entry instead of calling Math.pow. */
export const POW2: Float64Array = Float64Array.from({ length: 64 }, (_, n) => 2 ** n);

const WRITABLE = 1;
const ZERO_PAGE = 2;

/** A set-associative TLB holding one or more page sizes. */
export class Tlb {
  readonly name: string;
  readonly entries: number;
  readonly sets: number;
  readonly ways: number;
  /** log2 of the page sizes this TLB holds, in lookup order. */
  readonly shifts: readonly number[];
  private readonly array: SetAssociativeArray;
  private readonly pfns: Float64Array;
  private readonly flags: Uint8Array;

  /** Builds an empty TLB; throws InvalidArgumentError for an impossible geometry. */
  constructor(readonly config: TlbConfig) {
    this.shifts = checkTlbConfig(config, `TLB "${config?.name}"`);
    this.name = config.name;
    this.entries = config.entries;
    this.ways = config.ways;
    this.sets = config.entries / config.ways;
    this.array = new SetAssociativeArray(this.sets, this.ways, config.replacement === "plru");
    this.pfns = new Float64Array(this.entries);
    this.flags = new Uint8Array(this.entries);
  }

  /** Whether this TLB holds pages of 2**shift bytes. */
  holds(shift: number): boolean {
    return this.shifts.includes(shift);
  }

  /** Slot of the entry translating `vaddr` as a page of 2**shift bytes, or -1 (no LRU update). */
  find(asid: number, vaddr: number, shift: number): number {
    return this.array.find(Math.floor(vaddr / POW2[shift]), asid, shift);
  }

  /** Marks a slot most recently used (a hit). */
  touch(slot: number): void {
    this.array.touch(slot);
  }

  /** Caches a translation of the page holding `vaddr` (replacing any entry for the same page). */
  insert(asid: number, vaddr: number, leaf: Leaf): void {
    const shift = leaf.pageShift;
    const vpn = Math.floor(vaddr / POW2[shift]);
    let slot = this.array.find(vpn, asid, shift);
    if (slot < 0) slot = this.array.insert(vpn, asid, shift);
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
    for (const shift of this.shifts) {
      const size = POW2[shift];
      this.array.invalidateTags(asid, shift, Math.floor(start / size), Math.floor((end - 1) / size));
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
