// TLB charts: hits and misses per level per phase, cycles by cause, the reach curve (cost per
// access against pages touched), and phases side by side.
import type { Field } from "vega-lite/build/src/channeldef";
import type { FacetedUnitSpec } from "vega-lite/build/src/spec";
import { InvalidArgumentError, describeValue, isArray } from "../errors";
import { Chart } from "./chart";
import { CATEGORY_COLORS, OKABE_ITO } from "./palette";
import { CHART_WIDTH, vegaLiteSpec } from "./spec";
import { ChartOptions, ReachSeries, TlbPhase } from "./types";
import { formatCount } from "./units";
import { checkChartOptions, optionalBoolean, requireLabel, requireNonEmptyArray, requireNonNegative } from "./validate";

// The names a measured Phase (proc.measure, measure()) gives its TLB levels and cycle causes, and
// the words the charts show for them; keys not listed are shown as given.
const READABLE_NAMES: Readonly<Record<string, string>> = {
  l1d: "L1 dTLB",
  l2: "L2 TLB",
  l1Hit: "L1 hit",
  l2Hit: "L2 hit",
  walk: "page walk",
  zeroPageMap: "zero-page map",
  minorFault: "page fault",
  hugeFault: "huge fault",
  cowCopy: "COW copy",
};
const readable = (key: string): string => READABLE_NAMES[key] ?? key;

/** A phase's TLB levels under readable names: [level, { hits, misses }] in lookup order. */
function tlbLevels(phase: TlbPhase): [string, { readonly hits: number; readonly misses: number }][] {
  return Object.entries(phase.tlb).map(([level, counts]) => [readable(level), counts]);
}

/** A phase's cycles by cause under readable names: cyclesByCause, else the MMU's breakdown without its total. */
function causeCycles(phase: TlbPhase): [string, number][] {
  const given = phase.cyclesByCause ?? Object.fromEntries(Object.entries(phase.cycles ?? {}).filter(([cause]) => cause !== "total"));
  return Object.entries(given).map(([cause, cycles]) => [readable(cause), cycles]);
}

/** Checks phases (unique labels, counts >= 0); returns the TLB levels in first-seen order. */
function checkPhases(where: string, phases: readonly TlbPhase[]): string[] {
  requireNonEmptyArray(where, "phases", phases);
  const labels = new Set<string>();
  const levels: string[] = [];
  for (const [i, phase] of phases.entries()) {
    if (phase === null || typeof phase !== "object" || phase.tlb === null || typeof phase.tlb !== "object") {
      throw new InvalidArgumentError(`${where}: phases[${i}] must be { label, tlb: { level: { hits, misses } } }, got ${describeValue(phase)}`);
    }
    const label = requireLabel(where, `phases[${i}].label`, phase.label);
    if (labels.has(label)) throw new InvalidArgumentError(`${where}: phase labels must be unique, "${label}" repeats`);
    labels.add(label);
    if (phase.accesses !== undefined) requireNonNegative(where, `phases[${i}].accesses`, phase.accesses);
    for (const [level, counts] of Object.entries(phase.tlb)) {
      requireNonNegative(where, `phases[${i}].tlb["${level}"].hits`, counts?.hits);
      requireNonNegative(where, `phases[${i}].tlb["${level}"].misses`, counts?.misses);
      if (!levels.includes(readable(level))) levels.push(readable(level));
    }
    for (const [cause, cycles] of causeCycles(phase)) {
      requireNonNegative(where, `phases[${i}] cycles of "${cause}"`, cycles);
    }
  }
  return levels;
}

/** Causes that cost cycles in some phase, in first-seen order (a cause at 0 everywhere gets no legend entry). */
function causesOf(phases: readonly TlbPhase[]): string[] {
  const causes: string[] = [];
  for (const phase of phases) for (const [cause] of causeCycles(phase)) if (!causes.includes(cause)) causes.push(cause);
  return causes.filter((cause) => phases.some((phase) => causeCycles(phase).some(([c, cycles]) => c === cause && cycles > 0)));
}

/** 0 and the powers of ten up to the first >= max: the ticks of a symlog count axis. */
function powersOfTen(max: number): number[] {
  const ticks = [0];
  for (let power = 1; ticks.length < 2 || power < max * 10; power *= 10) ticks.push(power);
  return ticks;
}

/** One line per phase: its hits and misses per level. */
function describeTlb(phases: readonly TlbPhase[]): string {
  return phases
    .map((p) => `${p.label}: ` + tlbLevels(p).map(([level, c]) => `${level} ${formatCount(c.hits)} hits / ${formatCount(c.misses)} misses`).join(", "))
    .join("\n");
}

/**
 * Bars of TLB hits and misses per level, one panel per phase (symlog scale: misses stay visible
 * next to billions of hits); returns the chart.
 */
export function tlbHitsChart(phases: readonly TlbPhase[], options: ChartOptions = {}): Chart {
  checkChartOptions("tlbHitsChart", options, ["title"]);
  const levels = checkPhases("tlbHitsChart", phases);
  const values = phases.flatMap((p) =>
    tlbLevels(p).flatMap(([level, c]) => [
      { phase: p.label, level, outcome: "hits", n: c.hits },
      { phase: p.label, level, outcome: "misses", n: c.misses },
    ]),
  );
  const panelWidth = Math.max(120, Math.floor(CHART_WIDTH / phases.length) - 20);
  const maxCount = Math.max(...values.map((v) => v.n));
  const title = options.title ?? "TLB hits and misses per level";
  const spec = vegaLiteSpec({
    title: { text: title, subtitle: "one panel per phase; symmetric log scale" },
    data: { values },
    transform: [{ joinaggregate: [{ op: "sum", field: "n", as: "lookups" }], groupby: ["phase", "level"] }, { calculate: "datum.lookups > 0 ? datum.n / datum.lookups : 0", as: "share" }],
    facet: {
      column: {
        field: "phase",
        type: "nominal",
        sort: phases.map((p) => p.label),
        title: null,
        // Long phase labels wrap at their commas and stop at the panel's width, so neighbours never run together.
        header: { labelFontSize: 12, labelExpr: "split(datum.label, ', ')", labelLimit: panelWidth },
      },
    },
    spec: {
      width: panelWidth,
      height: 220,
      encoding: {
        x: { field: "level", type: "nominal", sort: levels, title: null, axis: { labelAngle: 0 } },
        xOffset: { field: "outcome", type: "nominal", sort: ["hits", "misses"] },
        y: { field: "n", type: "quantitative", scale: { type: "symlog" }, title: "lookups", axis: { values: powersOfTen(maxCount), labelExpr: "format(datum.value, '~s')" } },
      },
      layer: [
        {
          mark: { type: "bar" },
          encoding: {
            color: { field: "outcome", type: "nominal", title: null, scale: { domain: ["hits", "misses"], range: [OKABE_ITO.bluishGreen, OKABE_ITO.vermillion] } },
            tooltip: [
              { field: "phase", type: "nominal" },
              { field: "level", type: "nominal" },
              { field: "outcome", type: "nominal" },
              { field: "n", type: "quantitative", title: "lookups", format: ",d" },
              { field: "share", type: "quantitative", title: "share of the level's lookups", format: ".4~%" },
            ],
          },
        },
        { mark: { type: "text", dy: -4, fontSize: 9 }, encoding: { text: { field: "n", type: "quantitative", format: ".3~s" } } },
      ],
    },
  });
  return new Chart(spec, title, `${title}\n${describeTlb(phases)}`);
}

/** Rows of cycles per phase and cause, per access when asked and known. */
function cycleRows(phases: readonly TlbPhase[], perAccess: boolean): { phase: string; cause: string; cycles: number }[] {
  const shown = new Set(causesOf(phases));
  return phases.flatMap((p) =>
    causeCycles(p).filter(([cause]) => shown.has(cause)).map(([cause, cycles]) => ({
      phase: p.label,
      cause,
      cycles: perAccess ? (p.accesses ? cycles / p.accesses : 0) : cycles,
    })),
  );
}

/** The cycles-by-cause body: one stacked bar per phase. */
function cyclesBody(
  phases: readonly TlbPhase[],
  perAccess: boolean,
  width: number,
  legend: "right" | "bottom" = "right",
): FacetedUnitSpec<Field> & { data: { values: object[] } } {
  const causes = causesOf(phases);
  const measure = perAccess ? "cycles per access" : "cycles";
  return {
    width,
    height: Math.max(60, 34 * phases.length),
    data: { values: cycleRows(phases, perAccess) },
    mark: { type: "bar" },
    encoding: {
      y: { field: "phase", type: "nominal", sort: phases.map((p) => p.label), title: null },
      x: { field: "cycles", type: "quantitative", title: measure, stack: "zero", axis: { format: "~s" } },
      color: {
        field: "cause",
        type: "nominal",
        title: "cause",
        scale: { domain: causes, range: CATEGORY_COLORS.slice(0, causes.length) },
        legend: { orient: legend, direction: "vertical" },
      },
      order: { field: "causeIndex", type: "quantitative" },
      tooltip: [
        { field: "phase", type: "nominal" },
        { field: "cause", type: "nominal" },
        { field: "cycles", type: "quantitative", title: measure, format: ",.4~f" },
      ],
    },
    transform: [{ calculate: `indexof(${JSON.stringify(causes)}, datum.cause)`, as: "causeIndex" }],
  };
}

/** Text lines of cycles per phase and cause. */
function describeCycles(phases: readonly TlbPhase[], perAccess: boolean): string {
  return phases
    .map((p) => {
      const parts = cycleRows([p], perAccess).map((r) => `${r.cause} ${perAccess ? r.cycles.toFixed(2) : formatCount(r.cycles)}`);
      return `${p.label}: ${parts.join(", ")}`;
    })
    .join("\n");
}

/** Options of cyclesByCauseChart. */
export interface CyclesByCauseOptions extends ChartOptions {
  /** Cycles per access instead of totals (phases without accesses count 0). */
  perAccess?: boolean;
}

/**
 * A stacked bar of cycles by cause (TLB hit, page walk, fault ...) for each phase; per access
 * when `perAccess` (phases without accesses count 0). Returns the chart.
 */
export function cyclesByCauseChart(phases: readonly TlbPhase[], options: CyclesByCauseOptions = {}): Chart {
  checkChartOptions<CyclesByCauseOptions>("cyclesByCauseChart", options, ["title", "perAccess"]);
  checkPhases("cyclesByCauseChart", phases);
  const perAccess = optionalBoolean("cyclesByCauseChart", "options.perAccess", options.perAccess) ?? false;
  const title = options.title ?? (perAccess ? "Cycles per access, by cause" : "Cycles by cause");
  const spec = vegaLiteSpec({ title, ...cyclesBody(phases, perAccess, CHART_WIDTH) });
  return new Chart(spec, title, `${title}\n${describeCycles(phases, perAccess)}`);
}

// TLB levels are drawn in greys, apart from the Okabe-Ito colours of the causes, so that within
// the phases chart every colour means one thing.
const LEVEL_COLORS = ["#4D4D4D", "#A6A6A6", "#D9D9D9"];

/**
 * Phases side by side: TLB misses per level for each phase, next to cycles per access by cause.
 * Takes measured phases as they are (`proc.measure(...)`, the experiments' phases) or TlbPhase
 * objects. Returns the chart.
 *
 * @example
 * const seq = proc.measure(() => np.add(a, 0, { out: a }), "sequential");
 * show(tlbPhasesChart([seq, random]));
 */
export function tlbPhasesChart(phases: readonly TlbPhase[], options: ChartOptions = {}): Chart {
  checkChartOptions("tlbPhasesChart", options, ["title"]);
  const levels = checkPhases("tlbPhasesChart", phases);
  const labels = phases.map((p) => p.label);
  const misses = phases.flatMap((p) => tlbLevels(p).map(([level, c]) => ({ phase: p.label, level, misses: c.misses })));
  const title = options.title ?? "Phases side by side";
  const half = Math.floor(CHART_WIDTH / 2) - 40;
  const height = Math.max(60, 34 * phases.length);
  const spec = vegaLiteSpec({
    title,
    hconcat: [
      {
        title: "TLB misses per level",
        width: half,
        height,
        data: { values: misses },
        mark: { type: "bar" },
        encoding: {
          y: { field: "phase", type: "nominal", sort: labels, title: null },
          yOffset: { field: "level", type: "nominal", sort: levels },
          x: { field: "misses", type: "quantitative", title: "misses", axis: { format: "~s" } },
          color: {
            field: "level",
            type: "nominal",
            sort: levels,
            title: "TLB level",
            scale: { domain: levels, range: LEVEL_COLORS.slice(0, levels.length) },
            legend: { orient: "bottom", direction: "vertical" },
          },
          tooltip: [
            { field: "phase", type: "nominal" },
            { field: "level", type: "nominal" },
            { field: "misses", type: "quantitative", format: ",d" },
          ],
        },
      },
      { title: "Cycles per access, by cause", ...cyclesBody(phases, true, half, "bottom") },
    ],
    resolve: { scale: { color: "independent" } },
  });
  return new Chart(spec, title, `${title}\n${describeTlb(phases)}\n${describeCycles(phases, true)}`);
}

/** A vertical marker on a reach chart, e.g. { label: "L1 dTLB reach", pages: 64 }. */
export interface ReachMarker {
  /** What the marker says, e.g. "L1 dTLB: 64 entries". */
  label: string;
  /** Where it stands: pages touched. */
  pages: number;
}

/** Options of tlbReachChart. */
export interface TlbReachOptions extends ChartOptions {
  /** Vertical rules where each TLB level's reach ends (ReachResult.presetReach). */
  reach?: readonly ReachMarker[];
}

/**
 * The reach curve: cycles per access against pages touched (log2 axis), one line per series,
 * with vertical rules where each TLB level's reach ends. Returns the chart.
 */
export function tlbReachChart(series: readonly ReachSeries[], options: TlbReachOptions = {}): Chart {
  const where = "tlbReachChart";
  checkChartOptions<TlbReachOptions>(where, options, ["title", "reach"]);
  if (options.reach !== undefined && !isArray(options.reach)) {
    throw new InvalidArgumentError(`${where}: options.reach must be an array of { label, pages }, got ${describeValue(options.reach)}`);
  }
  requireNonEmptyArray(where, "series", series);
  const values: { series: string; pages: number; cycles: number }[] = [];
  for (const [i, s] of series.entries()) {
    const label = requireLabel(where, `series[${i}].label`, s?.label);
    requireNonEmptyArray(where, `series[${i}].points`, s.points);
    for (const [j, point] of s.points.entries()) {
      const pages = requireNonNegative(where, `series[${i}].points[${j}].pagesTouched`, point?.pagesTouched);
      if (pages < 1) throw new InvalidArgumentError(`${where}: series[${i}].points[${j}].pagesTouched must be >= 1 (log axis), got ${pages}`);
      values.push({ series: label, pages, cycles: requireNonNegative(where, `series[${i}].points[${j}].cyclesPerAccess`, point.cyclesPerAccess) });
    }
  }
  const given = (options.reach ?? []).map((m, i) => ({
    label: requireLabel(where, `options.reach[${i}].label`, m?.label),
    pages: requireNonNegative(where, `options.reach[${i}].pages`, m.pages),
  }));
  // Markers at the same number of pages (two CPUs with 64-entry L1 TLBs) share one rule and one label.
  const markers = [...new Set(given.map((m) => m.pages))].map((pages) => ({
    pages,
    label: given.filter((m) => m.pages === pages).map((m) => m.label).join(" · "),
  }));
  const labels = series.map((s) => s.label);
  const title = options.title ?? "Cost per access against pages touched (TLB reach)";
  const x = { type: "quantitative" as const, scale: { type: "log" as const, base: 2 } };
  const spec = vegaLiteSpec({
    title,
    width: CHART_WIDTH,
    height: 280,
    layer: [
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x: { ...x, field: "pages", title: "pages touched", axis: { format: ",d" } },
          y: { field: "cycles", type: "quantitative", title: "cycles per access" },
          color: { field: "series", type: "nominal", sort: labels, title: null, scale: { range: CATEGORY_COLORS.slice(0, labels.length) } },
          tooltip: [
            { field: "series", type: "nominal" },
            { field: "pages", type: "quantitative", format: ",d" },
            { field: "cycles", type: "quantitative", format: ".2f" },
          ],
        },
      },
      ...(markers.length === 0
        ? []
        : [
            {
              data: { values: markers },
              layer: [
                {
                  mark: { type: "rule" as const, strokeDash: [4, 3], color: "#555" },
                  encoding: { x: { ...x, field: "pages" }, tooltip: [{ field: "label", type: "nominal" as const, title: "reach" }, { field: "pages", type: "quantitative" as const, format: ",d" }] },
                },
                // Labels stand above the plot, where no curve runs: read upwards from the top of their rule.
                {
                  mark: { type: "text" as const, angle: 270, align: "left" as const, baseline: "middle" as const, dx: 4, fontSize: 10, color: "#333" },
                  encoding: { x: { ...x, field: "pages" }, y: { value: 0 }, text: { field: "label" } },
                },
              ],
            },
          ]),
    ],
  });
  const text = [title, ...series.map((s) => `${s.label}: ` + s.points.map((p) => `${formatCount(p.pagesTouched)} pages ${p.cyclesPerAccess.toFixed(2)}`).join(", "))].join("\n");
  return new Chart(spec, title, text);
}
