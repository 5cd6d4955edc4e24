// Simulator and real machine side by side: two residency summaries of the same experiment drawn
// as heatmaps one above the other, on one colour scale.
import type { Field } from "vega-lite/build/src/channeldef";
import type { LayerSpec } from "vega-lite/build/src/spec";
import { InvalidArgumentError, describeValue, isArray } from "../errors";
import { Chart } from "./chart";
import { HeatmapBound, residencyHeatmapSpec } from "./heatmap-spec";
import { vegaLiteSpec } from "./spec";
import { ChartOptions, ResidencyCounts } from "./types";
import { checkChartOptions, requireAddress, requireLabel, requirePageSize } from "./validate";

/** One side of a comparison: a summary and where it sits. */
export interface ResidencyPanel {
  /** "simulator", "this machine (pagemap)", ... */
  label: string;
  /** Pages per state per cell (Process.residencySummary, or a probe's). */
  summary: ResidencyCounts;
  /** Address of the summary's first cell. */
  start: number;
  /** Base page size in bytes. */
  pageSize: number;
  /** Objects to mark, e.g. an array's [start, end). */
  bounds?: readonly HeatmapBound[];
}

/**
 * Draws two (or more) residency summaries stacked, each with its own axes, sharing one legend;
 * returns the chart, whose text holds each panel's totals.
 */
export function residencyComparisonChart(panels: readonly ResidencyPanel[], options: ChartOptions = {}): Chart {
  const where = "residencyComparisonChart";
  checkChartOptions(where, options, ["title"]);
  if (!isArray(panels) || panels.length < 2) {
    throw new InvalidArgumentError(`${where}: panels must be an array of at least two panels, got ${describeValue(panels)}`);
  }
  const results = panels.map((panel, i) => {
    if (panel === null || typeof panel !== "object") {
      throw new InvalidArgumentError(`${where}: panels[${i}] must be { label, summary, start, pageSize }, got ${describeValue(panel)}`);
    }
    const label = requireLabel(where, `panels[${i}].label`, panel.label);
    const pageSize = requirePageSize(where, panel.pageSize);
    const start = requireAddress(where, `panels[${i}].start`, panel.start);
    // Each panel zooms on its own: its selection needs a name of its own.
    return residencyHeatmapSpec(panel.summary, { start, pageSize, title: label, bounds: panel.bounds, zoomName: `zoom${i + 1}` });
  });
  const title = options.title ?? `Residency: ${panels.map((p) => p.label).join(" vs ")}`;
  const spec = vegaLiteSpec({
    title: { text: title, fontSize: 15 },
    // Each body was built as a layer spec; its public type is looser to keep vega-lite's types out of the .d.ts.
    vconcat: results.map((r) => r.body as unknown as LayerSpec<Field>),
    spacing: 24,
    resolve: { scale: { color: "shared" } },
  });
  return new Chart(spec, title, [title, ...results.map((r) => r.text)].join("\n"));
}
