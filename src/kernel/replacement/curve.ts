// The working-set curve: hit rate against the number of frames, per policy, for one reference
// string (OSTEP ch. 22's "how big a cache does this trace need?").

import { InvalidArgumentError, describeValue, isArray } from "../../errors";
import { checkOptions, requireInteger } from "../validate";
import { REPLACEMENT_POLICIES, type ReplacementPolicy, requirePolicy, requireTrace, simulateReplacement } from "./simulate";

/** One point of the curve. */
export interface WorkingSetPoint {
  /** The policy. */
  policy: ReplacementPolicy;
  /** Page frames of the memory. */
  frames: number;
  /** Accesses that hit. */
  hits: number;
  /** hits / accesses. */
  hitRate: number;
}

/** Hit rates of several policies over a range of memory sizes, for one trace. */
export interface WorkingSetCurve {
  /** Accesses in the trace. */
  accesses: number;
  /** Distinct pages in the trace: with this many frames every policy misses only on first use. */
  distinctPages: number;
  /** The best hit rate any policy can reach: 1 - distinctPages / accesses (compulsory misses). */
  maxHitRate: number;
  /** One point per policy and frame count, policies in the order asked. */
  points: WorkingSetPoint[];
}

/** Options of workingSetCurve. */
export interface WorkingSetCurveOptions {
  /** Policies to run (default all five). */
  policies?: readonly ReplacementPolicy[];
  /** Frame counts to try (default 1, 2, ... up to the trace's distinct pages, at most 64 sizes). */
  frames?: readonly number[];
  /** Seed of RAND (default 1). */
  seed?: number;
}

/** Default sizes: every count up to 64 distinct pages, else 64 sizes spread evenly. */
function defaultFrames(distinct: number): number[] {
  const count = Math.min(64, Math.max(1, distinct));
  return [...new Set(Array.from({ length: count }, (_, i) => Math.max(1, Math.round(((i + 1) * distinct) / count))))];
}

/**
 * Runs the trace under each policy and frame count; returns the hit-rate curve.
 * @example
 * const curve = workingSetCurve(referenceString({ length: 1000, pages: 50, seed: 7 }));
 * charts.workingSetChart(curve);
 */
export function workingSetCurve(trace: readonly number[], options: WorkingSetCurveOptions = {}): WorkingSetCurve {
  const call = "workingSetCurve";
  const pages = requireTrace(call, trace);
  checkOptions(call, options, ["policies", "frames", "seed"]);
  const policies = options.policies ?? REPLACEMENT_POLICIES;
  if (!isArray(policies) || policies.length === 0) throw new InvalidArgumentError(`${call}: options.policies must be a non-empty array, got ${describeValue(policies)}`);
  const names = policies.map((policy) => requirePolicy(call, policy));
  const distinct = new Set(pages).size;
  const frames = options.frames ?? defaultFrames(distinct);
  if (!isArray(frames) || frames.length === 0) throw new InvalidArgumentError(`${call}: options.frames must be a non-empty array, got ${describeValue(frames)}`);
  const sizes = frames.map((n, i) => requireInteger(call, `options.frames[${i}]`, n, 1, 2 ** 24));
  const points: WorkingSetPoint[] = [];
  for (const policy of names) {
    for (const size of sizes) {
      const run = simulateReplacement(pages, policy, size, { seed: options.seed });
      points.push({ policy, frames: size, hits: run.hits, hitRate: run.hitRate });
    }
  }
  return { accesses: pages.length, distinctPages: distinct, maxHitRate: pages.length === 0 ? 0 : 1 - distinct / pages.length, points };
}
