// The shape of a TLB or a paging-structure (walk) cache as a CPU preset describes it, and the
// checks that reject impossible shapes (zero entries, ways that do not divide entries, unknown
// page sizes) before any simulator state is built.
import { InvalidArgumentError, describeValue, isArray } from "../errors";
import { requireInteger } from "../validate";

/** Page sizes a TLB can hold: x86-64 (4K, 2M, 1G) and the arm64 granules and their blocks. */
export type PageSizeName = "4K" | "16K" | "64K" | "2M" | "32M" | "512M" | "1G";

/** log2 of each page size. */
export const PAGE_SHIFTS: Readonly<Record<PageSizeName, number>> = Object.freeze({
  "4K": 12,
  "16K": 14,
  "64K": 16,
  "2M": 21,
  "32M": 25,
  "512M": 29,
  "1G": 30,
});

/** How a set picks its victim: true LRU, or tree pseudo-LRU (ways a power of two). */
export type ReplacementPolicy = "lru" | "plru";

/** One TLB array: `entries` split into `entries / ways` sets, holding the listed page sizes. */
export interface TlbConfig {
  /** The array's name in tables ("L1d 4K", "STLB"). */
  readonly name: string;
  /** Entries in all (sets times ways). */
  readonly entries: number;
  /** Associativity; `ways === entries` is fully associative. */
  readonly ways: number;
  /** The page sizes the array holds (one array may hold several). */
  readonly pageSizes: readonly PageSizeName[];
  /** "lru" (default) or tree pseudo-LRU ("plru", needs a power-of-two number of ways). */
  readonly replacement?: ReplacementPolicy;
  /** Where the figures come from, or "ASSUMPTION: ..." */
  readonly source?: string;
}

/**
 * A paging-structure cache for the entries `depth` levels above the leaf page tables:
 * depth 1 caches entries that point to page tables (x86 PDE cache, each covering 2 MiB with
 * 4 KiB pages), depth 2 the PDPTE cache (1 GiB), depth 3 the PML4E cache (512 GiB).
 */
export interface WalkCacheConfig {
  /** The cache's name ("PDE", "PDPTE", ...). */
  readonly name: string;
  /** Levels above the leaf page tables of the entries it caches (x86 PDE: 1). */
  readonly depth: number;
  /** Entries in all (sets times ways). */
  readonly entries: number;
  /** Ways per set. */
  readonly ways: number;
  /** Replacement policy (default "lru"). */
  readonly replacement?: ReplacementPolicy;
  /** Where the geometry comes from (a manual, a paper). */
  readonly source?: string;
}

/** Short name of a page size from its log2 ("4K", "2M", "1G", "32M", ...). */
export function pageSizeName(pageShift: number): string {
  requireInteger("pageSizeName", "pageShift", pageShift, 0, 64);
  if (pageShift >= 30) return `${2 ** (pageShift - 30)}G`;
  if (pageShift >= 20) return `${2 ** (pageShift - 20)}M`;
  if (pageShift >= 10) return `${2 ** (pageShift - 10)}K`;
  return `${2 ** pageShift}B`;
}

/** log2 of a page size given by name; throws InvalidArgumentError naming `argument` if unknown. */
export function pageShiftOf(size: unknown, argument: string): number {
  if (typeof size !== "string" || !Object.prototype.hasOwnProperty.call(PAGE_SHIFTS, size)) {
    throw new InvalidArgumentError(
      `${argument} must be one of ${Object.keys(PAGE_SHIFTS).join(", ")}; got ${describeValue(size)}`,
    );
  }
  return PAGE_SHIFTS[size as PageSizeName];
}

function checkCount(value: unknown, argument: string, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`${argument} must be an integer from 1 to ${max}; got ${describeValue(value)}`);
  }
  return value;
}

/** At most 2**20 entries per array, and 2**16 ways per set (a set's recency order keeps each
 *  way's number in 16 bits: see assembly/tlb-arrays.ts). */
const MAX_ENTRIES = 2 ** 20;
const MAX_WAYS = 2 ** 16;

function checkReplacement(value: unknown, ways: number, argument: string): ReplacementPolicy {
  if (value === undefined) return "lru";
  if (value !== "lru" && value !== "plru") {
    throw new InvalidArgumentError(`${argument}.replacement must be "lru" or "plru"; got ${describeValue(value)}`);
  }
  // A binary tree of bits picks among a power-of-two number of ways only.
  if (value === "plru" && !Number.isInteger(Math.log2(ways))) {
    throw new InvalidArgumentError(`${argument}: tree pseudo-LRU needs a power-of-two number of ways; got ways = ${ways}`);
  }
  return value;
}

/** Checks a set-associative shape (entries, ways, policy) and returns its number of sets. */
export function checkAssociativity(
  config: { entries?: unknown; ways?: unknown; replacement?: unknown },
  argument: string,
): number {
  const entries = checkCount(config.entries, `${argument}.entries`, MAX_ENTRIES);
  const ways = checkCount(config.ways, `${argument}.ways`, MAX_WAYS);
  if (ways > entries || entries % ways !== 0) {
    throw new InvalidArgumentError(
      `${argument}: ways (${ways}) must divide entries (${entries}) into whole sets`,
    );
  }
  checkReplacement(config.replacement, ways, argument);
  return entries / ways;
}

/** Validates one TLB config (throws InvalidArgumentError) and returns its page shifts. */
export function checkTlbConfig(config: TlbConfig, argument: string): number[] {
  if (typeof config !== "object" || config === null) {
    throw new InvalidArgumentError(`${argument} must be a TLB description object; got ${describeValue(config)}`);
  }
  if (typeof config.name !== "string" || config.name.length === 0) {
    throw new InvalidArgumentError(`${argument}.name must be a non-empty string; got ${describeValue(config.name)}`);
  }
  checkAssociativity(config, argument);
  if (!isArray(config.pageSizes) || config.pageSizes.length === 0) {
    throw new InvalidArgumentError(`${argument}.pageSizes must list at least one page size; got ${describeValue(config.pageSizes)}`);
  }
  const shifts = config.pageSizes.map((size, i) => pageShiftOf(size, `${argument}.pageSizes[${i}]`));
  if (new Set(shifts).size !== shifts.length) {
    throw new InvalidArgumentError(`${argument}.pageSizes lists a page size twice: ${config.pageSizes.join(", ")}`);
  }
  return shifts;
}

/** Validates a group of TLBs looked up together (one level): each page size in at most one. */
export function checkTlbLevel(configs: readonly TlbConfig[], argument: string): void {
  if (!isArray(configs)) {
    throw new InvalidArgumentError(`${argument} must be an array of TLB descriptions; got ${describeValue(configs)}`);
  }
  const holder = new Map<number, string>();
  configs.forEach((config, i) => {
    for (const shift of checkTlbConfig(config, `${argument}[${i}]`)) {
      const other = holder.get(shift);
      if (other !== undefined) {
        throw new InvalidArgumentError(
          `${argument}: page size ${pageSizeName(shift)} is held by both "${other}" and "${config.name}"`,
        );
      }
      holder.set(shift, config.name);
    }
  });
}

/** Validates the walk caches: known shape, depth 1..5, one cache per depth. */
export function checkWalkCaches(configs: readonly WalkCacheConfig[], argument: string): void {
  if (!isArray(configs)) {
    throw new InvalidArgumentError(`${argument} must be an array of walk-cache descriptions; got ${describeValue(configs)}`);
  }
  const depths = new Set<number>();
  configs.forEach((config, i) => {
    const at = `${argument}[${i}]`;
    if (typeof config !== "object" || config === null || typeof config.name !== "string" || config.name.length === 0) {
      throw new InvalidArgumentError(`${at} must be an object with a non-empty name; got ${describeValue(config)}`);
    }
    checkAssociativity(config, at);
    if (!Number.isInteger(config.depth) || config.depth < 1 || config.depth > 5) {
      throw new InvalidArgumentError(`${at}.depth must be an integer from 1 to 5; got ${describeValue(config.depth)}`);
    }
    if (depths.has(config.depth)) {
      throw new InvalidArgumentError(`${argument}: two walk caches at depth ${config.depth}`);
    }
    depths.add(config.depth);
  });
}
