// RSS and VmSize (and the commit charge, where the OS keeps one) over the event log: one step per
// call, labelled with the call, so "mmap raised VmSize, the first write raised RSS" is plain.
import { InvalidArgumentError, describeValue } from "../errors";
import { Chart } from "./chart";
import { OKABE_ITO } from "./palette";
import { CHART_WIDTH, vegaLiteSpec } from "./spec";
import { ChartOptions, MemoryEvent } from "./types";
import { binaryTicks, formatAddress, formatBytes, formatBytesExpr, formatCount } from "./units";
import { requireInteger, requireNonEmptyArray, requireNonNegative } from "./validate";

/** Options of memoryTimelineChart. */
export interface TimelineOptions extends ChartOptions {
  /** Most calls to draw (default 120, at most 500); longer logs are thinned evenly, keeping the first and last. */
  maxEvents?: number;
  /** Status fields (e.g. Process.status()) listed in the text output as given. */
  status?: Readonly<Record<string, unknown>>;
}

const LABEL_LIMIT = 40;
// Up to this many calls every label is drawn; beyond, labels that would overlap are dropped.
const LABELS_ALWAYS_SHOWN = 30;

/** Formats one call argument: sizes in binary units, large addresses in hex. */
function formatArg(arg: unknown): string {
  if (typeof arg === "number" && Number.isInteger(arg)) {
    if (arg >= 2 ** 32) return formatAddress(arg);
    if (arg >= 1024 && arg % 1024 === 0) return formatBytes(arg);
    return String(arg);
  }
  if (typeof arg === "string") return arg;
  if (typeof arg === "boolean" || typeof arg === "bigint" || arg === null || arg === undefined) return String(arg);
  return "…";
}

/** The label of an event: its own, or "call(arg values)" (✗ when it failed), cut to LABEL_LIMIT characters. */
export function eventLabel(event: MemoryEvent): string {
  const args = Array.isArray(event.args) ? event.args : Object.values(event.args ?? {});
  const label = (event.label ?? `${event.call}(${args.map(formatArg).join(", ")})`) + (event.error === undefined ? "" : " ✗");
  return label.length > LABEL_LIMIT ? `${label.slice(0, LABEL_LIMIT - 1)}…` : label;
}

/** Formats a status field as given (numbers grouped: the status says its own units). */
function formatStatusValue(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) ? formatCount(value) : String(value);
}

/** Indexes of at most `max` events, evenly spaced, always with the first and the last. */
function thin(count: number, max: number): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: max }, (_, j) => Math.round((j * (count - 1)) / (max - 1)));
}

/**
 * Plots VmRSS, VmSize and (when any event has one) the commit charge after each call of the
 * event log; returns the chart, whose text lists the calls and, if given, the status.
 */
export function memoryTimelineChart(events: readonly MemoryEvent[], options: TimelineOptions = {}): Chart {
  const where = "memoryTimelineChart";
  requireNonEmptyArray(where, "events", events);
  const maxEvents = requireInteger(where, "options.maxEvents", options.maxEvents ?? 120, 2, 500);
  for (const [i, event] of events.entries()) {
    if (event === null || typeof event !== "object" || typeof event.call !== "string") {
      throw new InvalidArgumentError(`${where}: events[${i}] must have a call name, got ${describeValue(event)}`);
    }
    requireNonNegative(where, `events[${i}].VmRSS`, event.VmRSS);
    requireNonNegative(where, `events[${i}].VmSize`, event.VmSize);
    if (event.Commit !== undefined) requireNonNegative(where, `events[${i}].Commit`, event.Commit);
  }
  const hasCommit = events.some((e) => e.Commit !== undefined);
  const shown = thin(events.length, maxEvents);
  // The log counts kB, like /proc/PID/status; the chart plots bytes.
  const values = shown.map((i) => {
    const e = events[i];
    const row: Record<string, string | number> = { step: `${i + 1}. ${eventLabel(e)}`, VmRSS: e.VmRSS * 1024, VmSize: e.VmSize * 1024 };
    if (hasCommit) row.Commit = (e.Commit ?? 0) * 1024;
    return row;
  });
  const metrics = hasCommit ? ["VmSize", "Commit", "VmRSS"] : ["VmSize", "VmRSS"];
  const colors = hasCommit ? [OKABE_ITO.blue, OKABE_ITO.bluishGreen, OKABE_ITO.vermillion] : [OKABE_ITO.blue, OKABE_ITO.vermillion];
  const last = events[events.length - 1];
  const yTicks = binaryTicks(Math.max(...values.map((row) => Math.max(Number(row.VmRSS), Number(row.VmSize), Number(row.Commit ?? 0)))));
  const title = options.title ?? "Memory after each call";
  const subtitle =
    `now VmRSS ${formatBytes(last.VmRSS * 1024)}, VmSize ${formatBytes(last.VmSize * 1024)}` +
    (last.Commit === undefined ? "" : `, commit ${formatBytes(last.Commit * 1024)}`) +
    (shown.length < events.length ? ` (showing ${shown.length} of ${events.length} calls)` : "");
  const spec = vegaLiteSpec({
    title: { text: title, subtitle },
    width: CHART_WIDTH,
    height: 260,
    data: { values },
    transform: [
      { fold: metrics, as: ["metric", "bytes"] },
      { calculate: formatBytesExpr("datum.bytes"), as: "size" },
    ],
    mark: { type: "line", interpolate: "step-after", point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: "step",
        type: "ordinal",
        sort: null,
        title: "call",
        axis: { labelAngle: -35, labelAlign: "right", labelLimit: 220, labelOverlap: shown.length > LABELS_ALWAYS_SHOWN ? "greedy" : false },
      },
      y: {
        field: "bytes",
        type: "quantitative",
        title: "bytes",
        scale: { domain: [0, yTicks[yTicks.length - 1]], nice: false },
        axis: { values: yTicks, labelExpr: formatBytesExpr("datum.value") },
      },
      color: { field: "metric", type: "nominal", title: null, scale: { domain: metrics, range: colors }, legend: { orient: "top" } },
      tooltip: [
        { field: "step", type: "nominal", title: "call" },
        { field: "metric", type: "nominal" },
        { field: "size", type: "nominal" },
      ],
    },
  });
  const lines = shown.map((i) => {
    const e = events[i];
    return `${i + 1}. ${eventLabel(e)}: VmRSS ${formatBytes(e.VmRSS * 1024)}, VmSize ${formatBytes(e.VmSize * 1024)}` +
      (e.Commit === undefined ? "" : `, commit ${formatBytes(e.Commit * 1024)}`);
  });
  const status = Object.entries(options.status ?? {}).map(([key, value]) => `${key}: ${formatStatusValue(value)}`);
  const text = [`${title}: ${subtitle}`, ...status, ...lines].join("\n");
  return new Chart(spec, title, text);
}
