// Paging-structure caches (Intel SDM Vol. 3A §4.10.3; AMD's page directory cache; Arm's walk
// cache): small caches of the upper-level entries a walk read, keyed by the address prefix each
// entry covers, so a later walk can start below them and read fewer page-table entries.
import { SetAssociativeArray } from "./tlb-sets";
import type { MmuCore } from "./mmu-core";
import { checkWalkCaches, type WalkCacheConfig } from "./tlb-geometry";

/** One paging-structure cache, for the entries `depth` levels above the leaf page tables. */
export class WalkCache {
  /** The cache's name ("PDE", ...). */
  readonly name: string;
  /** Levels above the leaf page tables of the entries it caches. */
  readonly depth: number;
  /** The entries (the walk's probes and fills run in the MMU's WebAssembly instance). */
  readonly array: SetAssociativeArray;

  /**
   * Builds an empty cache of a configuration (checked by buildWalkCaches) in `core` (by
   * default its own).
   * @internal Public way in: a CPU preset's walk caches, built by the MMU.
   */
  constructor(config: WalkCacheConfig, core?: MmuCore) {
    this.name = config.name;
    this.depth = config.depth;
    this.array = new SetAssociativeArray(config.entries / config.ways, config.ways, config.replacement === "plru", core);
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
export function buildWalkCaches(configs: readonly WalkCacheConfig[], core?: MmuCore): WalkCache[] {
  checkWalkCaches(configs, "walkCaches");
  return configs.map((config) => new WalkCache(config, core)).sort((a, b) => a.depth - b.depth);
}
