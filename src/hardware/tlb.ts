// One TLB array: cached translations tagged by address-space id and page size, each holding
// the frame number and the permission bits the page-table walk found.
import { SetAssociativeArray } from "./tlb-sets";
import { pageNumber } from "./page-numbers";
import { MmuCore } from "./mmu-core";
import { checkTlbConfig, type TlbConfig } from "./tlb-geometry";

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
  /** The entries (tags, ids, replacement state, frame numbers and flags). */
  readonly array: SetAssociativeArray;

  /** Builds an empty TLB in `core` (by default its own); throws InvalidArgumentError for an
   *  impossible geometry. */
  constructor(
    /** The geometry this TLB was built from. */
    readonly config: TlbConfig,
    /** @internal The MMU's WebAssembly instance (by default one of its own). */
    core?: MmuCore,
  ) {
    this.shifts = checkTlbConfig(config, `TLB "${config?.name}"`);
    this.name = config.name;
    this.entries = config.entries;
    this.ways = config.ways;
    this.sets = config.entries / config.ways;
    this.array = new SetAssociativeArray(this.sets, this.ways, config.replacement === "plru", core);
  }

  /** Slot of the entry translating `vaddr` as a page of 2**shift bytes, or -1 (no LRU update). */
  find(asid: number, vaddr: number, shift: number): number {
    return this.array.find(pageNumber(vaddr, shift), asid, shift);
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
