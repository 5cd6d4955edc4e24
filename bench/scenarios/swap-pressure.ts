// Memory pressure: a 2 GiB workload (write every page in 64 MiB steps, then read every page
// back) on a 1 GiB machine with 2 GiB of swap, against the same workload on a 4 GiB machine that
// never reclaims. Reported as ratios: time and peak memory under pressure / without.
import { Machine } from "../../dist/index";
import { MemoryTracker, type MemoryPeak, check, largestPeak, median, millisecondFigures, timed } from "../harness";
import type { Scenario, ScenarioOptions, ScenarioResult } from "../result";

const GiB = 2 ** 30;
const STEP = 64 * 2 ** 20;
const WORKLOAD = 2 * GiB;

interface Outcome {
  ms: number;
  peak: MemoryPeak;
  swappedKb: number;
  majorFaults: number;
}

/** Runs the workload on a machine of `ramBytes` with `swapBytes`; checks the contents came back. */
function workload(ramBytes: number, swapBytes: number): Outcome {
  const tracker = new MemoryTracker();
  const machine = new Machine({ ramBytes, swapBytes, overcommit: 1 });
  const proc = machine.spawn();
  let firstBytes: Uint8Array = new Uint8Array(0);
  const ms = timed(() => {
    const addr = proc.mmap(WORKLOAD);
    // One call per step: kswapd gets its turn between them, as it would beside a real program.
    for (let off = 0; off < WORKLOAD; off += STEP) {
      proc.memset(addr + off, (off / STEP) & 0xff || 1, STEP);
      tracker.sample();
    }
    proc.touch(addr, WORKLOAD, "read");
    firstBytes = proc.read(addr, 4);
  });
  check(firstBytes.every((b) => b === 1), "the first step's bytes survive the trip through swap");
  const status = proc.status();
  check(status.VmRSS + status.VmSwap === WORKLOAD / 1024, `RSS + swap = 2 GiB, got ${status.VmRSS} + ${status.VmSwap} kB`);
  return { ms, peak: tracker.finish(), swappedKb: status.VmSwap, majorFaults: proc.counters.majorFaults };
}

function run({ reps }: ScenarioOptions): ScenarioResult {
  workload(4 * GiB, 0); // warm-up
  const pressured: Outcome[] = [];
  const free: Outcome[] = [];
  for (let rep = 0; rep < reps; rep++) {
    free.push(workload(4 * GiB, 0));
    pressured.push(workload(GiB, 2 * GiB));
  }
  check(free.every((o) => o.swappedKb === 0 && o.majorFaults === 0), "without pressure nothing is swapped");
  check(pressured.every((o) => o.swappedKb > 0 && o.majorFaults > 0), "under pressure pages go to swap and come back");
  const simMs = pressured.map((o) => o.ms);
  const refMs = free.map((o) => o.ms);
  const timeRatio = median(simMs) / median(refMs);
  const memPressured = largestPeak(pressured.map((o) => o.peak));
  const memFree = largestPeak(free.map((o) => o.peak));
  const memoryRatio = memPressured && memFree && memFree.rssBytes > 0 ? memPressured.rssBytes / memFree.rssBytes : null;
  return {
    id: "swap",
    title: "2 GiB on 1 GiB + swap vs 4 GiB",
    ...millisecondFigures("1 GiB RAM + 2 GiB swap", simMs, "4 GiB RAM, no pressure", refMs),
    ratio: { label: "pressure/none", value: timeRatio },
    memory: memPressured,
    targets: [
      { text: "time ratio reported", met: Number.isFinite(timeRatio), actual: `${timeRatio.toFixed(2)}x` },
      { text: "memory ratio reported", met: memoryRatio !== null, actual: memoryRatio === null ? "n/a" : `${memoryRatio.toFixed(2)}x` },
    ],
    details: {
      swappedKb: pressured[0].swappedKb,
      majorFaults: pressured[0].majorFaults,
      peakRssBytes: { pressured: memPressured?.rssBytes ?? null, free: memFree?.rssBytes ?? null },
      memoryRatio,
    },
    notes: [
      "Same workload on both machines: write 2 GiB in 64 MiB steps, read every page back, check the first bytes.",
      "The reference is the simulator without memory pressure (4 GiB RAM, no swap), measured in the same run.",
    ],
  };
}

/** Memory pressure: 2 GiB on a 1 GiB machine with swap, as a ratio to no pressure. */
export const swapPressure: Scenario = { id: "swap", title: "Memory pressure: 2 GiB on 1 GiB + swap", run };
