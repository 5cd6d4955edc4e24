// What every scenario shares: repeated timing with medians, and the simulator's peak memory
// (process RSS and JS heap) above a baseline taken just before it ran.
import * as fs from "fs";
import type { Figure } from "./result";

/** Runs the garbage collector when node was started with --expose-gc (run.ts makes sure of it). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** Returns the median of `samples` (the mean of the middle two for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error("median of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The simulator and reference figures of a scenario timed in milliseconds: medians and samples. */
export function millisecondFigures(simulator: string, simMs: number[], reference: string, refMs: number[]): { simulator: Figure; reference: Figure } {
  return {
    simulator: { label: simulator, value: median(simMs), unit: "ms", samples: simMs },
    reference: { label: reference, value: median(refMs), unit: "ms", samples: refMs },
  };
}

/** Returns milliseconds since an arbitrary origin (monotonic). */
export function now(): number {
  return performance.now();
}

/** Runs `fn` and returns how many milliseconds it took. */
export function timed(fn: () => void): number {
  const start = now();
  fn();
  return now() - start;
}

/** Reads a field of /proc/self/status in kB; returns null where there is no procfs. */
function statusKb(field: string): number | null {
  try {
    const match = fs.readFileSync("/proc/self/status", "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Resets the kernel's peak-RSS mark (VmHWM) to the current RSS; returns false when it cannot
 *  (Documentation/filesystems/proc.rst: writing 5 to clear_refs resets the peak RSS). */
function resetPeakRss(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** JS heap in use plus memory held by ArrayBuffers (typed arrays live outside the V8 heap). */
function heapBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Peak memory of a phase above the baseline taken when it started, in bytes. */
export interface MemoryPeak {
  /** Peak resident set size minus the RSS at the start (VmHWM after a clear_refs reset, or ru_maxrss). */
  rssBytes: number;
  /** Largest heapUsed + arrayBuffers sampled at the phase's steps, minus the starting value. */
  heapBytes: number;
  /** How the RSS peak was obtained. */
  rssSource: "VmHWM" | "maxRSS";
}

/**
 * Tracks the peak memory of one phase: collects garbage, takes the baseline and resets the
 * kernel's peak mark; `sample()` at each step records the heap; `finish()` returns the peaks.
 */
export class MemoryTracker {
  private readonly baselineRss: number;
  private readonly baselineHeap: number;
  private readonly source: "VmHWM" | "maxRSS";
  private peakHeap: number;

  /** Collects garbage, resets the peak-RSS mark and takes the baseline. */
  constructor() {
    collectGarbage();
    this.source = resetPeakRss() && statusKb("VmHWM") !== null ? "VmHWM" : "maxRSS";
    // Without a resettable mark, ru_maxrss is the peak since the process started: run.ts runs each
    // scenario in a fresh process and the simulator before its reference, so it still holds.
    this.baselineRss = process.memoryUsage().rss;
    this.baselineHeap = heapBytes();
    this.peakHeap = this.baselineHeap;
  }

  /** Records the heap now (call after each step of the phase). */
  sample(): void {
    const heap = heapBytes();
    if (heap > this.peakHeap) this.peakHeap = heap;
  }

  /** Returns the peaks above the baseline so far. */
  finish(): MemoryPeak {
    this.sample();
    const peakRss = this.source === "VmHWM" ? (statusKb("VmHWM") as number) * 1024 : process.resourceUsage().maxRSS * 1024;
    return {
      rssBytes: Math.max(0, peakRss - this.baselineRss),
      heapBytes: Math.max(0, this.peakHeap - this.baselineHeap),
      rssSource: this.source,
    };
  }
}

/**
 * Combines the peaks of several repetitions of a phase into the largest; returns null for none.
 * A maxRSS peak is only valid for the first phase of the process, so later ones are ignored.
 */
export function largestPeak(peaks: readonly MemoryPeak[]): MemoryPeak | null {
  if (peaks.length === 0) return null;
  const valid = peaks[0].rssSource === "maxRSS" ? [peaks[0]] : peaks;
  return {
    rssBytes: Math.max(...valid.map((p) => p.rssBytes)),
    heapBytes: Math.max(...peaks.map((p) => p.heapBytes)),
    rssSource: peaks[0].rssSource,
  };
}

/** Throws when a scenario's sanity check fails: a bench that measured the wrong thing must not report. */
export function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`bench sanity check failed: ${what}`);
}
