// The shape of a scenario's outcome: what the simulator and its reference measured, their
// ratio, the simulator's peak memory, and each target with whether it was met.
import type { MemoryPeak } from "./harness";

/** One measured quantity: the median of `samples`, in `unit`. */
export interface Figure {
  /** What was measured, e.g. "simulator, TLB on" or "real Float64Array". */
  label: string;
  /** The median of the samples. */
  value: number;
  /** The unit of value and samples. */
  unit: "ms" | "M accesses/s" | "s";
  /** Every repetition's value, in run order. */
  samples: number[];
}

/** A target of the issue and whether this run met it (null: not measurable here). */
export interface Target {
  /** The target as the issue states it, e.g. "sim/real <= 0.5". */
  text: string;
  /** Whether this run met it; null when it could not be measured here. */
  met: boolean | null;
  /** What was measured, e.g. "0.42". */
  actual: string;
  /** How far from the limit, e.g. "1.3x the limit" (for the list of missed targets). */
  margin?: string;
}

/** One scenario's outcome, as the table, RESULTS.md and the JSON show it. */
export interface ScenarioResult {
  /** The scenario's short name (--only). */
  id: string;
  /** The row title in the table. */
  title: string;
  /** The simulator's figure, or null when it did not run. */
  simulator: Figure | null;
  /** The reference measured in the same run, or null (none, or missing: see referenceMissing). */
  reference: Figure | null;
  /** Why the reference column is empty when it should not be (e.g. "numpy missing: ..."). */
  referenceMissing?: string;
  /** A reference measured beside the main one (the founding scenario's Node Float64Array). */
  secondReference?: Figure;
  /** e.g. { label: "sim/real", value: 0.42 } or { label: "speed-up", value: 180 }. */
  ratio: { label: string; value: number } | null;
  /** The simulator's peak memory above its baseline, or null. */
  memory: MemoryPeak | null;
  /** The targets and this run's verdicts. */
  targets: Target[];
  /** Step breakdowns and checks, for --json and the notes under the table. */
  details: Record<string, unknown>;
  /** Lines printed under the table. */
  notes: string[];
  /** Set when the scenario did not run, with the reason. */
  skipped?: string;
}

/** What a scenario receives from the runner. */
export interface ScenarioOptions {
  /** Repetitions of each timed phase (the median is reported). */
  reps: number;
}

/** A benchmark scenario the runner can start in a child process. */
export interface Scenario {
  /** Short name used on the command line (--only founding,random). */
  id: string;
  /** The scenario's description in progress lines. */
  title: string;
  /** Runs the scenario (in a fresh process) and returns its outcome. */
  run(options: ScenarioOptions): ScenarioResult;
}
