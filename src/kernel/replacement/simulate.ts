// Page replacement as an experiment (OSTEP ch. 22 and its paging-policy.py homework): a reference
// string of page numbers runs through a memory of `frames` page frames under one policy, and every
// access is a hit or a miss (REFERENCE §9.4).

import { InvalidArgumentError, describeValue, didYouMean } from "../../errors";
import { seededRandom } from "../../hardware/seeded-permutation";
import { checkOptions, requireInteger } from "../validate";

/** The policies: first in first out, least recently used, Belady's optimal, random, and CLOCK. */
export type ReplacementPolicy = "FIFO" | "LRU" | "OPT" | "RAND" | "CLOCK";
/** Every policy name, in the order charts and tables show them. */
export const REPLACEMENT_POLICIES: readonly ReplacementPolicy[] = ["OPT", "LRU", "CLOCK", "FIFO", "RAND"];

/** One access of a run. */
export interface ReplacementStep {
  /** The page accessed. */
  page: number;
  /** Whether it was resident. */
  hit: boolean;
  /** The page evicted to make room, or null (a hit, or a free frame was left). */
  evicted: number | null;
}

/** What a policy made of a reference string. */
export interface ReplacementRun {
  /** The policy that ran. */
  policy: ReplacementPolicy;
  /** Page frames of the memory. */
  frames: number;
  /** Accesses that found their page resident. */
  hits: number;
  /** Accesses that had to bring their page in. */
  misses: number;
  /** hits / accesses (0 for an empty string). */
  hitRate: number;
  /** Every access, in order. */
  steps: ReplacementStep[];
}

/** Options of simulateReplacement. */
export interface ReplacementOptions {
  /** Seed of RAND's victim choice (default 1). */
  seed?: number;
}

/** Throws unless `policy` names a policy (with a did-you-mean); returns it. */
export function requirePolicy(call: string, policy: unknown): ReplacementPolicy {
  if (typeof policy === "string" && (REPLACEMENT_POLICIES as readonly string[]).includes(policy)) return policy as ReplacementPolicy;
  const hint = typeof policy === "string" ? didYouMean(policy, REPLACEMENT_POLICIES) : "";
  throw new InvalidArgumentError(`${call}: policy must be one of ${REPLACEMENT_POLICIES.join(", ")}, got ${describeValue(policy)}${hint}`);
}

/** Throws unless `trace` is an array of non-negative integer page numbers; returns it. */
export function requireTrace(call: string, trace: unknown): readonly number[] {
  if (!Array.isArray(trace)) throw new InvalidArgumentError(`${call}: trace must be an array of page numbers, got ${describeValue(trace)}`);
  trace.forEach((page, i) => requireInteger(call, `trace[${i}]`, page, 0, Number.MAX_SAFE_INTEGER));
  return trace as readonly number[];
}

/** The memory a policy manages: which pages are in, and which one leaves when room is needed. */
interface Resident {
  has(page: number): boolean;
  /** Records an access at position `t` of the string (a hit or the page just brought in). */
  touch(page: number, t: number, hit: boolean): void;
  /** Picks the page to evict (memory full) and removes it. */
  evict(t: number): number;
  size(): number;
}

/** FIFO and LRU: a Map keeps insertion order; LRU moves a page to the back on every hit. */
function orderedResident(moveOnHit: boolean): Resident {
  const pages = new Map<number, true>();
  return {
    has: (page) => pages.has(page),
    touch(page, _t, hit) {
      if (hit && !moveOnHit) return;
      pages.delete(page);
      pages.set(page, true);
    },
    evict() {
      const victim = pages.keys().next().value as number;
      pages.delete(victim);
      return victim;
    },
    size: () => pages.size,
  };
}

/** OPT (Belady's MIN): evicts the page whose next use lies furthest ahead (never used: first). */
function optimalResident(trace: readonly number[]): Resident {
  // nextUse[t] = the next position after t with the same page (Infinity when none).
  const nextUse = new Float64Array(trace.length).fill(Infinity);
  const seen = new Map<number, number>();
  for (let t = trace.length - 1; t >= 0; t--) {
    nextUse[t] = seen.get(trace[t]) ?? Infinity;
    seen.set(trace[t], t);
  }
  const next = new Map<number, number>();
  return {
    has: (page) => next.has(page),
    touch(page, t) {
      next.set(page, nextUse[t]);
    },
    evict() {
      let victim = -1;
      let furthest = -1;
      for (const [page, when] of next) {
        if (when > furthest) [victim, furthest] = [page, when];
      }
      next.delete(victim);
      return victim;
    },
    size: () => next.size,
  };
}

/** RAND: a seeded uniform choice among the resident pages. */
function randomResident(seed: number): Resident {
  const random = seededRandom(seed);
  const pages: number[] = [];
  const where = new Map<number, number>();
  return {
    has: (page) => where.has(page),
    touch(page) {
      if (where.has(page)) return;
      where.set(page, pages.length);
      pages.push(page);
    },
    evict() {
      const i = Math.floor(random() * pages.length);
      const victim = pages[i];
      const last = pages.pop() as number;
      if (i < pages.length) {
        pages[i] = last;
        where.set(last, i);
      }
      where.delete(victim);
      return victim;
    },
    size: () => pages.length,
  };
}

/** CLOCK: frames in a circle with a use bit; the hand clears set bits and takes the first clear one. */
function clockResident(frames: number): Resident {
  const slots: number[] = [];
  const used: boolean[] = [];
  const slotOf = new Map<number, number>();
  let hand = 0;
  return {
    has: (page) => slotOf.has(page),
    touch(page, _t, hit) {
      const slot = slotOf.get(page);
      if (hit && slot !== undefined) {
        used[slot] = true;
        return;
      }
      // A page brought in takes the slot evict() freed (or the next empty one), its bit set.
      const free = slots.length < frames ? slots.length : hand;
      slots[free] = page;
      used[free] = true;
      slotOf.set(page, free);
      if (free === hand && slots.length === frames) hand = (hand + 1) % frames;
    },
    evict() {
      while (used[hand]) {
        used[hand] = false;
        hand = (hand + 1) % frames;
      }
      const victim = slots[hand];
      slotOf.delete(victim);
      return victim;
    },
    size: () => slotOf.size,
  };
}

function residentFor(policy: ReplacementPolicy, trace: readonly number[], frames: number, seed: number): Resident {
  switch (policy) {
    case "FIFO": return orderedResident(false);
    case "LRU": return orderedResident(true);
    case "OPT": return optimalResident(trace);
    case "RAND": return randomResident(seed);
    case "CLOCK": return clockResident(frames);
  }
}

/**
 * Runs `trace` (page numbers) through `frames` page frames under `policy`; returns every access's
 * hit or miss and eviction. Refuses an unknown policy with the closest name.
 * @example
 * simulateReplacement([0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1], "LRU", 3).hits;   // 6 (OSTEP's example)
 */
export function simulateReplacement(trace: readonly number[], policy: ReplacementPolicy, frames: number, options: ReplacementOptions = {}): ReplacementRun {
  const call = "simulateReplacement";
  const name = requirePolicy(call, policy);
  const pages = requireTrace(call, trace);
  const size = requireInteger(call, "frames", frames, 1, 2 ** 24);
  checkOptions(call, options, ["seed"]);
  const seed = requireInteger(call, "options.seed", options.seed ?? 1, -(2 ** 31), 2 ** 32);
  const memory = residentFor(name, pages, size, seed);
  const steps: ReplacementStep[] = [];
  let hits = 0;
  pages.forEach((page, t) => {
    const hit = memory.has(page);
    let evicted: number | null = null;
    if (hit) hits++;
    else if (memory.size() >= size) evicted = memory.evict(t);
    memory.touch(page, t, hit);
    steps.push({ page, hit, evicted });
  });
  return { policy: name, frames: size, hits, misses: pages.length - hits, hitRate: pages.length === 0 ? 0 : hits / pages.length, steps };
}
