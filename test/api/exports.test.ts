// The public API is a decision, not an accident: the root's exports (values and types) equal the
// list below, each one is described in README.md's "API" section, the internals stay out of reach
// (from the root and from its namespaces), and every chart factory follows one pattern.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import * as root from "../../src";
import { publicApi } from "./public-api";

const ROOT_DIR = path.join(__dirname, "..", "..");

/** Every name src/index.ts exports, values and types (a type-only export counts too). */
const ROOT_EXPORTS = [
  // The machine and its processes.
  "Machine", "PRESET_NAMES", "PageState",
  "Process", "MachineOptions", "PresetName", "ProcessStatus", "Meminfo", "KernelCounters", "KernelEvent", "Phase",
  "CPU_NAMES", "cpuPreset", "customCpu", "CpuName", "CpuPreset", "CpuOverrides",
  // Runtimes.
  "numpy", "node", "libcOf", "NDArray", "Numpy", "NumpyOptions", "NodeRuntime", "DTypeName", "Allocator",
  // Experiments.
  "tlbReachExperiment", "sweepExperiment",
  "ExperimentMachineOptions", "ReachOptions", "ReachResult", "SweepOptions", "SweepResult",
  // Charts and display.
  "residencyHeatmapChart", "arrayHeatmapChart", "frameMapChart", "memoryTimelineChart", "pageTableChart",
  "residencyComparisonChart", "tlbHitsChart", "tlbPhasesChart", "cyclesByCauseChart", "tlbReachChart", "residencyStepsChart",
  "workingSetChart",
  "Chart", "HeatmapChart", "FrameMapChart", "ChartOptions", "TlbPhase", "ResidencyPanel",
  "show", "Claims", "ClaimError",
  // Errors.
  "PagelabError", "InvalidArgumentError", "OutOfMemoryError", "SegmentationFault", "ProcessKilledError",
  "ProcessExitedError", "UseAfterFreeError", "HeapCorruptionError", "InternalCheckError", "UnsupportedError", "IndexError", "ValueError", "MemoryError",
  "StepFailedError", "PagelabErrorKind",
  // Namespaces.
  "hardware", "kernel", "libc", "charts", "probe", "capture", "exercises",
];

const NAMESPACES = ["hardware", "kernel", "libc", "charts", "probe", "capture", "exercises"];

/** Internals that no export of the package reaches, from the root or through a namespace. */
const INTERNALS = [
  "PhysicalMemory", "leafPermits", "seededRandom", "SeededPermutation", "installDisplay", "registerDisplay",
  "describeValue", "didYouMean", "PageTable", "Mm", "machineFromHost", "hostMachineOptions",
  "runNumpyChild", "numpyInterpreter", "NUMPY_CHILD_SCRIPT", "simulatedNumpy", "prepareRenderer",
  "formatBytesExpr", "binaryTicks", "heatmapRows", "requireInteger", "buildMmuStats", "MmuCounters",
  "resolveCpu", "ownedBuffer", "shapeSize", "arrayHeatmap", "residencyHeatmapSpec", "measure",
];
// residencyHeatmapSpec and measure are fine inside their namespaces (charts, kernel): only the root must not carry them.
const ROOT_ONLY_INTERNALS = new Set(["residencyHeatmapSpec", "measure"]);

let checker: ts.TypeChecker;
let rootSymbol: ts.Symbol;

beforeAll(() => {
  ({ checker, rootSymbol } = publicApi());
}, 60_000);

/** The names a module symbol exports (values and types). */
function exportsOf(module: ts.Symbol): string[] {
  return checker.getExportsOfModule(module).map((s) => s.name).sort();
}

/** The module a namespace export of the root stands for. */
function namespaceModule(name: string): ts.Symbol {
  const symbol = checker.getExportsOfModule(rootSymbol).find((s) => s.name === name);
  if (symbol === undefined) throw new Error(`no export ${name}`);
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** README.md's "## API" section, up to the next second-level heading. */
function apiSection(): string {
  const readme = fs.readFileSync(path.join(ROOT_DIR, "README.md"), "utf8");
  const start = readme.indexOf("\n## API\n");
  if (start < 0) throw new Error('README.md has no "## API" section');
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe("the root's exports", () => {
  it("are exactly the committed list (values and types)", () => {
    expect(exportsOf(rootSymbol)).toEqual([...ROOT_EXPORTS].sort());
  });

  it("at run time: the committed list's values, nothing else", () => {
    const values = Object.keys(root).sort();
    expect(values.length).toBeLessThan(ROOT_EXPORTS.length);
    for (const name of values) expect(ROOT_EXPORTS).toContain(name);
    for (const name of NAMESPACES) expect(typeof (root as Record<string, unknown>)[name]).toBe("object");
  });

  it("are each described in README.md's API section", () => {
    const section = apiSection();
    const missing = ROOT_EXPORTS.filter((name) => !new RegExp("`" + name + "\\b").test(section));
    expect(missing).toEqual([]);
  });

  it("reach none of the internals, from the root or through a namespace", () => {
    const rootNames = exportsOf(rootSymbol);
    const runtimeRoot = root as unknown as Record<string, Record<string, unknown>>;
    for (const name of INTERNALS) {
      expect(rootNames, `root exports ${name}`).not.toContain(name);
      if (ROOT_ONLY_INTERNALS.has(name)) continue;
      for (const ns of NAMESPACES) {
        expect(exportsOf(namespaceModule(ns)), `${ns} exports ${name}`).not.toContain(name);
        expect(Object.keys(runtimeRoot[ns]), `${ns} exports ${name} at run time`).not.toContain(name);
      }
    }
  });

  it("give one way to the host's twin: Machine.fromHost(), and probe.machineOptionsFor for recorded facts", () => {
    expect(typeof (root.Machine as unknown as { fromHost?: unknown }).fromHost).toBe("function");
    expect(typeof root.probe.machineOptionsFor).toBe("function");
    expect(Object.keys(root.probe)).not.toContain("machineFromHost");
    expect(Object.keys(root.probe)).not.toContain("hostMachineOptions");
  });
});

describe("chart factories: one pattern", () => {
  const factories = Object.keys(root).filter((name) => /Chart$/.test(name) && typeof (root as Record<string, unknown>)[name] === "function");

  it("every root function named xxxChart is a chart factory, and the charts namespace has the same ones", () => {
    expect(factories.sort()).toEqual([
      "arrayHeatmapChart", "cyclesByCauseChart", "frameMapChart", "memoryTimelineChart", "pageTableChart",
      "residencyComparisonChart", "residencyHeatmapChart", "residencyStepsChart", "tlbHitsChart", "tlbPhasesChart", "tlbReachChart",
      "workingSetChart",
    ]);
    for (const name of factories) expect((root.charts as Record<string, unknown>)[name]).toBe((root as Record<string, unknown>)[name]);
  });

  it("each takes (subject, options) with options.title and returns a Chart with that title", () => {
    const machine = new root.Machine({ seed: 1 });
    const proc = machine.spawn();
    const np = root.numpy(proc);
    const a = np.zeros(4096);
    a[-1] = 1;
    const phase = proc.measure(() => a.sum(), "sum");
    const tlbPhase = { label: "sum", accesses: phase.accesses, tlb: { L1: phase.tlb.l1d, L2: phase.tlb.l2 }, cycles: phase.cycles };
    const panel = { label: "a", summary: proc.residencySummary(a.address, a.nbytes, 8), start: a.address, pageSize: proc.pageSize };
    const calls: Record<string, (title: { title: string }) => root.Chart> = {
      residencyHeatmapChart: (o) => root.residencyHeatmapChart(proc, a.address, a.nbytes, o),
      arrayHeatmapChart: (o) => root.arrayHeatmapChart(a, o),
      frameMapChart: (o) => root.frameMapChart(proc, a.address, a.nbytes, o),
      memoryTimelineChart: (o) => root.memoryTimelineChart(proc.events, o),
      pageTableChart: (o) => root.pageTableChart(proc.pageTableLevels(), o),
      residencyComparisonChart: (o) => root.residencyComparisonChart([panel, { ...panel, label: "b" }], o),
      tlbHitsChart: (o) => root.tlbHitsChart([tlbPhase], o),
      tlbPhasesChart: (o) => root.tlbPhasesChart([tlbPhase], o),
      cyclesByCauseChart: (o) => root.cyclesByCauseChart([tlbPhase], o),
      tlbReachChart: (o) => root.tlbReachChart([{ label: "4K", points: [{ pagesTouched: 1, cyclesPerAccess: 1 }] }], o),
      residencyStepsChart: (o) => root.residencyStepsChart(a, [() => a.set(0, 2)], o),
      workingSetChart: (o) => root.workingSetChart(root.kernel.workingSetCurve([1, 2, 1, 3]), o),
    };
    expect(Object.keys(calls).sort()).toEqual(factories.sort());
    for (const [name, call] of Object.entries(calls)) {
      const chart = call({ title: `title of ${name}` });
      expect(chart, name).toBeInstanceOf(root.charts.Chart);
      expect(chart.title, name).toBe(`title of ${name}`);
    }
  });

  it("arrayHeatmapChart draws the array's pages from its allocator header, as residencyHeatmapChart would", () => {
    const proc = new root.Machine({ seed: 2 }).spawn();
    const a = root.numpy(proc).zeros(100_000);
    a[500] = 1;
    const first = Math.floor((a.address - 16) / proc.pageSize) * proc.pageSize;
    const last = Math.ceil((a.address + a.nbytes) / proc.pageSize) * proc.pageSize;
    const byHand = root.residencyHeatmapChart(proc, first, last - first, {
      title: "t",
      bounds: [{ start: a.address, end: a.address + a.nbytes, label: "array" }],
      annotations: [{ addr: a.address - 16, length: 16, label: "allocator header" }],
    });
    const chart = root.arrayHeatmapChart(a, { title: "t" });
    expect(chart.spec).toEqual(byHand.spec);
    expect(chart.text).toBe(byHand.text);
    expect(root.arrayHeatmapChart(a).title).toBe(`float64 array of 100,000 elements at 0x${a.address.toString(16)}`);
    expect(() => root.arrayHeatmapChart(null as never)).toThrow(root.InvalidArgumentError);
  });
});
