// The same experiment on a real typed array of this process, on the simulator built from this
// host (Machine.fromHost + the Node runtime) and on stock Linux, step by step: resident pages and
// minor faults, real vs twin with the difference (the check that the simulator says what the
// kernel does), and stock Linux beside them (where this host is not the textbook).
import { InternalCheckError, InvalidArgumentError, describeValue, isArray } from "../errors";
import { checkOptions, requireInteger } from "../validate";
import { Machine, PageState, type Process } from "../kernel";
import { CHUNK_HDR_SZ } from "../libc/constants";
import { node, type NDArray } from "../runtime";
import { Chart, OKABE_ITO } from "../charts";
import { alloc, type ProbedArray } from "./alloc";
import { minorFaults } from "./counters";
import { residency } from "./residency";
import { supported } from "./supported";
import { machineFromHost, stockMachineLike } from "./from-host";

/** One step: elements written (set to 1) and elements read, by index into the Float64Array. */
export interface CompareStep {
  /** The step's name in the table and chart. */
  label: string;
  /** Indices of the elements set to 1. */
  write?: readonly number[];
  /** Indices of the elements read. */
  read?: readonly number[];
}

/** An experiment for {@link compare}: a Float64Array's length and the steps that touch it. */
export interface CompareExperiment {
  /** Float64Array length (the real array and the simulated one). */
  elements: number;
  /** The steps, run in order on every side. */
  steps: readonly CompareStep[];
}

/** One side's figures for one step of {@link compare}; null where the host hides them. */
export interface SideFigures {
  /** Pages of the array's mapping counted in RSS. */
  resident: number | null;
  /** Pages mapped to the zero page. */
  zeroPage: number | null;
  /** Minor faults during the step (null on the "allocate" row: the allocation is made before
   *  the steps, with the probe's calibration writes on the real side). */
  faults: number | null;
}

/** One step of {@link compare}: the real array, the twin and stock Linux. */
export interface CompareRow {
  /** The step's label. */
  step: string;
  /** The real array's figures, or null off Linux. */
  real: SideFigures | null;
  /** The simulated twin of this host (Machine.fromHost: its measured fault rules). */
  sim: SideFigures;
  /** The same step on a stock Linux machine (the linux-x86_64 preset): what the textbook predicts. */
  stock: SideFigures;
  /** real.resident - sim.resident, when both are known. */
  residentDiff: number | null;
}

/** What {@link compare} returns: one row per step, the arrays behind them, and a table and chart to show. */
export interface Comparison {
  /** One row per step, in order. */
  rows: CompareRow[];
  /** The real array and its mapping (null off Linux): probe.snapshot(real) draws it. */
  real: ProbedArray<Float64Array> | null;
  /** The simulated twin: its process and array (draw with arrayHeatmapChart or residencyHeatmapChart). */
  sim: {
    /** The simulated process the steps ran in. */
    process: Process;
    /** The twin's Float64Array. */
    array: NDArray;
  };
  /** The stock Linux simulation of the same steps. */
  stock: {
    /** The simulated process the steps ran in. */
    process: Process;
    /** Stock Linux's Float64Array. */
    array: NDArray;
  };
  /** Steps where the twin and stock Linux differ in resident pages: where this host is not the textbook. */
  hostDiffers: string[];
  /** Why the real column is missing, or notes on how it was read. */
  note: string;
  /** The rows as a chart: real, twin and stock side by side. */
  chart: Chart;
  /** Text table, one line per step. */
  text: string;
}

function checkExperiment(exp: CompareExperiment): void {
  if (exp === null || typeof exp !== "object" || isArray(exp)) {
    throw new InvalidArgumentError(`compare(experiment): experiment must be { elements, steps }, got ${describeValue(exp)}`);
  }
  const where = "compare(experiment)";
  checkOptions(where, exp, ["elements", "steps"]);
  if (!Number.isInteger(exp.elements) || exp.elements < 1 || exp.elements > 2 ** 28) {
    throw new InvalidArgumentError(`${where}: elements must be an integer in 1..2**28, got ${describeValue(exp.elements)}`);
  }
  if (!isArray(exp.steps) || exp.steps.length === 0) throw new InvalidArgumentError(`${where}: steps must be a non-empty array, got ${describeValue(exp.steps)}`);
  for (const [k, step] of exp.steps.entries()) {
    if (step === null || typeof step !== "object" || isArray(step)) {
      throw new InvalidArgumentError(`${where}: steps[${k}] must be { label, write?, read? }, got ${describeValue(step)}`);
    }
    // a misspelt key ("writes") would leave the step doing nothing
    checkOptions(`${where}: steps[${k}]`, step, ["label", "write", "read"]);
    if (typeof step.label !== "string") throw new InvalidArgumentError(`${where}: steps[${k}].label must be a string, got ${describeValue(step.label)}`);
    for (const key of ["write", "read"] as const) {
      const list: unknown = step[key];
      if (list === undefined) continue;
      if (!isArray(list)) throw new InvalidArgumentError(`${where}: steps[${k}].${key} must be an array of element indices, got ${describeValue(list)}`);
      for (const i of list) {
        if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= exp.elements) {
          throw new InvalidArgumentError(`${where}: steps[${k}] index ${describeValue(i)} is outside 0..${exp.elements - 1}`);
        }
      }
    }
  }
}

/** The page sizes {@link everyNthPage} takes: those of the simulated machines compare() runs on. */
const PAGE_SIZES: readonly number[] = [4096, 16384, 65536];

/**
 * Indices of the first element on every `every`-th page of a Float64Array whose data starts
 * CHUNK_HDR_SZ (16) bytes into its mapping. `elements` is bounded as compare() bounds it (2**28),
 * so the list holds at most one index per page: 524 289 with 4 KiB pages.
 */
export function everyNthPage(elements: number, every: number, pageSize = 4096): number[] {
  requireInteger("everyNthPage", "elements", elements, 0, 2 ** 28, "[0, 2**28] (the lengths compare() takes)");
  requireInteger("everyNthPage", "every", every, 1, Number.MAX_SAFE_INTEGER, "[1, 2**53 - 1]");
  if (!PAGE_SIZES.includes(pageSize)) {
    throw new InvalidArgumentError(`everyNthPage: pageSize must be 4096, 16384 or 65536 (bytes), got ${describeValue(pageSize)}`);
  }
  const out: number[] = [];
  const pages = Math.ceil((elements * 8 + CHUNK_HDR_SZ) / pageSize);
  for (let p = 0; p < pages; p += every) {
    const i = Math.max(0, Math.ceil((p * pageSize - CHUNK_HDR_SZ) / 8));
    if (i < elements) out.push(i);
  }
  return out;
}

function simFigures(proc: Process, start: number, length: number, faults: number | null): SideFigures {
  const s = proc.residencySummary(start, length, 1);
  return {
    resident: s.counts[PageState.Resident][0] + s.counts[PageState.Huge][0],
    zeroPage: s.counts[PageState.ZeroPage][0] + s.counts[PageState.HugeZero][0],
    faults,
  };
}

/**
 * Runs `experiment` on a real Float64Array and on the simulator, and returns per-step figures,
 * a chart and a text table. Off Linux the real column is null and the note says why.
 * @example
 * ```ts
 * const cmp = probe.compare({
 *   elements: 2 ** 20,
 *   steps: [{ label: "read all", read: [0, 1 << 19] }, { label: "write one", write: [0] }],
 * });
 * show(cmp.chart);
 * ```
 */
export function compare(experiment: CompareExperiment): Comparison {
  checkExperiment(experiment);
  const support = supported();
  const machine = support.ok ? machineFromHost() : new Machine();
  const proc = machine.spawn();
  const arr = node(proc).typedArray("Float64Array", experiment.elements);
  const stockProc = stockMachineLike(machine).spawn();
  const stockArr = node(stockProc).typedArray("Float64Array", experiment.elements);
  const mappingStart = arr.address - CHUNK_HDR_SZ;
  const mappingLength = Math.ceil((experiment.elements * 8 + CHUNK_HDR_SZ) / proc.pageSize) * proc.pageSize;
  const real = support.ok ? alloc(Float64Array, experiment.elements) : null;
  const note = !support.ok ? `real machine skipped: ${support.reason}` : real && real.ok ? real.note : `real mapping not identified: ${real?.note}`;
  const rows: CompareRow[] = [];
  const stepsWithStart: CompareStep[] = [{ label: "allocate" }, ...experiment.steps];
  let sink = 0;
  for (const [index, step] of stepsWithStart.entries()) {
    // The allocation happened above, with the real side's calibration writes (alloc): its faults
    // are not comparable, so the "allocate" row shows none on any side ("—")
    const counted = index > 0;
    const simFaults0 = proc.counters.minorFaults;
    const stockFaults0 = stockProc.counters.minorFaults;
    const realFaults0 = real?.ok ? minorFaults() : null;
    for (const i of step.write ?? []) {
      arr.set(i, 1);
      stockArr.set(i, 1);
      if (real?.ok) real.array[i] = 1;
    }
    for (const i of step.read ?? []) {
      sink += arr.get(i) + stockArr.get(i);
      if (real?.ok) sink += real.array[i];
    }
    const realFaults1 = real?.ok ? minorFaults() : null;
    const sim = simFigures(proc, mappingStart, mappingLength, counted ? proc.counters.minorFaults - simFaults0 : null);
    const stock = simFigures(stockProc, stockArr.address - CHUNK_HDR_SZ, mappingLength, counted ? stockProc.counters.minorFaults - stockFaults0 : null);
    let realFigures: SideFigures | null = null;
    if (real?.ok) {
      const r = residency(real);
      const faults = counted && realFaults0 && realFaults0.ok && realFaults1 && realFaults1.ok ? realFaults1.minorFaults - realFaults0.minorFaults : null;
      realFigures = r.ok ? { resident: r.totals.resident, zeroPage: r.totals.zeroPage, faults } : null;
    }
    const residentDiff = realFigures?.resident != null && sim.resident !== null ? realFigures.resident - sim.resident : null;
    rows.push({ step: step.label, real: realFigures, sim, stock, residentDiff });
  }
  if (Number.isNaN(sink)) throw new InternalCheckError("unreachable: reads return numbers"); // keeps the reads from being optimised away
  const text = [
    "step | resident real | resident twin | diff | resident stock Linux | faults real | faults twin",
    ...rows.map(
      (r) => `${r.step} | ${r.real?.resident ?? "—"} | ${r.sim.resident} | ${r.residentDiff ?? "—"} | ${r.stock.resident} | ${r.real?.faults ?? "—"} | ${r.sim.faults ?? "—"}`,
    ),
  ].join("\n");
  const hostDiffers = rows.filter((r) => r.sim.resident !== r.stock.resident).map((r) => r.step);
  return {
    rows, real, sim: { process: proc, array: arr }, stock: { process: stockProc, array: stockArr }, hostDiffers, note, chart: comparisonChart(rows), text,
  };
}

function comparisonChart(rows: CompareRow[]): Chart {
  const values = rows.flatMap((r, order) => [
    { step: r.step, order, side: "stock Linux (simulated)", resident: r.stock.resident },
    { step: r.step, order, side: "this host's twin (simulated)", resident: r.sim.resident },
    ...(r.real?.resident != null ? [{ step: r.step, order, side: "real machine", resident: r.real.resident }] : []),
  ]);
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Resident pages of the array after each step: real machine, its twin and stock Linux",
    width: 480,
    height: 220,
    data: { values },
    mark: { type: "bar" },
    encoding: {
      y: { field: "step", type: "nominal", sort: { field: "order" }, title: null },
      yOffset: { field: "side" },
      x: { field: "resident", type: "quantitative", title: "resident pages (4 KiB)" },
      color: {
        field: "side",
        type: "nominal",
        scale: {
          domain: ["stock Linux (simulated)", "this host's twin (simulated)", "real machine"],
          range: [OKABE_ITO.bluishGreen, OKABE_ITO.skyBlue, OKABE_ITO.orange],
        },
        title: null,
      },
    },
  };
  return new Chart(spec, "real vs simulated residency", rows.map((r) => `${r.step}: real ${r.real?.resident ?? "—"}, twin ${r.sim.resident}, stock ${r.stock.resident}`).join("\n"));
}
