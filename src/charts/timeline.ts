// RSS and VmSize (and the commit charge, where the OS keeps one) over the event log: one step per
// call, labelled with the call, so "mmap raised VmSize, the first write raised RSS" is plain.
import { InvalidArgumentError, describeValue, isArray } from "../errors";
import { Chart } from "./chart";
import { OKABE_ITO } from "./palette";
import { CHART_WIDTH, vegaLiteSpec } from "./spec";
import { ChartOptions, MemoryEvent } from "./types";
import { binaryTicks, bytesEncoding, formatAddress, formatBytes, formatBytesExpr, formatCount } from "./units";
import { checkChartOptions, requireInteger, requireNonEmptyArray, requireNonNegative } from "./validate";

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

/** A call name that is already a statement ("a[-1] = 3", "a.max()", "512 x malloc(16 KiB)") is shown as it is. */
const isStatement = (call: string): boolean => /[^\w.]/.test(call);

/** Formats a call's arguments: in order, named ones by value; a flag given by name shows as name=true, or not at all when false. */
function formatArgs(args: MemoryEvent["args"]): string {
  if (Array.isArray(args)) return args.map(formatArg).join(", ");
  return Object.entries(args ?? {})
    .filter(([, value]) => value !== false)
    .map(([name, value]) => (value === true ? `${name}=true` : formatArg(value)))
    .join(", ");
}

/**
 * The label of an event, as the program made the call: its own label, the call itself when it is
 * already a statement, or "call(arg values)"; ✗ when it failed; cut to 40 characters.
 *
 * @example
 * eventLabel({ call: "np.zeros", args: { shape: "268435456", dtype: "float64" }, VmRSS: 8, VmSize: 2097160 }); // "np.zeros(268435456, float64)"
 * eventLabel({ call: "a[-1] = 3", args: { addr: 0x7ffff7ffe008 }, VmRSS: 12, VmSize: 2097160 }); // "a[-1] = 3"
 */
export function eventLabel(event: MemoryEvent): string {
  const call = event.label ?? (isStatement(event.call) ? event.call : `${event.call}(${formatArgs(event.args)})`);
  const label = call + (event.error === undefined ? "" : " ✗");
  return label.length > LABEL_LIMIT ? `${label.slice(0, LABEL_LIMIT - 1)}…` : label;
}

// The C library's start-up in a new process: the first sbrk of the heap, then writes and a memset
// of its own bookkeeping (glibc's tcache), before the program's first call (REFERENCE §1.1).
const START_UP_CALLS = new Set(["sbrk", "write", "memset"]);

/**
 * The events a user made, in order: each process's start-up (its leading run of C-library calls,
 * from the first sbrk) folded into one "python started" event (or "program started" for a
 * process without numpy calls), with the figures after the last call it folds.
 */
export function userEvents(events: readonly MemoryEvent[]): MemoryEvent[] {
  const seen = new Set<number | undefined>();
  const out: MemoryEvent[] = [];
  let i = 0;
  while (i < events.length) {
    const event = events[i];
    const first = !seen.has(event.pid);
    seen.add(event.pid);
    let last = i;
    if (first && event.call === "sbrk") {
      while (last + 1 < events.length && events[last + 1].pid === event.pid && START_UP_CALLS.has(events[last + 1].call)) last++;
      const python = events.some((e) => e.pid === event.pid && e.call.includes("np.")); // "np.add", "l = np.zeros(...)"
      const label = python ? "python started" : "program started";
      out.push({ ...events[last], call: label, args: [], label });
    } else {
      out.push(event);
    }
    i = last + 1;
  }
  return out;
}

/** Formats a status field as given (numbers grouped: the status says its own units). */
function formatStatusValue(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) ? formatCount(value) : String(value);
}

/** Anything with an event log, such as a process (its own events) or a machine (every process's). */
export interface EventSource {
  /** The events, oldest first. */
  readonly events: readonly MemoryEvent[];
}

function isEventSource(value: unknown): value is EventSource {
  return value !== null && typeof value === "object" && !isArray(value) && "events" in value && isArray((value as EventSource).events);
}

/** Indexes of at most `max` events, evenly spaced, always with the first and the last. */
function thin(count: number, max: number): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: max }, (_, j) => Math.round((j * (count - 1)) / (max - 1)));
}

/**
 * Plots VmRSS, VmSize and (when any event has one) the commit charge after each call of the
 * event log — `proc.events` (filtered as you like), or the process itself for all its events —
 * and returns the chart, whose text lists the calls and, if given, the status.
 */
export function memoryTimelineChart(subject: readonly MemoryEvent[] | EventSource, options: TimelineOptions = {}): Chart {
  const where = "memoryTimelineChart";
  const events = isEventSource(subject) ? subject.events : subject;
  checkChartOptions<TimelineOptions>(where, options, ["title", "maxEvents", "status"]);
  if (options.status !== undefined && (options.status === null || typeof options.status !== "object" || isArray(options.status))) {
    throw new InvalidArgumentError(`${where}: options.status must be an object of status fields, got ${describeValue(options.status)}`);
  }
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
  const steps = userEvents(events);
  const hasCommit = steps.some((e) => e.Commit !== undefined);
  const pids = [...new Set(steps.map((e) => e.pid))];
  // Several processes: one line per pid (dashed apart), each call labelled with its pid.
  const several = pids.length > 1;
  const label = (e: MemoryEvent, i: number): string => `${i + 1}. ${several ? `pid ${e.pid}: ` : ""}${eventLabel(e)}`;
  const shown = thin(steps.length, maxEvents);
  // The log counts kB, like /proc/PID/status; the chart plots bytes.
  const values = shown.map((i) => {
    const e = steps[i];
    const row: Record<string, string | number> = { step: label(e, i), VmRSS: e.VmRSS * 1024, VmSize: e.VmSize * 1024 };
    if (hasCommit) row.Commit = (e.Commit ?? 0) * 1024;
    if (several) row.pid = `pid ${e.pid}`;
    return row;
  });
  const metrics = hasCommit ? ["VmSize", "Commit", "VmRSS"] : ["VmSize", "VmRSS"];
  const colors = hasCommit ? [OKABE_ITO.blue, OKABE_ITO.bluishGreen, OKABE_ITO.vermillion] : [OKABE_ITO.blue, OKABE_ITO.vermillion];
  const yTicks = binaryTicks(Math.max(...values.map((row) => Math.max(Number(row.VmRSS), Number(row.VmSize), Number(row.Commit ?? 0)))));
  const title = options.title ?? "Memory after each call";
  const now = (e: MemoryEvent): string =>
    `VmRSS ${formatBytes(e.VmRSS * 1024)}, VmSize ${formatBytes(e.VmSize * 1024)}` + (e.Commit === undefined ? "" : `, commit ${formatBytes(e.Commit * 1024)}`);
  const lastOf = (pid: number | undefined): MemoryEvent => steps.filter((e) => e.pid === pid).at(-1) as MemoryEvent;
  const subtitle =
    (several ? pids.map((pid) => `pid ${pid} now ${now(lastOf(pid))}`).join("; ") : `now ${now(steps[steps.length - 1])}`) +
    (shown.length < steps.length ? ` (showing ${shown.length} of ${steps.length} calls)` : "");
  const spec = vegaLiteSpec({
    title: { text: title, subtitle },
    width: CHART_WIDTH,
    height: 260,
    data: { values },
    transform: [
      { fold: metrics, as: ["metric", "bytes"] },
      { calculate: formatBytesExpr("datum.bytes"), as: "size" },
      { calculate: "datum.bytes / 1024", as: "kB" },
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
      y: bytesEncoding("bytes", "bytes", yTicks),
      color: { field: "metric", type: "nominal", title: null, scale: { domain: metrics, range: colors }, legend: { orient: "top" } },
      ...(several ? { strokeDash: { field: "pid", type: "nominal" as const, title: null, legend: { orient: "top" as const, symbolType: "stroke", symbolStrokeWidth: 2 } } } : {}),
      tooltip: [
        { field: "step", type: "nominal", title: "call" },
        { field: "metric", type: "nominal" },
        { field: "size", type: "nominal" },
        { field: "kB", type: "quantitative", title: "exact (kB)", format: ",d" },
      ],
    },
  });
  const lines = shown.map((i) => `${label(steps[i], i)}: ${now(steps[i])}`);
  const status = Object.entries(options.status ?? {}).map(([key, value]) => `${key}: ${formatStatusValue(value)}`);
  const text = [`${title}: ${subtitle}`, ...status, ...lines].join("\n");
  return new Chart(spec, title, text);
}
