// numpy statements run twice, step by step: in a real Python with numpy (a child process, read
// through /proc) and on the simulated twin of this host. Per step: ΔVmRSS, ΔVmSize, ΔRssAnon,
// AnonHugePages, Δminor faults and the named array's resident pages, and whether the two agree.
import { Machine, type Process } from "../kernel";
import type { Numpy, NDArray } from "../runtime";
import type { Chart } from "../charts";
import { machineFromHost, stockMachineLike } from "./from-host";
import { supported } from "./supported";
import { type ProbeOptions, resolveOptions } from "./options";
import { checkOptions, requireInteger } from "../validate";
import { parseNumpyProgram } from "./numpy-statements";
import { runNumpyChild, type RealArray, type RealNumpyRun, type RealStep } from "./numpy-child";
import { runTwin, type Placement, type SimulatedNumpy, type TwinRun, type TwinStep } from "./numpy-twin";
import { agreementOf, type Agreement, type Tolerance } from "./numpy-agreement";
import { numpyComparisonChart, numpyComparisonText } from "./numpy-report";

/** Options of {@link compareNumpy}: the real child's time limit, the noise measurement, and where the probe looks. */
export interface CompareNumpyOptions {
  /** The real child is killed (SIGKILL) after this many ms (default 120 000: 2 GiB arrays on a slow VM; at most 2**31 - 1). */
  timeoutMs?: number;
  /** How many times the empty statement `pass` is measured for the interpreter's noise (default 5; 0 to 1000). */
  repeatsForNoise?: number;
  /** Where the probe looks (tests point platform elsewhere to see the skipped real side). */
  probe?: ProbeOptions;
}

/** The named array's pages on one side. */
export interface NumpyArrayFigures {
  /** Pages its bytes span. */
  pages: number;
  /** Private pages (pagemap: present and exclusive). */
  resident: number;
  /** Pages mapping the zero page (pagemap: present, not exclusive). */
  zeroPage: number;
  /** smaps Rss and AnonHugePages (kB) of the mapping holding it (it may be merged with neighbours). */
  mappingRssKb: number | null;
  /** AnonHugePages of that mapping, kB; null when unreadable. */
  mappingAnonHugeKb: number | null;
}

/** One side's figures for one step: deltas across the statement, AnonHugePages after it. */
export interface NumpySideFigures {
  /** ΔVmRSS across the step, kB. */
  vmRssKb: number;
  /** ΔVmSize across the step, kB. */
  vmSizeKb: number;
  /** ΔRssAnon across the step, kB. */
  rssAnonKb: number;
  /** AnonHugePages after the step, kB (real: above what the interpreter had before statements[0]). */
  anonHugeKb: number;
  /** Minor faults the step caused. */
  minorFaults: number;
  /** The array the statement names, after it (null after `del`, for `pass`). */
  array: NumpyArrayFigures | null;
}

/** One simulated side of a comparison (the twin, or stock Linux): where the statements ran. */
export interface SimulatedSide {
  /** The simulated machine. */
  machine: Machine;
  /** The process the statements ran in. */
  process: Process;
  /** Its numpy. */
  numpy: Numpy;
  /** The arrays still bound after the last statement, by variable name. */
  arrays: Map<string, NDArray>;
}

/**
 * One statement of a numpy comparison: the real process's figures, the twin's and stock Linux's,
 * and whether the twin agrees with the real one.
 */
export interface NumpyCompareRow {
  /** The statement's position in the program, from 0. */
  step: number;
  /** The statement as written. */
  statement: string;
  /** The real process's figures, or null without a real side. */
  real: NumpySideFigures | null;
  /** The simulated twin of this host. */
  sim: NumpySideFigures;
  /** The same statement on stock Linux (the linux-x86_64 preset): what the textbook predicts. */
  stock: NumpySideFigures;
  /** Per figure, whether the twin matches the real process within tolerance (null without a real side). */
  agrees: Agreement | null;
  /** The tolerance the agreement was judged with (the interpreter's noise), or null without a real side. */
  tolerance: Tolerance | null;
}

/**
 * What {@link compareNumpy} returns: one row per statement, the three runs behind them, where this
 * host differs from the textbook, and a table and chart to show.
 */
export interface NumpyComparison {
  /** One row per statement, in order. */
  rows: NumpyCompareRow[];
  /** The real run (versions, noise, raw /proc figures per step), or why it was skipped. */
  real:
    | RealNumpyRun
    | {
        /** Why the real side did not run, with a hint to fix it. */
        skipped: string;
      };
  /** The simulated twin: machine, process, numpy and the arrays still bound (draw them with the heatmaps). */
  sim: SimulatedSide;
  /** The stock Linux simulation of the same statements (same numpy rules and placement). */
  stock: SimulatedSide;
  /** Statements after which the twin and stock Linux differ (ΔVmRSS, AnonHugePages, faults or the array's pages): where this host is not the textbook. */
  hostDiffers: string[];
  /** The interpreter's own noise (max over the `pass` runs), or null without a real side. */
  noise: {
    /** The largest VmRSS change, kB. */
    vmRssKb: number;
    /** The most minor faults. */
    minorFaults: number;
  } | null;
  /** The versions on each side: the real numpy and Python, and the numpy rules simulated. */
  versions: {
    /** The real numpy's version, or null without a real side. */
    numpy: string | null;
    /** The real Python's version, or null without a real side. */
    python: string | null;
    /** The interpreter that ran, or null without a real side. */
    interpreter: string | null;
    /** The numpy the simulator modelled, and why that one. */
    simulated: SimulatedNumpy;
  };
  /** Each new large array's offset within a 2 MiB frame, real and simulated. */
  placements: Placement[];
  /** True when every figure of every row agrees; null without a real side. */
  agreesEverywhere: boolean | null;
  /** How the comparison was made: the real side and the twin's rules, placement, and how agreement is judged. */
  note: string;
  /** A plain table, one line per step. */
  text: string;
  /** The rows as a chart: the real, twin and stock figures side by side. */
  chart: Chart;
}

function realArrayFigures(a: RealArray | null): NumpyArrayFigures | null {
  if (a === null) return null;
  const exclusive = a.array.exclusive ?? 0;
  return {
    pages: a.array.pages,
    resident: exclusive,
    zeroPage: (a.array.present ?? 0) - exclusive,
    mappingRssKb: a.mappingSmaps?.rssKb ?? null,
    mappingAnonHugeKb: a.mappingSmaps?.anonHugeKb ?? null,
  };
}

function realFigures(step: RealStep, hugeBaselineKb: number): NumpySideFigures {
  const { before, after } = step;
  return {
    vmRssKb: after.VmRSS - before.VmRSS,
    vmSizeKb: after.VmSize - before.VmSize,
    rssAnonKb: after.RssAnon - before.RssAnon,
    anonHugeKb: after.AnonHugePages - hugeBaselineKb,
    minorFaults: after.minorFaults - before.minorFaults,
    array: realArrayFigures(step.arrayAfter),
  };
}

function simFigures(step: TwinStep): NumpySideFigures {
  const { before, after, arrayAfter: a } = step;
  return {
    vmRssKb: after.VmRSS - before.VmRSS,
    vmSizeKb: after.VmSize - before.VmSize,
    rssAnonKb: after.RssAnon - before.RssAnon,
    anonHugeKb: after.AnonHugePages,
    minorFaults: after.minorFaults - before.minorFaults,
    array: a && { pages: a.pages, resident: a.resident, zeroPage: a.zeroPage, mappingRssKb: a.mapping?.rssKb ?? null, mappingAnonHugeKb: a.mapping?.anonHugeKb ?? null },
  };
}

/** The simulated twin of this host, or a default Linux machine where the host cannot be read. */
/** Whether two simulated sides give the same figures for a statement. */
function sameFigures(a: NumpySideFigures, b: NumpySideFigures): boolean {
  return (
    a.vmRssKb === b.vmRssKb &&
    a.anonHugeKb === b.anonHugeKb &&
    a.minorFaults === b.minorFaults &&
    (a.array?.resident ?? null) === (b.array?.resident ?? null) &&
    (a.array?.zeroPage ?? null) === (b.array?.zeroPage ?? null)
  );
}

function twinMachine(hostReadable: boolean): { machine: Machine; why: string } {
  if (!hostReadable) return { machine: new Machine(), why: "simulated on a default Linux x86-64 machine (this host cannot be probed)" };
  try {
    return { machine: machineFromHost(), why: "simulated on this host's twin (Machine.fromHost())" };
  } catch (error) {
    return { machine: new Machine(), why: `simulated on a default Linux x86-64 machine: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function placementNote(placements: Placement[], real: boolean): string {
  if (!real) return "arrays sit where the simulator puts them (no real addresses to follow)";
  if (placements.length === 0) return "no array needed placing";
  const hex = (n: number) => `+0x${n.toString(16)}`;
  const missed = placements.filter((p) => !p.matched);
  const at = (list: Placement[]) => list.map((p) => `${p.name} ${hex(p.real)}`).join(", ");
  if (missed.length === 0) return `each new array sits at the real one's offset within its 2 MiB frame: ${at(placements)}`;
  const placed = placements.filter((p) => p.matched);
  const missedText = missed.map((p) => `${p.name} ${hex(p.real)} (sim ${hex(p.sim)})`).join(", ");
  return `${missed.length} of ${placements.length} arrays could not be placed at the real offset within a 2 MiB frame: ${missedText}` +
    (placed.length > 0 ? `; placed: ${at(placed)}` : "");
}

/**
 * Runs numpy statements (see acceptedForms(); e.g. "l = np.zeros(2**28)", "np.add(l, 0, out=l)",
 * "f[-1] = 3", "del l") in a real Python with numpy and on the simulated twin of this host, and
 * compares them step by step. Statements outside the grammar, unknown names and indices outside
 * an array throw InvalidArgumentError before anything runs; a step that fails throws
 * StepFailedError naming it. Without Linux, Python or numpy the real side is { skipped: why }.
 * @example
 * ```ts
 * const cmp = probe.compareNumpy(["l = np.zeros(2**28)", "np.add(l, 0, out=l)", "del l"]);
 * show(cmp.chart);
 * console.log(cmp.text, cmp.agreesEverywhere);
 * ```
 */
export function compareNumpy(statements: readonly string[], options: CompareNumpyOptions = {}): NumpyComparison {
  const program = parseNumpyProgram(statements);
  checkOptions("compareNumpy", options, ["timeoutMs", "repeatsForNoise", "probe"]);
  if (options.timeoutMs !== undefined) requireInteger("compareNumpy", "options.timeoutMs", options.timeoutMs, 1, 2 ** 31 - 1, "[1, 2**31 - 1] (ms)");
  // the child refuses other counts too, but only after Python and numpy have started
  if (options.repeatsForNoise !== undefined) requireInteger("compareNumpy", "options.repeatsForNoise", options.repeatsForNoise, 0, 1000);
  resolveOptions("compareNumpy(options.probe)", options.probe, "options.probe");
  const support = supported(options.probe);
  const texts = program.map((s) => s.text);
  const outcome = support.ok
    ? runNumpyChild(texts, { timeoutMs: options.timeoutMs, repeatsForNoise: options.repeatsForNoise })
    : ({ ok: false, skipped: support.reason } as const);
  const real = outcome.ok ? outcome.run : null;
  const { machine, why: machineWhy } = twinMachine(support.ok);
  const twin: TwinRun = runTwin(machine, program, real);
  const stockRun: TwinRun = runTwin(stockMachineLike(machine), program, real);
  const hugeBaseline = real?.steps[0]?.before.AnonHugePages ?? 0;
  const noise = real ? { vmRssKb: Math.max(real.noise.vmRssKb, 0), minorFaults: Math.max(real.noise.minorFaults, 0) } : null;
  const rows: NumpyCompareRow[] = program.map(({ index, text }) => {
    const sim = simFigures(twin.steps[index]);
    const stock = simFigures(stockRun.steps[index]);
    const realRow = real ? realFigures(real.steps[index], hugeBaseline) : null;
    const judged = realRow && noise ? agreementOf(realRow, sim, noise) : null;
    return { step: index, statement: text, real: realRow, sim, stock, agrees: judged?.agrees ?? null, tolerance: judged?.tolerance ?? null };
  });
  const agreesEverywhere = real ? rows.every((r) => r.agrees !== null && r.agrees.vmRss && r.agrees.anonHuge && r.agrees.minorFaults) : null;
  const versions = { numpy: real?.numpy ?? null, python: real?.python.split(" ")[0] ?? null, interpreter: real?.interpreter ?? null, simulated: twin.rules };
  const note = [
    outcome.ok ? `real: numpy ${real?.numpy} in Python ${versions.python} (${real?.interpreter})` : `real side skipped: ${outcome.skipped}`,
    machineWhy,
    `simulator: ${twin.rules.why}; MADV_HUGEPAGE hint ${twin.rules.madviseHugepage ? "on" : "off"}`,
    placementNote(twin.placements, real !== null),
    real
      ? "agreement: ΔVmRSS within the interpreter's noise; AnonHugePages exact (real counted above the interpreter's own before statements[0]); minor faults within max(1% of the real count, the interpreter's noise)"
      : "agreement is not judged without a real side",
    ...(real && real.stderr.trim() !== "" ? [`the real Python wrote to stderr: ${real.stderr.trim().split("\n").pop()}`] : []),
  ].join("\n");
  const result: Omit<NumpyComparison, "text" | "chart"> = {
    rows,
    real: outcome.ok ? outcome.run : { skipped: outcome.skipped },
    sim: { machine: twin.machine, process: twin.process, numpy: twin.numpy, arrays: twin.arrays },
    stock: { machine: stockRun.machine, process: stockRun.process, numpy: stockRun.numpy, arrays: stockRun.arrays },
    hostDiffers: rows.filter((r) => !sameFigures(r.sim, r.stock)).map((r) => r.statement),
    noise,
    versions,
    placements: twin.placements,
    agreesEverywhere,
    note,
  };
  return { ...result, text: numpyComparisonText(result), chart: numpyComparisonChart(rows) };
}
