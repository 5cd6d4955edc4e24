// The floor under scenario 2: the least work an exact simulation of one random access can do on
// this machine. One function, bare Int32Arrays, no page table, no frames, no argument checks:
// probe the 4 KiB L1 dTLB, then the STLB, then the PDE cache, and fill what missed, each with
// true LRU (a recency order per set, most recent first). It must count the same L1 and STLB
// misses as the full model over the same addresses (checked by the scenario), so it does the same
// TLB work; whatever rate it reaches bounds what any exact per-access model can reach here.
import type { CpuPreset } from "../../dist/index";

/** Sets and ways of one set-associative structure. */
interface Geometry {
  sets: number;
  ways: number;
}

/** One set-associative LRU structure in flat typed arrays: tags per slot, and per set the ways in
 *  recency order (most recent first). */
interface LruArray extends Geometry {
  tags: Int32Array;
  order: Int32Array;
}

function lruArray({ sets, ways }: Geometry): LruArray {
  const order = new Int32Array(sets * ways);
  for (let i = 0; i < order.length; i++) order[i] = i % ways;
  return { sets, ways, tags: new Int32Array(sets * ways).fill(-1), order };
}

/** Looks `tag` up; on a hit moves its way to the front and returns true, on a miss replaces the
 *  least recently used way by it and returns false. */
function access(a: LruArray, tag: number): boolean {
  const ways = a.ways;
  const base = (tag % a.sets) * ways;
  const tags = a.tags;
  let way = -1;
  for (let i = base; i < base + ways; i++) {
    if (tags[i] === tag) {
      way = i - base;
      break;
    }
  }
  const hit = way >= 0;
  const order = a.order;
  let position = ways - 1; // a miss takes the last (least recently used) way
  if (hit) while (order[base + position] !== way) position--;
  else way = order[base + position];
  for (let i = base + position; i > base; i--) order[i] = order[i - 1];
  order[base] = way;
  if (!hit) tags[base + way] = tag;
  return hit;
}

/** The geometry of the single array of `level` that holds 4 KiB pages. */
function arrayFor4K(cpu: CpuPreset, level: "l1d" | "l2"): Geometry {
  const config = cpu[level].find((c) => c.pageSizes.includes("4K"));
  if (!config) throw new Error(`${cpu.name} has no ${level} array for 4 KiB pages`);
  return { sets: config.entries / config.ways, ways: config.ways };
}

/** Misses the skeleton counted (checked against the full model's). */
export interface FloorCounts {
  /** First-level data TLB misses. */
  l1Misses: number;
  /** Second-level TLB misses. */
  l2Misses: number;
}

/**
 * Runs `count` accesses drawn by `nextPage()` (a page index inside a 2 MiB-aligned region) through
 * the skeleton of `cpu`'s 4 KiB TLBs and PDE cache. Page indices relative to an aligned region
 * rotate the set indices of the real addresses by a constant, so the counts are the same.
 */
export function floorAccesses(cpu: CpuPreset, count: number, nextPage: () => number): FloorCounts {
  const l1 = lruArray(arrayFor4K(cpu, "l1d"));
  const l2 = lruArray(arrayFor4K(cpu, "l2"));
  const pdeConfig = cpu.walkCaches.find((w) => w.depth === 1);
  const pde = pdeConfig ? lruArray({ sets: pdeConfig.entries / pdeConfig.ways, ways: pdeConfig.ways }) : null;
  let l1Misses = 0;
  let l2Misses = 0;
  for (let i = 0; i < count; i++) {
    const page = nextPage();
    if (access(l1, page)) continue;
    l1Misses++;
    if (access(l2, page)) continue;
    l2Misses++;
    if (pde) access(pde, page >> 9); // the 2 MiB region's PDE: 512 pages per entry
  }
  return { l1Misses, l2Misses };
}
