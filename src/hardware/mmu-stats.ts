// The MMU's counters: exact event counts kept in typed arrays on the hot path, and the plain
// objects a notebook reads (stats, snapshots, differences between two snapshots), with cycles
// derived from the counts and the CPU's cost model.
import { InvalidArgumentError } from "../errors";
import type { CostModel } from "./cost-model";
import { pageSizeName } from "./tlb-geometry";

/** Counter rows: one per TLB level. */
export const L1D = 0;
export const L1I = 1;
export const L2 = 2;
const LEVEL_NAMES = ["l1d", "l1i", "l2"] as const;
export type TlbLevelName = (typeof LEVEL_NAMES)[number];

/** Raw event counts; TLB hits and misses are indexed [level * 64 + page shift]. */
export class MmuCounters {
  accesses = 0;
  fetches = 0;
  walks = 0;
  walkRefs = 0;
  faults = 0;
  readonly hits: Float64Array = new Float64Array(3 * 64);
  readonly misses: Float64Array = new Float64Array(3 * 64);
  /** Walk-cache hits by the cache's depth above the leaf tables. */
  readonly walkCacheHits: Float64Array = new Float64Array(8);
}

export interface TlbCounts {
  readonly hits: number;
  readonly misses: number;
}

/** Hits and misses of one TLB level, in total and by page size ("4K", "2M", ...). A miss is
 *  filed under the size of the translation that finally served the access. */
export interface TlbLevelStats extends TlbCounts {
  readonly bySize: Readonly<Record<string, TlbCounts>>;
}

/** Cycles spent translating, by cause (CostModel figures times counts). */
export interface TranslationCycles {
  readonly l1Hit: number;
  readonly l2Hit: number;
  readonly walk: number;
  readonly total: number;
}

/** Everything the MMU counted since it was built. */
export interface MmuStats {
  readonly cpu: string;
  /** Data accesses translated (each element access of a run counts). */
  readonly accesses: number;
  /** Instruction fetches translated (translateFetch). */
  readonly fetches: number;
  readonly tlb: Readonly<Record<TlbLevelName, TlbLevelStats>>;
  readonly walks: number;
  /** Page-table entries read from memory by all walks. */
  readonly walkRefs: number;
  readonly walkCacheHits: number;
  /** Walk-cache hits by cache name ("PDE", "PDPTE", ...). */
  readonly walkCacheHitsBy: Readonly<Record<string, number>>;
  /** Faults the MMU raised into the kernel (a retried access can raise more than one). */
  readonly faults: number;
  readonly cycles: TranslationCycles;
}

/** What a stats object needs to know about the CPU besides the counts. */
export interface StatsLayout {
  readonly cpu: string;
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
