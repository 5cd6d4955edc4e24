// The MMU's counters: exact event counts kept in typed arrays on the hot path, and the plain
// objects a notebook reads (stats, snapshots, differences between two snapshots), with cycles
// derived from the counts and the CPU's cost model.
import { InvalidArgumentError } from "../errors";
import type { CostModel } from "./cost-model";
import { pageSizeName } from "./tlb-geometry";

/** Counter rows: one per TLB level. */
export const L1D = 0;
/** Counter row of the first-level instruction TLB. */
export const L1I = 1;
/** Counter row of the unified second-level TLB. */
export const L2 = 2;
const LEVEL_NAMES = ["l1d", "l1i", "l2"] as const;
/** A TLB level as MmuStats names it: "l1d", "l1i" or "l2". */
export type TlbLevelName = (typeof LEVEL_NAMES)[number];

/** Raw event counts; TLB hits and misses are indexed [level * 64 + page shift]. */
export class MmuCounters {
  /** Data accesses translated. */
  accesses = 0;
  /** Instruction fetches translated. */
  fetches = 0;
  /** Page-table walks. */
  walks = 0;
  /** Page-table entries the walks read from memory. */
  walkRefs = 0;
  /** Faults raised into the kernel. */
  faults = 0;
  /** TLB hits by [level * 64 + page shift]. */
  readonly hits: Float64Array = new Float64Array(3 * 64);
  /** TLB misses by [level * 64 + page shift]. */
  readonly misses: Float64Array = new Float64Array(3 * 64);
  /** Walk-cache hits by the cache's depth above the leaf tables. */
  readonly walkCacheHits: Float64Array = new Float64Array(8);
}

/** Hits and misses of a TLB level or of one page size in it. */
export interface TlbCounts {
  /** Lookups that found a usable entry. */
  readonly hits: number;
  /** Lookups that did not (the access went on to the next level or a walk). */
  readonly misses: number;
}

/** Hits and misses of one TLB level, in total and by page size ("4K", "2M", ...). A miss is
 *  filed under the size of the translation that finally served the access. */
export interface TlbLevelStats extends TlbCounts {
  /** The same counts by page size ("4K", "2M", "1G", ...). */
  readonly bySize: Readonly<Record<string, TlbCounts>>;
}

/** Cycles spent translating, by cause (CostModel figures times counts). */
export interface TranslationCycles {
  /** Cycles of first-level TLB hits (data and instruction). */
  readonly l1Hit: number;
  /** Cycles of second-level TLB hits. */
  readonly l2Hit: number;
  /** Cycles of page-table walks: starts, entries read and walk-cache hits. */
  readonly walk: number;
  /** The sum of the three. */
  readonly total: number;
}

/** Everything the MMU counted since it was built. */
export interface MmuStats {
  /** The CPU preset's name. */
  readonly cpu: string;
  /** Data accesses translated (each element access of a run counts). */
  readonly accesses: number;
  /** Instruction fetches translated (translateFetch). */
  readonly fetches: number;
  /** Hits and misses of each TLB level. */
  readonly tlb: Readonly<Record<TlbLevelName, TlbLevelStats>>;
  /** Page-table walks (one per access that missed every TLB level). */
  readonly walks: number;
  /** Page-table entries read from memory by all walks. */
  readonly walkRefs: number;
  /** Walks that started below the top thanks to a paging-structure cache. */
  readonly walkCacheHits: number;
  /** Walk-cache hits by cache name ("PDE", "PDPTE", ...). */
  readonly walkCacheHitsBy: Readonly<Record<string, number>>;
  /** Faults the MMU raised into the kernel (a retried access can raise more than one). */
  readonly faults: number;
  /** Cycles spent translating, from the CPU's cost model. */
  readonly cycles: TranslationCycles;
}

/** What a stats object needs to know about the CPU besides the counts. */
export interface StatsLayout {
  /** The CPU preset's name. */
  readonly cpu: string;
  /** The CPU's cost model (cycles per event). */
  readonly costs: CostModel;
  /** Page shifts always listed in bySize (the sizes the hierarchy holds). */
  readonly pageShifts: readonly number[];
  /** Walk-cache names by depth. */
  readonly walkCacheNames: ReadonlyMap<number, string>;
}

/** Builds the plain stats object from raw counters. */
export function buildMmuStats(layout: StatsLayout, c: MmuCounters): MmuStats {
  const tlb = {} as Record<TlbLevelName, TlbLevelStats>;
  LEVEL_NAMES.forEach((name, level) => {
    const bySize: Record<string, TlbCounts> = {};
    let hits = 0;
    let misses = 0;
    for (let shift = 0; shift < 64; shift++) {
      const h = c.hits[level * 64 + shift];
      const m = c.misses[level * 64 + shift];
      if (h !== 0 || m !== 0 || layout.pageShifts.includes(shift)) bySize[pageSizeName(shift)] = { hits: h, misses: m };
      hits += h;
      misses += m;
    }
    tlb[name] = { hits, misses, bySize };
  });
  const walkCacheHitsBy: Record<string, number> = {};
  let walkCacheHits = 0;
  for (const [depth, name] of layout.walkCacheNames) {
    walkCacheHitsBy[name] = c.walkCacheHits[depth];
    walkCacheHits += c.walkCacheHits[depth];
  }
  const k = layout.costs;
  const l1Hit = (tlb.l1d.hits + tlb.l1i.hits) * k.l1Hit;
  const l2Hit = tlb.l2.hits * k.l2Hit;
  const walk = c.walks * k.walkStart + c.walkRefs * k.walkRef + walkCacheHits * k.walkCacheHit;
  return {
    cpu: layout.cpu,
    accesses: c.accesses,
    fetches: c.fetches,
    tlb,
    walks: c.walks,
    walkRefs: c.walkRefs,
    walkCacheHits,
    walkCacheHitsBy,
    faults: c.faults,
    cycles: { l1Hit, l2Hit, walk, total: l1Hit + l2Hit + walk },
  };
}

type NumberTree = { readonly [key: string]: number | string | NumberTree };

function subtract(a: NumberTree, b: NumberTree): NumberTree {
  const out: { [key: string]: number | string | NumberTree } = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key];
    const y = b[key];
    if (typeof x === "string" || typeof y === "string") out[key] = y ?? x;
    else if (typeof x === "object" || typeof y === "object") {
      out[key] = subtract((x ?? {}) as NumberTree, (y ?? {}) as NumberTree);
    } else out[key] = ((y as number | undefined) ?? 0) - ((x as number | undefined) ?? 0);
  }
  return out;
}

/** What happened between two snapshots of the same MMU: b - a, field by field. */
export function diffMmuStats(a: MmuStats, b: MmuStats): MmuStats {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null || a.cpu !== b.cpu) {
    throw new InvalidArgumentError(
      `diff needs two snapshots of the same MMU; got cpu ${String(a?.cpu)} and ${String(b?.cpu)}`,
    );
  }
  return subtract(a as unknown as NumberTree, b as unknown as NumberTree) as unknown as MmuStats;
}
