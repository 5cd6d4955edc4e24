// The shape of a scenario's outcome: what the simulator and its reference measured, their
// ratio, the simulator's peak memory, and each target with whether it was met.
import type { MemoryPeak } from "./harness";

/** One measured quantity: the median of `samples`, in `unit`. */
export interface Figure {
  /** What was measured, e.g. "simulator, TLB on" or "real Float64Array". */
  label: string;
  value: number;
  unit: "ms" | "M accesses/s" | "s";
  samples: number[];
}

/** A target of the issue and whether this run met it (null: not measurable here). */
export interface Target {
  text: string;
  met: boolean | null;
  /** What was measured, e.g. "0.42". */
  actual: string;
  /** How far from the limit, e.g. "1.3x the limit" (for the list of missed targets). */
  margin?: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  simulator: Figure | null;
  reference: Figure | null;
  /** e.g. { label: "sim/real", value: 0.42 } or { label: "speed-up", value: 180 }. */
  ratio: { label: string; value: number } | null;
  memory: MemoryPeak | null;
  targets: Target[];
  /** Step breakdowns and checks, for --json and the notes under the table. */
  details: Record<string, unknown>;
  notes: string[];
  /** Set when the scenario did not run, with the reason. */
  skipped?: string;
}

/** What a scenario receives from the runner. */
export interface ScenarioOptions {
  /** Repetitions of each timed phase (the median is reported). */
  reps: number;
}

export interface Scenario {
  /** Short name used on the command line (--only founding,random). */
  id: string;
  title: string;
  run(options: ScenarioOptions): ScenarioResult;
}
