// The residency heatmap as a Vega-Lite spec: the address range wrapped into a grid of cells
// (64 per row), each cell split left to right into the share of each page state, with array
// bounds marked and caller annotations (an allocator header) outlined and labelled.
import type { Field } from "vega-lite/build/src/channeldef";
import type { LayerSpec } from "vega-lite/build/src/spec";
import { HeatmapRow, heatmapRows, summaryCells } from "./heatmap-data";
import { cellTooltip, withFrames, zoomParam } from "./heatmap-explore";
import { PageState } from "../kernel/page-state";
import { PAGE_STATES } from "./palette";
import { CHART_WIDTH, VegaLiteSpec, vegaLiteSpec } from "./spec";
import { ResidencyCounts } from "./types";
import { formatAddress, formatBytes, formatBytesExpr, formatCount } from "./units";

/** Marks [start, end) of an object in the range, e.g. an array's bytes. */
export interface HeatmapBound {
  /** First address of the object. */
  start: number;
  /** Address after its last byte. */
  end: number;
  /** Default "array". */
  label?: string;
}

/** Outlines [addr, addr + length) with a label, e.g. an allocator's chunk header. */
export interface HeatmapAnnotation {
  /** First address outlined. */
  addr: number;
  /** Bytes outlined. */
  length: number;
  /** What the outline is, e.g. "allocator header". */
  label: string;
}

/** Where a summary sits and how to draw it. */
export interface HeatmapView {
  /** Address of the first cell (page-aligned). */
  start: number;
  /** Base page size in bytes. */
  pageSize: number;
  /** Offsets on the axes are measured from here (default start). */
  origin?: number;
  /** Axis labels as byte offsets (default) or page numbers. */
  axis?: "bytes" | "pages";
  /** The chart's title. */
  title: string;
  /** Objects to mark, e.g. an array's [start, end). */
  bounds?: readonly HeatmapBound[];
  /** Ranges to outline and label. */
  annotations?: readonly HeatmapAnnotation[];
  /** The process whose pages are drawn (named in each cell's tooltip). */
  pid?: number;
  /** The frame behind an address, or null: cells of few pages list their frames in the tooltip. */
  frameOf?: (addr: number) => number | null;
  /** The name of the view's zoom selection (default "zoom"; stacked panels need one each). */
  zoomName?: string;
}

/** A chart's Vega-Lite body (no $schema, no config), ready to place inside a concat. */
export interface ChartBody {
  /** Plot width in pixels. */
  width: number;
  /** Plot height in pixels. */
  height: number;
  [key: string]: unknown;
}

/** What the heatmap shows, also as text. */
export interface HeatmapResult {
  /** The top-level spec. */
  spec: VegaLiteSpec;
  /** The layered body without top-level config (for side-by-side charts). */
  body: ChartBody;
  /** The totals per state, as text. */
  text: string;
  /** The data rows drawn (one per state of a mixed cell, one per run of pure cells). */
  rows: HeatmapRow[];
  /** Cells in the summary. */
  cells: number;
}

const MAX_COLUMNS = 64;
// Annotations narrower than this share of a cell are widened so they stay visible.
const MIN_ANNOTATION_CELLS = 0.2;
/** The least share of a cell a touched state is drawn with, so one page in thousands shows. */
const MIN_TOUCHED_SHARE = 0.2;

/** The smallest power of two >= x (x >= 1). */
function nextPowerOfTwo(x: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, x)));
}

/** Tick values 0, step, 2 step, ... up to `last`, about `count` of them on power-of-two steps. */
function ticks(last: number, count: number): number[] {
  const step = nextPowerOfTwo(last / count);
  const values: number[] = [];
  for (let v = 0; v <= last; v += step) values.push(v);
  return values;
}

/** A position in the grid, in cells, split into its grid row and column. */
function gridPoint(position: number, columns: number, atEnd: boolean): { row: number; col: number } {
  // An end that falls on a row boundary belongs to the end of the row above.
  const row = atEnd && position > 0 && position % columns === 0 ? position / columns - 1 : Math.floor(position / columns);
  return { row, col: position - row * columns };
}

/** Pages per state over the whole summary. */
function stateTotals(summary: ResidencyCounts): number[] {
  return summary.counts.map((counts) => {
    let total = 0;
    for (let cell = 0; cell < counts.length; cell++) total += counts[cell];
    return total;
  });
}

/** "resident 3 pages (12 KiB), untouched 1,021 pages (3.99 MiB)". */
function describeTotals(totals: readonly number[], pageSize: number): string {
  const parts: string[] = [];
  for (const [state, pages] of totals.entries()) {
    if (pages === 0) continue;
    const name = PAGE_STATES[state]?.name ?? `state ${state}`;
    parts.push(`${name} ${formatCount(pages)} page${pages === 1 ? "" : "s"} (${formatBytes(pages * pageSize)})`);
  }
  return parts.join(", ");
}

/**
 * Builds the heatmap spec of a residency summary placed at `view.start`; returns the spec, its
 * layered body, a text summary and the data rows.
 */
export function residencyHeatmapSpec(summary: ResidencyCounts, view: HeatmapView): HeatmapResult {
  const cells = summaryCells("residencyHeatmapSpec", summary);
  const { start, pageSize, title } = view;
  const origin = view.origin ?? start;
  const cellBytes = summary.cellBytes;
  const cellPages = cellBytes / pageSize;
  const columns = Math.min(cells, MAX_COLUMNS);
  const gridRows = Math.ceil(cells / columns);
  const rowHeight = Math.max(8, Math.min(40, Math.round(360 / gridRows)));
  const rows = heatmapRows(summary, columns);
  const totals = stateTotals(summary);
  const pages = totals.reduce((a, b) => a + b, 0);

  const present = new Set(rows.map((row) => row.s));
  const legendStates = PAGE_STATES.filter((s) => s.code !== PageState.Unmapped || present.has(PageState.Unmapped));
  const names = PAGE_STATES.map((s) => s.name);
  const byPages = view.axis === "pages";
  const firstOffset = start - origin;
  const cellText = cellPages === 1 ? "1 page" : `${formatBytes(cellBytes)} (${formatCount(cellPages)} pages)`;
  const where = (bytes: string): string => (byPages ? `format((${bytes}) / ${pageSize}, ',d')` : formatBytesExpr(bytes));

  const xAxisLabel = byPages ? `format(datum.value * ${cellPages}, ',d')` : formatBytesExpr(`datum.value * ${cellBytes}`);
  const yAxisLabel = where(`datum.value * ${columns * cellBytes} + ${firstOffset}`);
  const x = { type: "quantitative" as const, scale: { domain: [0, columns], nice: false, zero: false } };
  const y = { type: "quantitative" as const, scale: { domain: [0, gridRows], nice: false, zero: false, reverse: true } };

  const markers = boundMarkers(view.bounds ?? [], start, cellBytes, cells, columns);
  const outlines = annotationOutlines(view.annotations ?? [], start, cellBytes, cells, columns);
  // Annotation labels hang below their row: under the last row they need room above the x axis.
  const axisOffset = outlines.some((o) => o.text !== "" && o.row === gridRows - 1) ? 14 : 0;

  const explore = cellTooltip({ start, pageSize, pid: view.pid, frameOf: view.frameOf }, cellBytes);
  const cellLayer: LayerSpec<Field>["layer"][number] = {
    data: { values: withFrames(rows, { start, pageSize, frameOf: view.frameOf }, cellBytes) },
    params: [zoomParam(view.zoomName)],
    transform: [
      { joinaggregate: [{ op: "sum", field: "n", as: "total" }], groupby: ["i"] },
      // One touched page among thousands would be an invisible sliver: a touched state is drawn at
      // least MIN_TOUCHED_SHARE of its cell wide (the tooltip keeps the true count).
      { calculate: `datum.s == ${PageState.Untouched} || datum.s == ${PageState.Unmapped} ? datum.n : max(datum.n, datum.total * ${MIN_TOUCHED_SHARE})`, as: "drawn" },
      { joinaggregate: [{ op: "sum", field: "drawn", as: "drawnTotal" }], groupby: ["i"] },
      { window: [{ op: "sum", field: "drawn", as: "cum" }], groupby: ["i"], sort: [{ field: "s" }], frame: [null, 0] },
      { calculate: "datum.k || 1", as: "w" },
      { calculate: `datum.i % ${columns}`, as: "col" },
      { calculate: `floor(datum.i / ${columns})`, as: "row" },
      { calculate: "datum.row + 1", as: "row1" },
      { calculate: "datum.col + datum.w * (datum.cum - datum.drawn) / datum.drawnTotal", as: "x0" },
      { calculate: "datum.col + datum.w * datum.cum / datum.drawnTotal", as: "x1" },
      { calculate: `${JSON.stringify(names)}[datum.s]`, as: "state" },
      { calculate: `${where(`datum.i * ${cellBytes} + ${firstOffset}`)} + (datum.w > 1 ? ' to ' + ${where(`(datum.i + datum.w) * ${cellBytes} + ${firstOffset}`)} : '')`, as: "offset" },
      { calculate: `datum.n + ' of ' + datum.total + ' pages' + (datum.w > 1 ? ' in each of ' + datum.w + ' cells' : '')`, as: "pages" },
      ...(explore.transform as { calculate: string; as: string }[]),
    ],
    mark: { type: "rect", clip: true },
    encoding: {
      x: {
        ...x,
        field: "x0",
        axis: { values: ticks(columns, 8), labelExpr: xAxisLabel, title: byPages ? "page in row" : "offset in row", grid: false, offset: axisOffset },
      },
      x2: { field: "x1" },
      // Rows are labelled by the offset where they start.
      y: { ...y, field: "row", axis: { values: ticks(gridRows - 1, 8), labelExpr: yAxisLabel, title: byPages ? "page" : "offset", grid: false } },
      y2: { field: "row1" },
      color: {
        field: "state",
        type: "nominal",
        scale: { domain: legendStates.map((s) => s.name), range: legendStates.map((s) => s.color) },
        legend: { orient: "bottom", direction: "horizontal", title: null, symbolType: "square", symbolStrokeColor: "#888", symbolStrokeWidth: 0.5 },
      },
      tooltip: explore.tooltip as { field: string; type: "nominal" }[],
    },
  };

  const layers: LayerSpec<Field>["layer"] = [cellLayer];
  if (markers.length > 0) {
    layers.push({
      data: { values: markers },
      layer: [
        { mark: { type: "rule", strokeWidth: 2.5, color: "black", clip: true }, encoding: { x: { ...x, field: "x" }, y: { ...y, field: "row" }, y2: { field: "row1" } } },
        ...(["left", "right"] as const).map((align) => ({
          transform: [{ filter: `datum.align === '${align}'` }],
          mark: { type: "text" as const, align, fontSize: 10, fontWeight: "bold" as const, baseline: "bottom" as const, dy: -1 },
          encoding: { x: { ...x, field: "x" }, y: { ...y, field: "row" }, text: { field: "text" } },
        })),
      ],
    });
  }
  if (outlines.length > 0) {
    layers.push({
      data: { values: outlines },
      layer: [
        {
          mark: { type: "rect", fill: null, stroke: "black", strokeWidth: 1.5, strokeDash: [3, 2], clip: true },
          encoding: { x: { ...x, field: "x0" }, x2: { field: "x1" }, y: { ...y, field: "row" }, y2: { field: "row1" } },
        },
        {
          transform: [{ filter: "datum.text !== ''" }],
          mark: { type: "text", fontSize: 10, baseline: "top", align: "left", dy: 2 },
          encoding: { x: { ...x, field: "x0" }, y: { ...y, field: "row1" }, text: { field: "text" } },
        },
      ],
    });
  }

  // The pages summarised, from the page holding `start` (the last cell may be partial: its end
  // would overstate the range)
  const firstPage = Math.floor(start / pageSize) * pageSize;
  const range = `${formatAddress(firstPage)}–${formatAddress(firstPage + pages * pageSize)}`;
  const subtitle = `${formatBytes(pages * pageSize)} (${formatCount(pages)} pages) at ${range}, ${cellText} per cell`;
  const body: ChartBody & LayerSpec<Field> = {
    title: { text: title, subtitle },
    width: CHART_WIDTH,
    height: gridRows * rowHeight,
    layer: layers,
  };
  const text = `${title}: ${subtitle}\n${describeTotals(totals, pageSize)}`;
  return { spec: vegaLiteSpec(body), body, text, rows, cells };
}

interface Marker {
  x: number;
  row: number;
  row1: number;
  text: string;
  align: "left" | "right";
}

/** Vertical marks at the start and end of each bound that falls inside the grid. */
function boundMarkers(bounds: readonly HeatmapBound[], start: number, cellBytes: number, cells: number, columns: number): Marker[] {
  const markers: Marker[] = [];
  for (const bound of bounds) {
    const label = bound.label ?? "array";
    for (const [addr, atEnd] of [[bound.start, false], [bound.end, true]] as const) {
      const position = (addr - start) / cellBytes;
      if (position < 0 || position > cells) continue;
      const { row, col } = gridPoint(position, columns, atEnd);
      // The label runs into the row, away from the nearer edge of the grid.
      const align = col < columns / 2 ? "left" : "right";
      const text = `${label} ${atEnd ? "end" : "start"}`;
      markers.push({ x: col, row, row1: row + 1, text: align === "left" ? `◂ ${text}` : `${text} ▸`, align });
    }
  }
  return markers;
}

interface Outline {
  x0: number;
  x1: number;
  row: number;
  row1: number;
  text: string;
}

/** Dashed outlines over each annotation, one per grid row it spans, labelled on the first. */
function annotationOutlines(
  annotations: readonly HeatmapAnnotation[],
  start: number,
  cellBytes: number,
  cells: number,
  columns: number,
): Outline[] {
  const outlines: Outline[] = [];
  for (const note of annotations) {
    const from = Math.max(0, (note.addr - start) / cellBytes);
    const to = Math.min(cells, (note.addr + note.length - start) / cellBytes);
    if (from >= to) continue;
    let text = `${note.label} (${formatBytes(note.length)})`;
    let position = from;
    while (position < to) {
      const { row, col } = gridPoint(position, columns, false);
      const rowEnd = Math.min(to - row * columns, columns);
      const x1 = Math.min(columns, Math.max(rowEnd, col + MIN_ANNOTATION_CELLS));
      outlines.push({ x0: Math.min(col, columns - MIN_ANNOTATION_CELLS), x1, row, row1: row + 1, text });
      text = "";
      position = (row + 1) * columns;
    }
  }
  return outlines;
}
