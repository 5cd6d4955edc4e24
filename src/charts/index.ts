// Charts: Vega-Lite specs built from simulator state, rendered to PNG, displayable inline.
// This is the `charts` namespace of the package (`import { charts } from "pagelab"`); the chart
// factories are also exported from the root. Every factory is `xxxChart(subject, options?)` with
// options extending ChartOptions ({ title }), and returns a Chart.

// The chart and its subclasses.
export { Chart, MAX_BUNDLE_BYTES } from "./chart";
export { HeatmapChart, type AddressRange, type HeatmapOptions } from "./heatmap";
export { FrameMapChart, type FrameMapOptions, type FrameMapStats } from "./framemap";
export type { MimeBundle } from "./bundle";

// The factories.
export { residencyHeatmapChart, arrayHeatmapChart } from "./heatmap";
export { residencyStepsChart, type ResidencyStep, type ResidencyStepsOptions } from "./steps";
export { frameMapChart } from "./framemap";
export { memoryTimelineChart, type EventSource, type TimelineOptions } from "./timeline";
export { pageTableChart } from "./pagetables";
export {
  callSiteRssChart, callSiteHeatmapChart,
  type CallSiteSource, type CallSiteSample, type CallSiteRssOptions, type CallSiteHeatmapOptions,
} from "./call-sites";
export { residencyComparisonChart, type ResidencyPanel } from "./compare";
export {
  tlbHitsChart, cyclesByCauseChart, tlbPhasesChart, tlbReachChart,
  type CyclesByCauseOptions, type TlbReachOptions, type ReachMarker,
} from "./tlb";
export { workingSetChart, type WorkingSetSource, type WorkingSetSourcePoint } from "./working-set";

// What the factories read (the simulator's objects fit structurally; plain objects do too).
export type {
  ChartOptions, ArraySource, ResidencySource, ResidencyCounts, FrameSource, MemoryEvent, TlbPhase,
  ReachPoint, ReachSeries, PageTableLevel,
} from "./types";

// Building charts of one's own: the heatmap spec, Vega-Lite specs in the house style, PNG/SVG.
export {
  residencyHeatmapSpec,
  type HeatmapView, type HeatmapResult, type HeatmapBound, type HeatmapAnnotation, type ChartBody,
} from "./heatmap-spec";
export type { HeatmapRow } from "./heatmap-data";
export { vegaLiteSpec, VEGA_LITE_SCHEMA, CHART_FONT, CHART_WIDTH, type VegaLiteSpec } from "./spec";
export { renderChart, type RenderOptions, type RenderedChart } from "./render";
export { OKABE_ITO, CATEGORY_COLORS, PAGE_STATES, type PageStateStyle } from "./palette";
export { formatBytes, formatCount, formatAddress } from "./units";
