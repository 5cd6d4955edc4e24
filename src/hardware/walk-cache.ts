// Paging-structure caches (Intel SDM Vol. 3A §4.10.3; AMD's page directory cache; Arm's walk
// cache): small caches of the upper-level entries a walk read, keyed by the address prefix each
// entry covers, so a later walk can start below them and read fewer page-table entries.
import type { PageTableWalker } from "./translation";
import { SetAssociativeArray, pageKey } from "./tlb-sets";
import { checkWalkCaches, type WalkCacheConfig } from "./tlb-geometry";

/** Bits of address one entry `depth` levels above the leaf tables covers (x86 PDE: 21). */
export function coverageShift(pageTable: PageTableWalker, depth: number): number {
  return pageTable.basePageShift + pageTable.bitsPerLevel * depth;
}

/** One paging-structure cache, for the entries `depth` levels above the leaf page tables. */
export class WalkCache {
  /** The cache's name ("PDE", ...). */
  readonly name: string;
  /** Levels above the leaf page tables of the entries it caches. */
  readonly depth: number;
  private readonly array: SetAssociativeArray;

  /**
   * Builds an empty cache of a configuration (checked by buildWalkCaches).
   * @internal Public way in: a CPU preset's walk caches, built by the MMU.
   */
  constructor(config: WalkCacheConfig) {
    this.name = config.name;
    this.depth = config.depth;
    this.array = new SetAssociativeArray(config.entries / config.ways, config.ways, config.replacement === "plru");
  }

  /** Looks up the entry covering `vaddr` for a walk that read it: on a hit marks it most recently
   *  used and returns true; on a miss caches it (the walk has just read it from memory) and
   *  returns false. One probe of the set does both. */
  lookupOrFill(asid: number, pageTable: PageTableWalker, vaddr: number): boolean {
    const shift = coverageShift(pageTable, this.depth);
    const key = pageKey(vaddr, shift);
    const slot = this.array.findKey(key, asid, shift);
    if (slot < 0) {
      this.array.insertKey(key, asid, shift);
      return false;
    }
    this.array.touch(slot);
    return true;
  }

  /** Drops the entry a walk of `vaddr` would use. */
  invalidateAddress(asid: number, pageTable: PageTableWalker, vaddr: number): void {
    const shift = coverageShift(pageTable, this.depth);
    const slot = this.array.findKey(pageKey(vaddr, shift), asid, shift);
    if (slot >= 0) this.array.invalidate(slot);
  }

  /** Drops every entry of an address space. */
  invalidateAsid(asid: number): void {
    this.array.invalidateAsid(asid);
  }

  /** Number of valid entries. */
  occupancy(): number {
    return this.array.occupancy();
  }
}

/** Builds the walk caches of a preset, nearest the leaf first — the order a walk probes them,
 *  since the first hit there skips the most levels. Throws InvalidArgumentError on a bad geometry. */
export function buildWalkCaches(configs: readonly WalkCacheConfig[]): WalkCache[] {
  checkWalkCaches(configs, "walkCaches");
  return configs.map((config) => new WalkCache(config)).sort((a, b) => a.depth - b.depth);
}
