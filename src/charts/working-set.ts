// The working-set curve: hit rate against memory size (page frames), one line per replacement
// policy, from kernel.workingSetCurve (OSTEP ch. 22's "how big a cache does this trace need?").
import { InvalidArgumentError, describeValue, isArray } from "../errors";
import { Chart } from "./chart";
import { CATEGORY_COLORS } from "./palette";
import { CHART_WIDTH, vegaLiteSpec } from "./spec";
import type { ChartOptions } from "./types";
import { formatCount } from "./units";
import { checkChartOptions, requireInteger, requireLabel, requireNonEmptyArray } from "./validate";

/** One point of a working-set curve. */
export interface WorkingSetSourcePoint {
  /** The replacement policy (one line per policy). */
  policy: string;
  /** Page frames of the memory. */
  frames: number;
  /** Share of accesses that hit, in [0, 1]. */
  hitRate: number;
}

/** What workingSetChart reads: kernel.workingSetCurve's result fits, a plain object too. */
export interface WorkingSetSource {
  /** Accesses in the trace. */
  accesses: number;
  /** Distinct pages in the trace (drawn as a rule: no more frames help beyond it). */
  distinctPages: number;
  /** One point per policy and frame count. */
  points: readonly WorkingSetSourcePoint[];
}

/**
 * Lines of hit rate against frames, one per policy, with the trace's distinct pages marked;
 * returns the chart.
 * @example
 * workingSetChart(kernel.workingSetCurve(trace), { title: "np.add's working set" });
 */
export function workingSetChart(result: WorkingSetSource, options: ChartOptions = {}): Chart {
  const where = "workingSetChart";
  checkChartOptions(where, options, ["title"]);
  if (result === null || typeof result !== "object" || !isArray(result.points)) {
    throw new InvalidArgumentError(`${where}: result must be { accesses, distinctPages, points: [{ policy, frames, hitRate }] } (kernel.workingSetCurve), got ${describeValue(result)}`);
  }
  requireNonEmptyArray(where, "result.points", result.points);
  const accesses = requireInteger(where, "result.accesses", result.accesses, 0, Number.MAX_SAFE_INTEGER);
  const distinct = requireInteger(where, "result.distinctPages", result.distinctPages, 0, Number.MAX_SAFE_INTEGER);
  const values = result.points.map((point, i) => {
    const policy = requireLabel(where, `result.points[${i}].policy`, point?.policy);
    const frames = requireInteger(where, `result.points[${i}].frames`, point.frames, 1, Number.MAX_SAFE_INTEGER);
    const hitRate = point.hitRate;
    if (typeof hitRate !== "number" || !(hitRate >= 0 && hitRate <= 1)) {
      throw new InvalidArgumentError(`${where}: result.points[${i}].hitRate must be a number in [0, 1], got ${describeValue(hitRate)}`);
    }
    return { policy, frames, hitRate };
  });
  const policies = [...new Set(values.map((v) => v.policy))];
  const title = options.title ?? "Hit rate against memory size";
  const subtitle = `${formatCount(accesses)} accesses to ${formatCount(distinct)} distinct pages`;
  const spec = vegaLiteSpec({
    title: { text: title, subtitle },
    width: Math.floor(CHART_WIDTH * 0.8),
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: "line", point: { size: 20 } },
        encoding: {
          x: { field: "frames", type: "quantitative", title: "page frames" },
          y: { field: "hitRate", type: "quantitative", title: "hit rate", scale: { domain: [0, 1] }, axis: { format: ".0%" } },
          color: { field: "policy", type: "nominal", title: "policy", sort: policies, scale: { domain: policies, range: CATEGORY_COLORS.slice(0, policies.length) } },
          tooltip: [
            { field: "policy", type: "nominal" },
            { field: "frames", type: "quantitative", title: "page frames" },
            { field: "hitRate", type: "quantitative", title: "hit rate", format: ".1%" },
          ],
        },
      },
      {
        data: { values: [{ distinct }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#888" },
        encoding: { x: { field: "distinct", type: "quantitative" } },
      },
    ],
  });
  const lines = policies.map((policy) => {
    const mine = values.filter((v) => v.policy === policy);
    return `${policy}: ` + mine.map((v) => `${v.frames} frames ${(v.hitRate * 100).toFixed(1)}%`).join(", ");
  });
  return new Chart(spec, title, [`${title}: ${subtitle}`, ...lines].join("\n"));
}
