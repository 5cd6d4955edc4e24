// Reference strings: generated with a seed (uniform, or with locality), or recorded from a
// simulated program's own page visits (the simulator's `valgrind --tool=lackey`).

import { InvalidArgumentError, describeValue } from "../../errors";
import { seededRandom } from "../../hardware/seeded-permutation";
import type { Process } from "../process";
import { checkOptions, requireInteger, requireProcess } from "../validate";

/** The most page visits tracePages records. */
export const MAX_TRACE_LENGTH = 10_000_000;

/** Options of referenceString. */
export interface ReferenceStringOptions {
  /** Accesses to generate. */
  length: number;
  /** Page numbers are drawn from [0, pages). */
  pages: number;
  /** Seed (default 1). */
  seed?: number;
  /**
   * Share of accesses that go to the "hot" fifth of the pages (default 0.2: uniform). 0.8 is
   * OSTEP's 80-20 workload.
   */
  hotShare?: number;
}

/**
 * Returns a seeded reference string of page numbers.
 * @example
 * referenceString({ length: 10, pages: 10, seed: 3 });
 */
export function referenceString(options: ReferenceStringOptions): number[] {
  const call = "referenceString";
  if (options === null || typeof options !== "object") throw new InvalidArgumentError(`${call}: options must be { length, pages, seed?, hotShare? }, got ${describeValue(options)}`);
  checkOptions(call, options, ["length", "pages", "seed", "hotShare"]);
  const length = requireInteger(call, "length", options.length, 0, MAX_TRACE_LENGTH);
  const pages = requireInteger(call, "pages", options.pages, 1, 2 ** 30);
  const seed = requireInteger(call, "seed", options.seed ?? 1, -(2 ** 31), 2 ** 32);
  const hotShare = options.hotShare ?? 0.2;
  if (typeof hotShare !== "number" || !(hotShare >= 0 && hotShare <= 1)) {
    throw new InvalidArgumentError(`${call}: hotShare must be a number in [0, 1], got ${describeValue(hotShare)}`);
  }
  const random = seededRandom(seed);
  const hot = Math.max(1, Math.floor(pages / 5));
  return Array.from({ length }, () => {
    if (hot === pages || random() < hotShare) return Math.floor(random() * hot);
    return hot + Math.floor(random() * (pages - hot));
  });
}

/**
 * Runs `fn` and returns the page numbers (address / page size) of every page visit `proc` made
 * meanwhile, in order: the reference string of a simulated program (numpy loops included).
 * @example
 * const trace = tracePages(proc, () => np.add(a, 1, { out: a }));
 */
export function tracePages(proc: Process, fn: () => void): number[] {
  requireProcess("tracePages", proc);
  if (typeof fn !== "function") throw new InvalidArgumentError(`tracePages: fn must be a function, got ${describeValue(fn)}`);
  proc.requireAlive("tracePages");
  const machine = proc.machine;
  if (machine.pageTrace !== null) throw new InvalidArgumentError("tracePages: already recording (calls do not nest)");
  const trace: number[] = [];
  machine.pageTrace = { pid: proc.pid, pages: trace };
  try {
    fn();
  } finally {
    machine.pageTrace = null;
  }
  return trace;
}
