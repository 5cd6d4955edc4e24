// Scenario 3: a sequential sweep (np.zeros, np.add(out=), sum, del) on the run-compressed TLB
// model against the naive reference MMU, which translates every element access one by one.
// Both must count exactly the same; the fast one must be >= 50x faster.
import { Machine, hardware, kernel, numpy, type Process, type Phase } from "../../dist/index";

const { NaiveMmu, tlbMmu } = hardware;
type MmuStats = hardware.MmuStats;
import { MemoryTracker, check, median, millisecondFigures, timed } from "../harness";
import type { Scenario, ScenarioOptions, ScenarioResult } from "../result";

/** 8 MiB of float64: 3 million element accesses, over a second for the naive MMU and ~10 ms for
 *  the fast one (shorter runs are swayed by other work on a shared machine). */
const ELEMENTS = 2 ** 20;
const WARMUP_ELEMENTS = 2 ** 15;
const TARGET_SPEEDUP = 50;
const CPU = "skylake";

interface Sweep {
  ms: number;
  phase: Phase;
  stats: MmuStats;
}

/** Runs the sweep on a fresh machine with the given MMU; returns its time, phase and MMU stats. */
function sweep(naive: boolean, elements: number, tracker?: MemoryTracker): Sweep {
  const machine = new Machine({ mmu: naive ? () => new NaiveMmu(CPU) : tlbMmu(CPU) });
  const proc: Process = machine.spawn();
  const np = numpy(proc);
  let phase: Phase | null = null;
  const ms = timed(() => {
    phase = kernel.measure(proc, () => {
      const a = np.zeros(elements);
      np.add(a, 1, { out: a });
      check(a.sum() === elements, "the sweep's sum");
      a.free();
    }, "sweep");
  });
  tracker?.sample();
  const stats = (machine.mmu as unknown as { stats: MmuStats }).stats;
  return { ms, phase: phase as unknown as Phase, stats };
}

function run({ reps }: ScenarioOptions): ScenarioResult {
  // Warm-up, untimed: V8 needs several runs to optimise the fast path, and the naive MMU's first
  // run makes the kernel's translate call sites polymorphic, so the fast path is warmed again after it.
  for (let i = 0; i < 8; i++) sweep(false, ELEMENTS);
  sweep(true, WARMUP_ELEMENTS);
  for (let i = 0; i < 8; i++) sweep(false, ELEMENTS);
  // The fast sweep takes milliseconds: three times as many repetitions of it, all before the
  // naive ones so that switching MMUs does not deoptimise it mid-measurement.
  const fastMs: number[] = [];
  let fast: Sweep | null = null;
  for (let rep = 0; rep < 3 * reps; rep++) {
    fast = sweep(false, ELEMENTS);
    fastMs.push(fast.ms);
  }
  const reference = fast as Sweep;
  const naiveMs: number[] = [];
  let identical = true;
  for (let rep = 0; rep < reps; rep++) {
    const naive = sweep(true, ELEMENTS);
    naiveMs.push(naive.ms);
    // Identical counts: every TLB hit and miss per level and page size, walks, walk-cache hits,
    // faults and cycles, and the kernel's counters over the phase.
    identical &&= JSON.stringify(reference.phase) === JSON.stringify(naive.phase) && JSON.stringify(reference.stats) === JSON.stringify(naive.stats);
  }
  // Peak memory from one more run after a collection, last: the timed runs go without forced
  // collections, since after one the next few runs pay for fresh host pages and take 2-8x longer.
  const tracker = new MemoryTracker();
  sweep(false, ELEMENTS, tracker);
  const peak = tracker.finish();
  check(identical, "the TLB model and the naive MMU counted differently");
  const p = reference.phase;
  check(p.accesses >= 3 * ELEMENTS, `the sweep translated ${p.accesses} accesses`);
  const speedup = median(naiveMs) / median(fastMs);
  return {
    id: "naive",
    title: "3. sequential sweep vs naive MMU",
    ...millisecondFigures("TlbMmu (runs)", fastMs, "NaiveMmu (per element)", naiveMs),
    ratio: { label: "speed-up", value: speedup },
    memory: peak,
    targets: [
      { text: ">= 50x faster", met: speedup >= TARGET_SPEEDUP, actual: `${speedup.toFixed(0)}x`, margin: `${(speedup / TARGET_SPEEDUP).toFixed(1)}x the target` },
      { text: "identical counts", met: identical, actual: identical ? "identical" : "DIFFERENT" },
    ],
    details: {
      countsIdentical: identical,
      counts: {
        accesses: p.accesses,
        l1dHits: p.tlb.l1d.hits,
        l1dMisses: p.tlb.l1d.misses,
        l2Hits: p.tlb.l2.hits,
        l2Misses: p.tlb.l2.misses,
        walks: p.walks,
        walkRefs: p.walkRefs,
        walkCacheHits: p.walkCacheHits,
        faults: p.faults.total,
        cycles: p.cycles.total,
      },
    },
    notes: [
      `np.zeros(2**20), np.add(a, 1, out=a), a.sum(), del a on ${CPU}; the whole sweep is timed on each machine (kernel and numpy work included).`,
      "Equality compares measure()'s phase and the MMU's full stats as JSON.",
    ],
  };
}

/** Scenario 3: a sequential sweep, fast MMU against the naive one, identical counts. */
export const naiveSweep: Scenario = { id: "naive", title: "Sequential sweep vs the naive MMU", run };
