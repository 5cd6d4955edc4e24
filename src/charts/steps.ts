// Residency step by step: runs a program's steps on an array's process, summarises the array's
// pages after each, and draws them as one heatmap with a slider (a Vega-Lite parameter bound to
// a range input) that shows the pages after step k. A student scrubs through np.zeros, f[-1] = 3
// and np.add and sees which pages each made resident. The PNG shows the slider's initial
// position, the last step.
import { InvalidArgumentError, describeValue, isArray } from "../errors";
import { Chart } from "./chart";
import { HEATMAP_OPTION_KEYS, MAX_CELLS, arrayPages, cellPagesFor, checkHeatmapOptions, heatmapView } from "./heatmap";
import { type ChartBody, residencyHeatmapSpec } from "./heatmap-spec";
import type { HeatmapOptions } from "./heatmap";
import { vegaLiteSpec } from "./spec";
import { eventLabel, userEvents } from "./timeline";
import type { ArraySource, MemoryEvent, ResidencyCounts } from "./types";
import { requireInteger, requirePageSize } from "./validate";

/** One step of a program, as residencyStepsChart runs it. */
export interface ResidencyStep {
  /** What the slider shows for the step (default: the calls it made, from the process's event log). */
  label?: string;
  /** Runs the step: one or more calls on the array's process. */
  run: () => unknown;
}

/** Options of residencyStepsChart. */
export interface ResidencyStepsOptions extends HeatmapOptions {
  /** The label of the state before the first step (default: the process's last call, e.g. the np.zeros that made the array). */
  startLabel?: string;
}

const DEFAULT_MAX_CELLS = 512;
// All steps' heatmap data together stay under this many JSON characters (the bundle bound is 300 KB).
const DATA_BUDGET_CHARS = 150_000;

/** A summary with pairs of neighbouring cells merged (counts add up): half the cells, twice the bytes. */
function coarsen(summary: ResidencyCounts): ResidencyCounts {
  return {
    cellBytes: summary.cellBytes * 2,
    counts: summary.counts.map((counts) => Array.from({ length: Math.ceil(counts.length / 2) }, (_, c) => counts[2 * c] + (counts[2 * c + 1] ?? 0))),
  };
}

/** The process's event log, where it keeps one (a simulated process does). */
function eventsOf(proc: unknown): readonly MemoryEvent[] {
  const events = (proc as { events?: unknown }).events;
  return isArray(events) ? (events as readonly MemoryEvent[]) : [];
}

/** Checks the steps; returns them as ResidencyStep objects. */
function checkSteps(where: string, steps: unknown): ResidencyStep[] {
  if (!isArray(steps) || steps.length === 0) {
    throw new InvalidArgumentError(`${where}: steps must be a non-empty array of functions or { label?, run }, got ${describeValue(steps)}`);
  }
  return (steps as unknown[]).map((step, i) => {
    const asStep = typeof step === "function" ? { run: step as () => unknown } : (step as ResidencyStep);
    if (asStep === null || typeof asStep !== "object" || typeof asStep.run !== "function") {
      throw new InvalidArgumentError(`${where}: steps[${i}] must be a function or { label?, run: function }, got ${describeValue(step)}`);
    }
    if (asStep.label !== undefined && typeof asStep.label !== "string") {
      throw new InvalidArgumentError(`${where}: steps[${i}].label must be a string, got ${describeValue(asStep.label)}`);
    }
    return asStep;
  });
}

/**
 * Runs `steps` in order on the array's process and draws the array's pages after each, with a
 * slider to go from one step to another (0: before the first step). Each step is a function or
 * `{ label, run }`; a step without a label is labelled with the calls it made. `options` as for
 * arrayHeatmapChart (maxCells defaults to 512). Returns the chart; its text lists each step's pages.
 *
 * @example
 * const f = np.zeros(2 ** 28);
 * show(residencyStepsChart(f, [() => f.set(-1, 3), () => np.add(f, 0, { out: f })]));
 */
export function residencyStepsChart(array: ArraySource, steps: readonly (ResidencyStep | (() => unknown))[], options: ResidencyStepsOptions = {}): Chart {
  const where = "residencyStepsChart";
  checkHeatmapOptions<ResidencyStepsOptions>(where, options, [...HEATMAP_OPTION_KEYS, "startLabel"]);
  if (options.startLabel !== undefined && typeof options.startLabel !== "string") {
    throw new InvalidArgumentError(`${where}: options.startLabel must be a string, got ${describeValue(options.startLabel)}`);
  }
  const pages = arrayPages(where, array, options);
  const todo = checkSteps(where, steps);
  const { proc, addr, length } = pages;
  const pageSize = requirePageSize(where, proc.pageSize);
  const maxCells = requireInteger(where, "options.maxCells", options.maxCells ?? DEFAULT_MAX_CELLS, 1, MAX_CELLS);
  const cellPages = cellPagesFor(length / pageSize, maxCells);
  const cells = Math.ceil(length / pageSize / cellPages);
  const summarise = (): ResidencyCounts => proc.residencySummary(addr, cells * cellPages * pageSize, cells);

  const lastCall = userEvents(eventsOf(proc)).at(-1);
  const labels = [options.startLabel ?? (lastCall === undefined ? "start" : eventLabel(lastCall))];
  let summaries = [summarise()];
  for (const [i, step] of todo.entries()) {
    const before = eventsOf(proc).length;
    step.run();
    const made = userEvents(eventsOf(proc).slice(before)).map(eventLabel);
    labels.push(step.label ?? (made.length > 0 ? made.join("; ") : `step ${i + 1}`));
    summaries.push(summarise());
  }

  const title = pages.options.title;
  const draw = (summary: ResidencyCounts) =>
    // Frames are not listed: they are those of the moment the chart is built, not of each step.
    residencyHeatmapSpec(summary, heatmapView({ ...pages.options, origin: options.origin, axis: options.axis }, addr, pageSize, title, proc));
  let results = summaries.map(draw);
  while (summaries[0].counts[0].length > 1 && JSON.stringify(results.map((r) => r.rows)).length > DATA_BUDGET_CHARS) {
    summaries = summaries.map(coarsen);
    results = summaries.map(draw);
  }

  const last = results.length - 1;
  const subtitles = results.map((r, k) => `${k}. ${labels[k]}: ${r.text.split("\n")[1] ?? ""}`);
  // The last step's layout, with every step's cells, of which the slider's step is drawn.
  const body = JSON.parse(JSON.stringify(results[last].body)) as ChartBody & { layer: { data: { values: object[] }; transform: object[] }[] };
  body.layer[0].data.values = results.flatMap((r, t) => r.rows.map((row) => ({ t, ...row })));
  body.layer[0].transform.unshift({ filter: "datum.t == step" });
  const spec = vegaLiteSpec({
    ...(body as object),
    params: [
      { name: "step", value: last, bind: { input: "range", min: 0, max: last, step: 1, name: "after step " } },
      { name: "stepSubtitles", value: subtitles },
    ],
    title: { text: title, subtitle: { expr: "stepSubtitles[step]" } },
  } as unknown as Parameters<typeof vegaLiteSpec>[0]);
  const text = [`${title}: the array's pages after each step (slider: step 0 to ${last})`, ...subtitles].join("\n");
  return new Chart(spec, title, text);
}
