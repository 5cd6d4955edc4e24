// The virtual-to-physical map: virtual page index against the physical frame behind it.
// A contiguous virtual array backed by frames from all over physical memory shows as a scatter;
// pages that still map the shared zero page all sit on one frame.
import { InvalidArgumentError, describeValue } from "../errors";
import { Chart } from "./chart";
import { OKABE_ITO } from "./palette";
import { CHART_WIDTH, vegaLiteSpec } from "./spec";
import { ChartOptions, FrameSource } from "./types";
import { formatAddress, formatBytes, formatCount } from "./units";
import { checkChartOptions, requireInteger, requirePageSize, requireRange } from "./validate";

/** Options of frameMapChart. */
export interface FrameMapOptions extends ChartOptions {
  /** Most pages to sample, evenly spaced (default 1024, at most 4096: a scatter PNG compresses poorly). */
  maxPoints?: number;
}

/** What a frame map found besides its points. */
export interface FrameMapStats {
  /** Pages sampled. */
  sampled: number;
  /** Sampled pages a frame backs. */
  backed: number;
  /** Distinct frames among the backed samples. */
  distinctFrames: number;
  /** Longest run of sampled neighbours whose frames are also neighbours (pfn + step). */
  longestContiguousRun: number;
}

/** A frame map and the counts it found. */
export class FrameMapChart extends Chart {
  constructor(
    spec: Chart["spec"],
    title: string,
    text: string,
    /** What the map found: samples, backed pages, distinct frames, the longest contiguous run. */
    readonly stats: FrameMapStats,
  ) {
    super(spec, title, text);
  }
}

/** The sampled page indexes and their frames (null when nothing backs the page). */
function sampleFrames(source: FrameSource, firstPage: number, pages: number, step: number): { v: number; p: number | null }[] {
  const samples: { v: number; p: number | null }[] = [];
  for (let v = 0; v < pages; v += step) samples.push({ v, p: source.frameOf((firstPage + v) * source.pageSize) });
  return samples;
}

/** Counts what the samples show: backed pages, distinct frames, the longest physically contiguous run. */
function frameStats(samples: readonly { v: number; p: number | null }[], step: number): FrameMapStats {
  const frames = new Set<number>();
  let longest = 0;
  let run = 0;
  let previous: number | null = null;
  for (const { p } of samples) {
    if (p !== null) frames.add(p);
    run = p !== null && previous !== null && p === previous + step ? run + 1 : p === null ? 0 : 1;
    longest = Math.max(longest, run);
    previous = p;
  }
  const backed = samples.filter((s) => s.p !== null).length;
  return { sampled: samples.length, backed, distinctFrames: frames.size, longestContiguousRun: longest };
}

/**
 * Samples at most maxPoints pages of [addr, addr + length) and plots each page's frame number
 * against its page index; returns the chart (unbacked pages are counted, not drawn).
 */
export function frameMapChart(source: FrameSource, addr: number, length: number, options: FrameMapOptions = {}): FrameMapChart {
  const where = "frameMapChart";
  checkChartOptions<FrameMapOptions>(where, options, ["title", "maxPoints"]);
  if (source === null || typeof source !== "object" || typeof source.frameOf !== "function") {
    throw new InvalidArgumentError(`${where}: source must have frameOf(addr), got ${describeValue(source)}`);
  }
  const pageSize = requirePageSize(where, source.pageSize);
  requireRange(where, addr, length);
  const maxPoints = requireInteger(where, "options.maxPoints", options.maxPoints ?? 1024, 2, 4096);
  const firstPage = Math.floor(addr / pageSize);
  const pages = Math.ceil((addr + length) / pageSize) - firstPage;
  const step = Math.ceil(pages / maxPoints);
  const samples = sampleFrames(source, firstPage, pages, step);
  const stats = frameStats(samples, step);
  const title = options.title ?? `Physical frames behind ${formatBytes(length)} at ${formatAddress(addr)}`;
  const sampling = step === 1 ? "every page" : `every ${formatCount(step)}th page`;
  const subtitle = [
    `${formatCount(pages)} virtual pages, ${sampling}: ${formatCount(stats.backed)} of ${formatCount(stats.sampled)} sampled are backed,`,
    `by ${formatCount(stats.distinctFrames)} distinct frames; longest run of physically contiguous samples: ${formatCount(stats.longestContiguousRun)}`,
  ];
  const points = samples.filter((s) => s.p !== null);
  const spec = vegaLiteSpec({
    title: { text: title, subtitle },
    width: CHART_WIDTH,
    height: 320,
    data: { values: points },
    mark: { type: "square", size: points.length > 1024 ? 6 : 12, color: OKABE_ITO.blue, opacity: 1 },
    encoding: {
      x: { field: "v", type: "quantitative", title: "virtual page (index in range)", scale: { domain: [0, pages], nice: false }, axis: { format: ",d" } },
      y: { field: "p", type: "quantitative", title: "physical frame number (pfn)", scale: { zero: true }, axis: { format: ",d" } },
      tooltip: [
        { field: "v", type: "quantitative", title: "virtual page", format: ",d" },
        { field: "p", type: "quantitative", title: "pfn", format: ",d" },
      ],
    },
  });
  const text = [title, ...subtitle].join("\n");
  return new FrameMapChart(spec, title, text, stats);
}
