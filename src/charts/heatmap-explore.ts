// What a live heatmap lets a reader explore: zoom and pan over the address range (a Vega-Lite
// interval selection bound to the scales: wheel to zoom, drag to pan, double-click to reset) and a
// tooltip per cell with its address range, page states, frame numbers when it holds few pages,
// the owning process and whether its pages are huge. Renderers without interaction (the PNG)
// draw the initial view.
import { PAGE_STATES } from "./palette";
import type { HeatmapRow } from "./heatmap-data";

/** A cell's (or run's) frame numbers are listed in its tooltip when it holds at most this many pages. */
export const MAX_FRAMES_LISTED = 8;

/** The name of the heatmap's zoom selection (one per view: side-by-side panels number theirs). */
export const ZOOM_PARAM_NAME = "zoom";

/** Where a heatmap's cells come from, for their tooltips. */
export interface CellSource {
  /** Address of the first cell. */
  start: number;
  pageSize: number;
  /** The process whose pages are drawn. */
  pid?: number;
  /** The frame backing the page of an address, or null (a simulated process's frameOf). */
  frameOf?: (addr: number) => number | null;
}

/** A heatmap row with the frame numbers of its pages ("f") where they are few. */
export type ExploredRow = HeatmapRow & { f?: string };

/**
 * Adds to each row the frame numbers of the pages of its cells when they hold at most
 * MAX_FRAMES_LISTED pages ("–" for a page no frame backs); returns new rows.
 */
export function withFrames(rows: readonly HeatmapRow[], source: CellSource, cellBytes: number): ExploredRow[] {
  const { frameOf } = source;
  const cellPages = cellBytes / source.pageSize;
  if (frameOf === undefined) return [...rows];
  return rows.map((row) => {
    const pages = (row.k ?? 1) * cellPages;
    if (pages > MAX_FRAMES_LISTED) return row;
    const first = source.start + row.i * cellBytes;
    const frames = Array.from({ length: pages }, (_, p) => frameOf(first + p * source.pageSize));
    return { ...row, f: frames.map((frame) => (frame === null ? "–" : String(frame))).join(", ") };
  });
}

/** The zoom selection of a heatmap view: an interval over x and y bound to the scales. */
export function zoomParam(name = ZOOM_PARAM_NAME): { name: string; select: { type: "interval"; encodings: ("x" | "y")[] }; bind: "scales" } {
  return { name, select: { type: "interval", encodings: ["x", "y"] }, bind: "scales" };
}

const hex = (expr: string): string => `'0x' + format(${expr}, 'x')`;

/**
 * The calculations a cell's tooltip reads (after the heatmap's own "state", "offset" and "pages"):
 * its address range, its process, whether it is huge, its frames. Returns them with the tooltip.
 */
export function cellTooltip(source: CellSource, cellBytes: number): { transform: object[]; tooltip: object[] } {
  const huge = PAGE_STATES.filter((state) => state.name.includes("huge")).map((state) => state.name);
  const transform: object[] = [
    { calculate: `${hex(`${source.start} + datum.i * ${cellBytes}`)} + ' – ' + ${hex(`${source.start} + (datum.i + datum.w) * ${cellBytes}`)}`, as: "addresses" },
    { calculate: `indexof(${JSON.stringify(huge)}, datum.state) >= 0 ? 'yes' : 'no'`, as: "huge" },
  ];
  const tooltip: object[] = [
    { field: "addresses", type: "nominal", title: "address range" },
    { field: "offset", type: "nominal" },
    { field: "state", type: "nominal", title: "page state" },
    { field: "pages", type: "nominal" },
    { field: "huge", type: "nominal", title: "huge page" },
  ];
  if (source.pid !== undefined) {
    transform.push({ calculate: `'pid ${source.pid}'`, as: "process" });
    tooltip.push({ field: "process", type: "nominal" });
  }
  if (source.frameOf !== undefined) {
    transform.push({ calculate: `datum.f ? datum.f : 'not listed (over ${MAX_FRAMES_LISTED} pages)'`, as: "frames" });
    tooltip.push({ field: "frames", type: "nominal" });
  }
  return { transform, tooltip };
}
