// Scenario 1, the founding question at full size: np.zeros(2**28), np.add(l, 0, out=l), l.sum()
// and del l on the simulator (TLB model on), against the same steps in real numpy (a child
// Python, numpy-reference.ts) and on a real Node Float64Array, all three in turn each repetition.
import { Machine, kernel, numpy, probe, type MachineOptions, type NDArray, type Phase } from "../../dist/index";
import { MemoryTracker, type MemoryPeak, check, collectGarbage, largestPeak, median, timed } from "../harness";
import type { Figure, Scenario, ScenarioOptions, ScenarioResult, Target } from "../result";
import { numpyRun, type NumpyRun } from "./numpy-reference";

const ELEMENTS = 2 ** 28;
/** A small untimed run of both sides first, so neither is timed while V8 compiles it. */
const WARMUP_ELEMENTS = 2 ** 22;
const STEPS = ["zeros", "add", "sum", "free"] as const;
type Steps = Record<(typeof STEPS)[number], number>;

const RATIO_LIMIT = 0.5;
const MEMORY_LIMIT_BYTES = 64 * 2 ** 20;

/**
 * The machine each repetition simulates: this host's twin (its page size, THP mode, zero-page
 * rule and RAM, as the probe measures them) with Skylake's TLBs, so that the simulator takes the
 * faults real numpy takes here; stock Linux where the host cannot be read. Read once per run.
 */
function simulatedMachine(): { options: MachineOptions; what: string } {
  const facts = probe.hostFacts();
  if (!facts.ok) return { options: { cpu: "skylake" }, what: `stock Linux with skylake TLBs (this host cannot be read: ${facts.reason})` };
  const readFault = facts.behaviour.ok ? facts.behaviour.readFault.result : "not measured";
  return {
    options: { ...probe.machineOptionsFor(facts), cpu: "skylake" },
    what: `this host's twin with skylake TLBs (probe.machineOptionsFor(probe.hostFacts()): ${facts.pageSize}-byte pages, THP ${facts.thp}, a read fault maps ${readFault})`,
  };
}

/** One simulator run on a fresh machine; returns each step's milliseconds and the MMU's view. */
function simulatorRun(tracker: MemoryTracker, options: MachineOptions, elements = ELEMENTS): { steps: Steps; phase: Phase } {
  const machine = new Machine(options);
  const proc = machine.spawn();
  const np = numpy(proc);
  const steps: Steps = { zeros: 0, add: 0, sum: 0, free: 0 };
  let a: NDArray | null = null;
  let total = NaN;
  let rssAfterAdd = 0;
  const phase = kernel.measure(proc, () => {
    steps.zeros = timed(() => (a = np.zeros(elements)));
    tracker.sample();
    const arr = a as unknown as NDArray;
    steps.add = timed(() => np.add(arr, 0, { out: arr }));
    tracker.sample();
    rssAfterAdd = proc.status().VmRSS;
    steps.sum = timed(() => (total = arr.sum()));
    tracker.sample();
    steps.free = timed(() => arr.free());
    tracker.sample();
  }, "founding");
  // The simulator must have done the work it is timed for: every page written, then released.
  check(total === 0, `simulated sum is ${total}, expected 0`);
  const bytes = elements * 8;
  check(rssAfterAdd * 1024 >= bytes, `simulated VmRSS after np.add is ${rssAfterAdd} kB, expected >= ${bytes / 1024} kB`);
  check(proc.status().VmRSS * 1024 < bytes / 64, `simulated VmRSS after del is ${proc.status().VmRSS} kB`);
  check(phase.accesses >= 3 * elements, `MMU translated ${phase.accesses} accesses, expected >= ${3 * elements}`);
  return { steps, phase };
}

// The real machine's inner loops, in functions of their own so V8 optimises them as it would
// any hot loop (top-level code runs unoptimised for longer).
function addZeroInPlace(l: Float64Array): void {
  for (let i = 0; i < l.length; i++) l[i] = l[i] + 0;
}

function sumOf(l: Float64Array): number {
  let s = 0;
  for (let i = 0; i < l.length; i++) s += l[i];
  return s;
}

/** The same steps on this machine; returns each step's milliseconds and the RSS the add made resident. */
function realRun(elements = ELEMENTS): { steps: Steps; rssGrowth: number } {
  const rssBefore = process.memoryUsage().rss;
  let l: Float64Array | null = null;
  let total = NaN;
  const steps: Steps = { zeros: 0, add: 0, sum: 0, free: 0 };
  // new Float64Array -> calloc, like np.zeros (REFERENCE §4.1).
  steps.zeros = timed(() => (l = new Float64Array(elements)));
  const arr = l as unknown as Float64Array;
  steps.add = timed(() => addZeroInPlace(arr));
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  steps.sum = timed(() => (total = sumOf(arr)));
  // Dropping the last reference frees nothing until a garbage collection, which is not timed.
  steps.free = timed(() => (l = null));
  check(total === 0, `real sum is ${total}, expected 0`);
  return { steps, rssGrowth };
}

const totalOf = (s: Steps): number => s.zeros + s.add + s.sum + s.free;

function medians(runs: Steps[]): Steps {
  const out = { zeros: 0, add: 0, sum: 0, free: 0 };
  for (const step of STEPS) out[step] = median(runs.map((r) => r[step]));
  return out;
}

const round = (x: number): number => Math.round(x * 10) / 10;
const roundSteps = (s: Steps): Steps => ({ zeros: round(s.zeros), add: round(s.add), sum: round(s.sum), free: round(s.free) });

/** The real numpy runs of every repetition, or why numpy could not run (the first refusal). */
function numpyRuns(runs: readonly NumpyRun[]): { steps: Steps[]; version: string } | { missing: string } {
  const steps: Steps[] = [];
  let version = "";
  for (const r of runs) {
    if (!r.ok) return { missing: r.missing };
    check(r.total === 0, `numpy's sum is ${r.total}, expected 0`);
    steps.push(r.steps);
    version = r.version;
  }
  return { steps, version };
}

function run({ reps }: ScenarioOptions): ScenarioResult {
  const sim: Steps[] = [];
  const real: Steps[] = [];
  const numpyOutcomes: NumpyRun[] = [];
  const peaks: MemoryPeak[] = [];
  let phase: Phase | null = null;
  let rssGrowth = 0;
  const simulated = simulatedMachine();
  simulatorRun(new MemoryTracker(), simulated.options, WARMUP_ELEMENTS);
  realRun(WARMUP_ELEMENTS);
  const numpyWarmup = numpyRun(WARMUP_ELEMENTS); // loads numpy from disk once, untimed
  // Alternate the three so that load from elsewhere on the machine falls on all alike.
  for (let rep = 0; rep < reps; rep++) {
    const tracker = new MemoryTracker();
    const s = simulatorRun(tracker, simulated.options);
    peaks.push(tracker.finish());
    sim.push(s.steps);
    phase = s.phase;
    collectGarbage();
    if (numpyWarmup.ok) numpyOutcomes.push(numpyRun(ELEMENTS));
    const r = realRun();
    real.push(r.steps);
    rssGrowth = r.rssGrowth;
    collectGarbage();
  }
  const simTotals = sim.map(totalOf);
  const realTotals = real.map(totalOf);
  const typedRatio = median(simTotals) / median(realTotals);
  const numpyOutcome = numpyRuns(numpyWarmup.ok ? numpyOutcomes : [numpyWarmup]);
  const numpyTotals = "steps" in numpyOutcome ? numpyOutcome.steps.map(totalOf) : null;
  const numpyRatio = numpyTotals ? median(simTotals) / median(numpyTotals) : null;
  const memory = largestPeak(peaks) as MemoryPeak;
  const p = phase as Phase;
  const typedArray: Figure = { label: "real Node Float64Array(2**28)", value: median(realTotals), unit: "ms", samples: realTotals };
  const numpyTarget: Target =
    numpyRatio === null
      ? { text: "sim/numpy <= 0.5", met: null, actual: "numpy missing" }
      : { text: "sim/numpy <= 0.5", met: numpyRatio <= RATIO_LIMIT, actual: numpyRatio.toFixed(2), margin: `${(numpyRatio / RATIO_LIMIT).toFixed(2)}x the limit` };
  return {
    id: "founding",
    title: "1. zeros(2**28), add(out=), sum, free",
    simulator: { label: "simulator (TLB on)", value: median(simTotals), unit: "ms", samples: simTotals },
    reference: numpyTotals ? { label: "real numpy (child Python)", value: median(numpyTotals), unit: "ms", samples: numpyTotals } : null,
    ...("missing" in numpyOutcome ? { referenceMissing: `numpy missing: ${numpyOutcome.missing}` } : {}),
    secondReference: typedArray,
    ratio: numpyRatio === null ? { label: "sim/Float64Array", value: typedRatio } : { label: "sim/numpy", value: numpyRatio },
    memory,
    targets: [
      numpyTarget,
      { text: "sim/Float64Array (second reference)", met: null, actual: typedRatio.toFixed(2) },
      {
        text: "sim peak memory < 64 MiB above baseline",
        met: memory.rssBytes < MEMORY_LIMIT_BYTES,
        actual: `${(memory.rssBytes / 2 ** 20).toFixed(1)} MiB RSS`,
        margin: `${(memory.rssBytes / MEMORY_LIMIT_BYTES).toFixed(2)}x the limit`,
      },
    ],
    details: {
      simulatorStepsMs: roundSteps(medians(sim)),
      numpyStepsMs: "steps" in numpyOutcome ? roundSteps(medians(numpyOutcome.steps)) : numpyOutcome.missing,
      numpyVersion: "version" in numpyOutcome ? numpyOutcome.version : null,
      float64ArrayStepsMs: roundSteps(medians(real)),
      realRssGrowthMiB: Math.round(rssGrowth / 2 ** 20),
      simulatedTranslation: {
        accesses: p.accesses,
        l1dMisses: p.tlb.l1d.misses,
        l2Misses: p.tlb.l2.misses,
        walks: p.walks,
        faults: p.faults.total,
      },
    },
    notes: [
      `Simulator: a fresh machine per repetition, ${simulated.what}; numpy 1.24 defaults.`,
      "Reference: real numpy in a child Python (PAGELAB_NUMPY_PYTHON, else /usr/bin/python3), each statement timed with perf_counter inside the child (start-up and import untimed); del l returns the 2 GiB to the kernel (munmap), as the simulator's free does.",
      "Second reference: new Float64Array(2**28), l[i] = l[i] + 0 and a sum loop; its free is a dropped reference (the GC that unmaps it is not timed).",
    ],
  };
}

/** Scenario 1: the founding statements at full size against real numpy and a Float64Array. */
export const founding: Scenario = { id: "founding", title: "Founding scenario at full size", run };
