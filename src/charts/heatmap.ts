// Residency heatmaps of a live address space: summarise a range through the process, draw it,
// and zoom into any sub-range down to single pages.
import { InvalidArgumentError, UseAfterFreeError, describeValue, isArray } from "../errors";
import { ADDRESS_LIMIT } from "../hardware/mmu-args";
import { CHUNK_HDR_SZ } from "../libc/constants";
import { Chart } from "./chart";
import { HeatmapAnnotation, HeatmapBound, type HeatmapView, residencyHeatmapSpec } from "./heatmap-spec";
import { ArraySource, ChartOptions, ResidencySource } from "./types";
import { formatAddress, formatBytes } from "./units";
import { checkChartOptions, requireAddress, requireInteger, requirePageSize, requireRange, userSpaceEndOf } from "./validate";

/** Options of residencyHeatmapChart and arrayHeatmapChart. */
export interface HeatmapOptions extends ChartOptions {
  /** Most cells to draw (default 2048, at most 4096); pages are grouped by powers of two to fit. */
  maxCells?: number;
  /** Axis labels as byte offsets (default) or page numbers. */
  axis?: "bytes" | "pages";
  /** Offsets on the axes are measured from this address (default: the start of the range). */
  origin?: number;
  /** Objects to mark, e.g. an array's [start, end). */
  bounds?: readonly HeatmapBound[];
  /** Ranges to outline and label, e.g. { addr, length: 16, label: "allocator header" }. */
  annotations?: readonly HeatmapAnnotation[];
}

/** An address range, as zoom takes it. */
export interface AddressRange {
  /** First address. */
  addr: number;
  /** Bytes from addr. */
  length: number;
}

const DEFAULT_MAX_CELLS = 2048;
/** The most cells any residency heatmap draws (options.maxCells' upper bound). */
export const MAX_CELLS = 4096;
// Heatmap data above this many JSON characters is redrawn with half the cells, which keeps the
// whole bundle (spec + PNG + text) under 300 KB even when every cell mixes several states.
const DATA_BUDGET_CHARS = 120_000;

/** A residency heatmap that remembers its source, so it can zoom. */
export class HeatmapChart extends Chart {
  constructor(
    private readonly source: ResidencySource,
    /** The address range drawn (as given; the chart draws its whole pages). */
    readonly range: AddressRange,
    private readonly options: HeatmapOptions,
    spec: Chart["spec"],
    title: string,
    text: string,
  ) {
    super(spec, title, text);
  }

  /**
   * Draws a sub-range of this chart's range (at most maxCells cells, single pages when it is
   * small enough); returns the new chart, with offsets still measured from this chart's origin.
   */
  zoom(range: AddressRange): HeatmapChart;
  zoom(addr: number, length: number): HeatmapChart;
  zoom(rangeOrAddr: AddressRange | number, length?: number): HeatmapChart {
    const range = typeof rangeOrAddr === "number" ? { addr: rangeOrAddr, length: length as number } : rangeOrAddr;
    if (range === null || typeof range !== "object") {
      throw new InvalidArgumentError(`HeatmapChart.zoom: range must be { addr, length }, got ${describeValue(range)}`);
    }
    requireRange("HeatmapChart.zoom", range.addr, range.length);
    // The chart draws whole pages, so any part of its first and last page may be zoomed into.
    const pageSize = this.source.pageSize;
    const first = Math.floor(this.range.addr / pageSize) * pageSize;
    const end = Math.ceil((this.range.addr + this.range.length) / pageSize) * pageSize;
    if (range.addr < first || range.addr + range.length > end) {
      throw new InvalidArgumentError(
        `HeatmapChart.zoom: range ${formatAddress(range.addr)} + ${formatBytes(range.length)} is outside the chart's ` +
          `pages ${formatAddress(first)} to ${formatAddress(end)}`,
      );
    }
    // Zooms of zooms keep the first chart's title and origin.
    const title = `${this.options.title ?? "Residency"} (zoom)`;
    return drawHeatmap("HeatmapChart.zoom", this.source, range.addr, range.length, { ...this.options, origin: this.options.origin ?? first }, title);
  }
}

/** The option keys of residencyHeatmapChart and arrayHeatmapChart. */
export const HEATMAP_OPTION_KEYS: readonly (keyof HeatmapOptions)[] = ["title", "maxCells", "axis", "origin", "bounds", "annotations"];

/**
 * Checks heatmap options (those of `known`) before anything is drawn: known keys, axis, and the
 * addresses and lengths of origin, bounds and annotations, which the drawing turns into offsets.
 */
export function checkHeatmapOptions<T extends HeatmapOptions>(where: string, options: T | undefined, known: readonly (keyof T & string)[]): void {
  checkChartOptions(where, options, known);
  if (options === undefined) return;
  if (options.axis !== undefined && options.axis !== "bytes" && options.axis !== "pages") {
    throw new InvalidArgumentError(`${where}: options.axis must be "bytes" or "pages", got ${describeValue(options.axis)}`);
  }
  if (options.origin !== undefined) requireAddress(where, "options.origin", options.origin);
  for (const name of ["bounds", "annotations"] as const) {
    const list: unknown = options[name];
    if (list !== undefined && !isArray(list)) throw new InvalidArgumentError(`${where}: options.${name} must be an array, got ${describeValue(list)}`);
  }
  for (const [i, bound] of (options.bounds ?? []).entries()) {
    const at = `options.bounds[${i}]`;
    if (bound === null || typeof bound !== "object") throw new InvalidArgumentError(`${where}: ${at} must be { start, end, label? }, got ${describeValue(bound)}`);
    requireAddress(where, `${at}.start`, bound.start);
    requireInteger(where, `${at}.end`, bound.end, bound.start, ADDRESS_LIMIT, "[start, 2**57]");
    if (bound.label !== undefined && typeof bound.label !== "string") throw new InvalidArgumentError(`${where}: ${at}.label must be a string, got ${describeValue(bound.label)}`);
  }
  for (const [i, note] of (options.annotations ?? []).entries()) {
    const at = `options.annotations[${i}]`;
    if (note === null || typeof note !== "object") throw new InvalidArgumentError(`${where}: ${at} must be { addr, length, label }, got ${describeValue(note)}`);
    requireAddress(where, `${at}.addr`, note.addr);
    requireInteger(where, `${at}.length`, note.length, 0, ADDRESS_LIMIT - note.addr, "[0, 2**57 - addr]");
    if (typeof note.label !== "string") throw new InvalidArgumentError(`${where}: ${at}.label must be a string, got ${describeValue(note.label)}`);
  }
}

/**
 * Summarises [addr, addr + length) of a process into at most maxCells cells (whole pages) and
 * draws each cell as the share of each page state; returns the chart, which can zoom.
 */
export function residencyHeatmapChart(source: ResidencySource, addr: number, length: number, options: HeatmapOptions = {}): HeatmapChart {
  checkHeatmapOptions("residencyHeatmapChart", options, HEATMAP_OPTION_KEYS);
  return drawHeatmap("residencyHeatmapChart", source, addr, length, options, options.title);
}

// glibc's chunk header sits in the 16 bytes before the data an allocator hands out.
const ALLOCATOR_HEADER_BYTES = CHUNK_HDR_SZ;

/** An array's pages as a heatmap draws them: its process, its page range and the options with its marks. */
export interface ArrayPages {
  proc: ResidencySource;
  addr: number;
  length: number;
  options: HeatmapOptions & { title: string };
}

/**
 * The pages of an array (from its allocator header to its last byte) and the options that mark
 * its bounds and header besides those given; throws InvalidArgumentError for anything else.
 */
export function arrayPages(where: string, array: ArraySource, options: HeatmapOptions = {}): ArrayPages {
  if (array === null || typeof array !== "object" || typeof array.address !== "number" || typeof array.nbytes !== "number") {
    throw new InvalidArgumentError(`${where}: array must be an array of a simulated process (numpy or node), got ${describeValue(array)}`);
  }
  // A freed array's pages belong to the allocator now (or to nothing): drawing them as the array's would mislead.
  if (array.freed === true) {
    throw new UseAfterFreeError(`${where}: use after free: the array's memory was released by free() (Python's del); draw it before freeing it`);
  }
  const proc = array.runtime?.proc as unknown as ResidencySource | undefined;
  if (proc === undefined || proc === null || typeof proc.residencySummary !== "function") {
    throw new InvalidArgumentError(`${where}: the array's process cannot summarise its residency`);
  }
  const opts = options ?? {};
  const pageSize = proc.pageSize;
  const header = array.address - ALLOCATOR_HEADER_BYTES;
  const first = Math.floor(header / pageSize) * pageSize;
  const end = Math.max(array.address + array.nbytes, array.address + 1);
  const last = Math.ceil(end / pageSize) * pageSize;
  const title = opts.title ?? `${array.dtype.name} array of ${array.size.toLocaleString("en-US")} elements at 0x${array.address.toString(16)}`;
  return {
    proc,
    addr: first,
    length: last - first,
    options: {
      ...opts,
      title,
      bounds: [{ start: array.address, end: array.address + array.nbytes, label: "array" }, ...(opts.bounds ?? [])],
      annotations: [{ addr: header, length: ALLOCATOR_HEADER_BYTES, label: "allocator header" }, ...(opts.annotations ?? [])],
    },
  };
}

/**
 * The residency heatmap of an array's pages (from its allocator header to its last byte), with
 * the array's bounds and the header marked; `options` as for residencyHeatmapChart (bounds and
 * annotations given are drawn besides the array's own). Returns the chart, which can zoom.
 */
export function arrayHeatmapChart(array: ArraySource, options: HeatmapOptions = {}): HeatmapChart {
  checkHeatmapOptions("arrayHeatmapChart", options, HEATMAP_OPTION_KEYS);
  const pages = arrayPages("arrayHeatmapChart", array, options);
  return drawHeatmap("arrayHeatmapChart", pages.proc, pages.addr, pages.length, pages.options, pages.options.title);
}

/** Pages per cell for `pages` pages in at most `maxCells` cells: a power of two, so every axis offset is a round binary size. */
export function cellPagesFor(pages: number, maxCells: number): number {
  return 2 ** Math.ceil(Math.log2(Math.ceil(pages / maxCells)));
}

/** The parts of a heatmap's view that come from its options, its range and its source. */
export function heatmapView(options: HeatmapOptions, start: number, pageSize: number, title: string, source: { pid?: unknown }): HeatmapView {
  return {
    start,
    pageSize,
    origin: options.origin,
    axis: options.axis,
    title,
    bounds: options.bounds,
    annotations: options.annotations,
    pid: typeof source.pid === "number" ? source.pid : undefined,
  };
}

/**
 * Validates, summarises and draws; returns the chart, which keeps `options` (checked by the
 * caller) for its zooms. `where` names the public call in messages.
 */
function drawHeatmap(where: string, source: ResidencySource, addr: number, length: number, options: HeatmapOptions, givenTitle?: string): HeatmapChart {
  if (source === null || typeof source !== "object" || typeof source.residencySummary !== "function") {
    throw new InvalidArgumentError(`${where}: source must have residencySummary(addr, length, cells), got ${describeValue(source)}`);
  }
  const pageSize = requirePageSize(where, source.pageSize);
  requireRange(where, addr, length);
  // A simulated process answers only inside its user address space: say so here, naming this
  // call, rather than let residencySummary refuse a length the caller never passed.
  const userEnd = userSpaceEndOf(source);
  if (userEnd !== null && addr + length > userEnd) {
    throw new InvalidArgumentError(
      `${where}: addr + length must be within the process's user address space [0, ${formatAddress(userEnd)}), ` +
        `got addr ${describeValue(addr)} + length ${describeValue(length)}`,
    );
  }
  let maxCells = requireInteger(where, "options.maxCells", options.maxCells ?? DEFAULT_MAX_CELLS, 1, MAX_CELLS);
  const firstPage = Math.floor(addr / pageSize);
  const pages = Math.ceil((addr + length) / pageSize) - firstPage;
  const start = firstPage * pageSize;
  const title = givenTitle ?? `Residency of ${formatBytes(length)} at ${formatAddress(addr)}`;
  for (;;) {
    const cellPages = cellPagesFor(pages, maxCells);
    const cells = Math.ceil(pages / cellPages);
    // The last cell is rounded up to whole cells: never past the end of the user address space.
    const span = Math.min(cells * cellPages * pageSize, (userEnd ?? Infinity) - start);
    const summary = source.residencySummary(start, span, cells);
    const result = residencyHeatmapSpec(summary, {
      ...heatmapView(options, start, pageSize, title, source),
      // (a partial last cell lists its whole cell's pages: none exist past the user address space)
      frameOf: typeof source.frameOf === "function"
        ? (at: number) => (userEnd !== null && at >= userEnd ? null : (source.frameOf as (a: number) => number | null).call(source, at))
        : undefined,
    });
    if (maxCells === 1 || JSON.stringify(result.rows).length <= DATA_BUDGET_CHARS) {
      return new HeatmapChart(source, { addr, length }, options, result.spec, title, result.text);
    }
    maxCells = Math.max(1, Math.floor(maxCells / 2));
  }
}
