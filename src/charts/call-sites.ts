// A real program's resident memory by call site, from a replayed capture (capture.replay): how it
// grew over time, stacked by the line (or native frame) that allocated it, and where in the address
// space each site's pages lie. The inputs are structural: a Replay fits, plain objects do too.
import { InvalidArgumentError, describeValue } from "../errors";
import { Chart } from "./chart";
import { CATEGORY_COLORS, OKABE_ITO } from "./palette";
import { CHART_WIDTH, vegaLiteSpec } from "./spec";
import type { ChartOptions } from "./types";
import { formatAddress, formatBytes, formatBytesExpr } from "./units";
import { checkChartOptions, requireInteger, requireNonEmptyArray } from "./validate";

/** One residency sample: pages per call site, and (for the heatmap) the resident pages with their owner. */
export interface CallSiteSample {
  /** ms since the program started. */
  ms: number;
  /** The marker the sample was taken at ("" or absent for a periodic sample). */
  label?: string;
  /** The line about to run, for a sample taken at a line (its site id). */
  site?: number | null;
/** Resident pages per site id. */
  pagesBySite: ReadonlyMap<number, number>;
  /** [first virtual page, count, site] in address order. */
  siteRuns?: readonly (readonly [number, number, number])[];
}

/** What the call-site charts read (capture.replay()'s result fits). */
export interface CallSiteSource {
/** The samples in time order. */
  samples: readonly CallSiteSample[];
  /** Labels of the sites (pseudo-sites, negative ids, included). */
  sites: ReadonlyMap<number, string>;
/** The base page size the page numbers count in, bytes. */
  pageSize: number;
}

/** Options of callSiteRssChart. */
export interface CallSiteRssOptions extends ChartOptions {
  /** Sites drawn on their own (default 7, at most 12); the rest are summed as "other call sites". */
  maxSites?: number;
}

/** Options of callSiteHeatmapChart. */
export interface CallSiteHeatmapOptions extends CallSiteRssOptions {
  /** Which sample (index into source.samples; default the one with the most resident pages). */
  sample?: number;
  /** Cells per row (default 128). */
  columns?: number;
  /** Most rows (default 48); pages per cell grow to fit. */
  maxRows?: number;
}

const OTHER_SITES = "other call sites";
const NOT_RESIDENT = "not resident";
// Resident runs closer than this are drawn as one region of the address space.
const REGION_GAP_BYTES = 4 * 2 ** 20;

function requireSource(where: string, source: CallSiteSource): void {
  if (source === null || typeof source !== "object" || !(source.sites instanceof Map) || typeof source.pageSize !== "number") {
    throw new InvalidArgumentError(`${where}: source must be a replay (capture.replay(...)) or { samples, sites, pageSize }, got ${describeValue(source)}`);
  }
  requireNonEmptyArray(where, "source.samples", source.samples);
}

function label(source: CallSiteSource, site: number): string {
  const text = source.sites.get(site) ?? `site ${site}`;
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}

/** The `max` sites with the most resident pages at their peak, largest first. */
function topSites(source: CallSiteSource, max: number): number[] {
  const peak = new Map<number, number>();
  for (const s of source.samples) for (const [site, pages] of s.pagesBySite) peak.set(site, Math.max(peak.get(site) ?? 0, pages));
  return [...peak].filter(([, pages]) => pages > 0).sort((a, b) => b[1] - a[1]).slice(0, max).map(([site]) => site);
}

function colours(names: readonly string[]): string[] {
  return names.map((name, i) => (name === OTHER_SITES ? "#BBBBBB" : name === NOT_RESIDENT ? "#EEEEEE" : CATEGORY_COLORS[i % CATEGORY_COLORS.length]));
}

/**
 * Resident memory over the run, stacked by call site: each sample's resident anonymous pages,
 * attributed to the allocation covering them (capture.replay does the attribution).
 * @example
 * ```ts
 * show(charts.callSiteRssChart(capture.replay(capture.load("prog.capture"))));
 * ```
 */
export function callSiteRssChart(source: CallSiteSource, options: CallSiteRssOptions = {}): Chart {
  const where = "callSiteRssChart";
  checkChartOptions<CallSiteRssOptions>(where, options, ["title", "maxSites"]);
  requireSource(where, source);
  const maxSites = requireInteger(where, "options.maxSites", options.maxSites ?? 7, 1, 12);
  const top = topSites(source, maxSites);
  const names = [...top.map((site) => label(source, site)), OTHER_SITES];
  const values: { ms: number; site: string; rank: number; bytes: number; at: string }[] = [];
  for (const s of source.samples) {
    let other = 0;
    for (const [site, pages] of s.pagesBySite) if (!top.includes(site)) other += pages;
    const at = s.label ? `${s.ms} ms, ${s.label}` : s.site !== undefined && s.site !== null ? `${s.ms} ms, before ${label(source, s.site)}` : `${s.ms} ms`;
    for (const [rank, site] of top.entries()) values.push({ ms: s.ms, site: label(source, site), rank, bytes: (s.pagesBySite.get(site) ?? 0) * source.pageSize, at });
    values.push({ ms: s.ms, site: OTHER_SITES, rank: top.length, bytes: other * source.pageSize, at });
  }
  const title = options.title ?? "Resident memory by call site";
  const last = source.samples[source.samples.length - 1];
  const total = [...last.pagesBySite.values()].reduce((a, b) => a + b, 0) * source.pageSize;
  const spec = vegaLiteSpec({
    title: { text: title, subtitle: `${source.samples.length} samples; at the last, ${formatBytes(total)} resident in anonymous memory` },
    width: CHART_WIDTH,
    height: 280,
    data: { values },
    transform: [{ calculate: formatBytesExpr("datum.bytes"), as: "size" }],
    mark: { type: "area", interpolate: "step-after", opacity: 0.85 },
    encoding: {
      x: { field: "ms", type: "quantitative", title: "time since the program started (ms)" },
      y: { field: "bytes", type: "quantitative", stack: "zero", title: "resident", axis: { labelExpr: formatBytesExpr("datum.value") } },
      color: { field: "site", type: "nominal", title: "call site", sort: names, scale: { domain: names, range: colours(names) }, legend: { orient: "bottom", columns: 2, labelLimit: 360 } },
      order: { field: "rank", type: "quantitative" },
      tooltip: [{ field: "at", type: "nominal", title: "sample" }, { field: "site", type: "nominal" }, { field: "size", type: "nominal", title: "resident" }],
    },
  });
  const lines = top.map((site) => {
    const peak = Math.max(...source.samples.map((s) => s.pagesBySite.get(site) ?? 0));
    return `${label(source, site)}: ${formatBytes((last.pagesBySite.get(site) ?? 0) * source.pageSize)} resident at the end, ${formatBytes(peak * source.pageSize)} at most`;
  });
  return new Chart(spec, title, [title, ...lines].join("\n"));
}

/** Groups site runs into regions of the address space: [first vpn, end vpn, runs]. */
function regions(runs: readonly (readonly [number, number, number])[], pageSize: number): { first: number; end: number; runs: (readonly [number, number, number])[] }[] {
  const out: { first: number; end: number; runs: (readonly [number, number, number])[] }[] = [];
  const gap = Math.max(1, Math.floor(REGION_GAP_BYTES / pageSize));
  for (const run of runs) {
    const last = out[out.length - 1];
    if (last !== undefined && run[0] - last.end <= gap) {
      last.end = run[0] + run[1];
      last.runs.push(run);
    } else {
      out.push({ first: run[0], end: run[0] + run[1], runs: [run] });
    }
  }
  return out;
}

/**
 * The heap and the anonymous mappings at one sample, a cell per group of pages, coloured by the
 * call site whose allocation covers most of the cell's resident pages ("held by malloc" where
 * no live allocation does). Rows are regions of the address space (gaps over 4 MiB split them).
 */
export function callSiteHeatmapChart(source: CallSiteSource, options: CallSiteHeatmapOptions = {}): Chart {
  const where = "callSiteHeatmapChart";
  checkChartOptions<CallSiteHeatmapOptions>(where, options, ["title", "maxSites", "sample", "columns", "maxRows"]);
  requireSource(where, source);
  const maxSites = requireInteger(where, "options.maxSites", options.maxSites ?? 7, 1, 12);
  const columns = requireInteger(where, "options.columns", options.columns ?? 128, 8, 512);
  const maxRows = requireInteger(where, "options.maxRows", options.maxRows ?? 48, 1, 400);
  const total = (s: CallSiteSample): number => [...s.pagesBySite.values()].reduce((a, b) => a + b, 0);
  const fullest = source.samples.reduce((best, s, i) => (total(s) > total(source.samples[best]) ? i : best), 0);
  const index = requireInteger(where, "options.sample", options.sample ?? fullest, 0, source.samples.length - 1);
  const sample = source.samples[index];
  if (sample.siteRuns === undefined) throw new InvalidArgumentError(`${where}: samples[${index}] has no siteRuns (the pages with their owners)`);
  const top = topSites({ ...source, samples: [sample] }, maxSites);
  const names = [...top.map((site) => label(source, site)), OTHER_SITES, NOT_RESIDENT];
  const found = regions(sample.siteRuns, source.pageSize);
  const spanPages = found.reduce((sum, r) => sum + (r.end - r.first), 0);
  let pagesPerCell = 1;
  while (found.reduce((rows, r) => rows + Math.ceil((r.end - r.first) / (pagesPerCell * columns)), 0) > maxRows) pagesPerCell *= 2;
  // One short record per cell (column, row's first page, site number, resident pages): the
  // names and addresses are looked up and formatted by the chart, so a heap of thousands of cells
  // keeps its spec, and its PNG, inside a notebook output's budget
  const values: { c: number; r: number; s: number; p: number }[] = [];
  for (const r of found) {
    let k = 0;
    for (let cell = r.first; cell < r.end; cell += pagesPerCell) {
      const cellEnd = cell + pagesPerCell;
      const bySite = new Map<number, number>();
      while (k < r.runs.length && r.runs[k][0] + r.runs[k][1] <= cell) k++;
      for (let j = k; j < r.runs.length && r.runs[j][0] < cellEnd; j++) {
        const [vpn, count, site] = r.runs[j];
        bySite.set(site, (bySite.get(site) ?? 0) + Math.min(cellEnd, vpn + count) - Math.max(cell, vpn));
      }
      let owner: number | null = null;
      let most = 0;
      for (const [site, pages] of bySite) if (pages > most) [owner, most] = [site, pages];
      const rowStart = r.first + Math.floor((cell - r.first) / (pagesPerCell * columns)) * pagesPerCell * columns;
      const site = owner === null ? NOT_RESIDENT : top.includes(owner) ? label(source, owner) : OTHER_SITES;
      values.push({
        c: Math.floor((cell - r.first) / pagesPerCell) % columns,
        r: rowStart,
        s: names.indexOf(site),
        p: [...bySite.values()].reduce((a, b) => a + b, 0),
      });
    }
  }
  const title = options.title ?? "Resident pages by call site";
  const cellBytes = formatBytes(pagesPerCell * source.pageSize);
  const spec = vegaLiteSpec({
    title: { text: title, subtitle: `at ${sample.ms} ms${sample.label ? ` (${sample.label})` : ""}; one cell = ${cellBytes}, coloured by the site owning most of its resident pages` },
    width: CHART_WIDTH,
    data: { values },
    transform: [
      { lookup: "s", from: { data: { values: names.map((site, s) => ({ s, site })) }, key: "s", fields: ["site"] } },
      { calculate: `'0x' + format(datum.r * ${source.pageSize}, 'x')`, as: "row" },
      { calculate: `'0x' + format((datum.r + datum.c * ${pagesPerCell}) * ${source.pageSize}, 'x')`, as: "address" },
    ],
    mark: { type: "rect", stroke: OKABE_ITO.black, strokeWidth: 0.05 },
    encoding: {
      x: { field: "c", type: "ordinal", title: `${cellBytes} per cell`, axis: null },
      y: { field: "row", type: "ordinal", sort: null, title: "address", axis: { labelFontSize: 9 } },
      color: { field: "site", type: "nominal", title: "call site", sort: names, scale: { domain: names, range: colours(names) }, legend: { orient: "bottom", columns: 2, labelLimit: 360 } },
      tooltip: [{ field: "address", type: "nominal" }, { field: "site", type: "nominal" }, { field: "p", type: "quantitative", title: "resident pages" }],
    },
  });
  const lines = found.map((r) => `${formatAddress(r.first * source.pageSize)}-${formatAddress(r.end * source.pageSize)}: ${formatBytes(r.runs.reduce((s, run) => s + run[1], 0) * source.pageSize)} resident`);
  return new Chart(spec, title, [`${title} at ${sample.ms} ms: ${found.length} regions, ${formatBytes(spanPages * source.pageSize)} spanned`, ...lines].join("\n"));
}
