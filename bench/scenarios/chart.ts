// Scenario 5: the residency heatmap of a 2 GiB array as a notebook displays it (Vega-Lite spec
// + PNG in one MIME bundle), against the same chart drawn from this machine's /proc/self/pagemap
// for a real 2 GiB Float64Array in the same state.
import { Machine, arrayHeatmapChart, charts, numpy, probe, type Chart, type NDArray } from "../../dist/index";

type MimeBundle = charts.MimeBundle;
import { MemoryTracker, type MemoryPeak, check, largestPeak, median, now, timed } from "../harness";
import type { Scenario, ScenarioOptions, ScenarioResult } from "../result";

const ELEMENTS = 2 ** 28;
const QUARTER = ELEMENTS / 4;
const CELLS = 2048;
const TIME_LIMIT_MS = 300;
const BUNDLE_LIMIT_BYTES = 300 * 1024;

/** Bytes of a bundle as the kernel sends it (JSON text: base64 PNG, spec, text). */
function bundleBytes(bundle: MimeBundle): number {
  return Buffer.byteLength(JSON.stringify(bundle));
}

/** A simulated 2 GiB array with four kinds of pages: read (zero page), untouched, written, and the last page written. */
function simulatedArray(): NDArray {
  const machine = new Machine();
  const np = numpy(machine.spawn());
  const a = np.zeros(ELEMENTS);
  a.slice(0, QUARTER).sum();
  const third = a.slice(2 * QUARTER, 3 * QUARTER);
  np.add(third, 1, { out: third });
  a[-1] = 3;
  return a;
}

/** Builds the array's heatmap and its bundle; returns the time of each and the bundle. */
function simulatedChart(a: NDArray): { specMs: number; renderMs: number; bundle: MimeBundle } {
  let chart: Chart | null = null;
  let bundle: MimeBundle = {};
  const specMs = timed(() => (chart = arrayHeatmapChart(a)));
  const renderMs = timed(() => (bundle = (chart as unknown as Chart).toMimeBundle()));
  return { specMs, renderMs, bundle };
}

/** The same state on a real array whose mapping the probe identified, or null with the reason. */
function realArray(): { target: probe.ProbedArray<Float64Array>; why: null } | { target: null; why: string } {
  const target = probe.alloc(Float64Array, ELEMENTS);
  if (!target.ok || target.mapping === null) return { target: null, why: target.note };
  const l = target.array;
  let sum = 0;
  for (let i = 0; i < QUARTER; i++) sum += l[i];
  l.fill(1, 2 * QUARTER, 3 * QUARTER);
  l[ELEMENTS - 1] = 3 + sum;
  return { target, why: null };
}

/** The heatmap of the real array from /proc/self/pagemap and its bundle; returns the total time, or null. */
function realChart(target: probe.ProbedArray<Float64Array>): number | null {
  const start = now();
  const summary = probe.residencySummary(target, CELLS);
  if (!summary.ok) return null;
  const drawn = charts.residencyHeatmapSpec(summary, { start: summary.start, pageSize: summary.pageSize, title: "Float64Array(2**28) on this machine" });
  new charts.Chart(drawn.spec, "real", drawn.text).toMimeBundle();
  return now() - start;
}

function run({ reps }: ScenarioOptions): ScenarioResult {
  const a = simulatedArray();
  const real = realArray();
  // The first chart also starts the render worker and loads vega and resvg: reported apart.
  const cold = simulatedChart(a);
  const coldMs = cold.specMs + cold.renderMs;
  if (real.target) realChart(real.target);
  const sim: { specMs: number; renderMs: number; bundle: MimeBundle }[] = [];
  const realMs: number[] = [];
  const peaks: MemoryPeak[] = [];
  for (let rep = 0; rep < 3 * reps; rep++) {
    const tracker = new MemoryTracker();
    sim.push(simulatedChart(a));
    peaks.push(tracker.finish());
    if (real.target) {
      const ms = realChart(real.target);
      if (ms !== null) realMs.push(ms);
    }
  }
  const totals = sim.map((s) => s.specMs + s.renderMs);
  const bytes = bundleBytes(sim[0].bundle);
  check(typeof sim[0].bundle["image/png"] === "string", "the bundle carries a PNG");
  check(typeof sim[0].bundle["application/vnd.vegalite.v5+json"] === "object", "the bundle carries the Vega-Lite spec");
  const simMs = median(totals);
  const reference = realMs.length > 0
    ? { label: "real: pagemap heatmap + PNG", value: median(realMs), unit: "ms" as const, samples: realMs }
    : null;
  return {
    id: "chart",
    title: "5. heatmap of a 2 GiB array (spec + PNG)",
    simulator: { label: "simulator heatmap + PNG", value: simMs, unit: "ms", samples: totals },
    reference,
    ratio: reference ? { label: "sim/real", value: simMs / reference.value } : null,
    memory: largestPeak(peaks),
    targets: [
      { text: "< 300 ms", met: simMs < TIME_LIMIT_MS, actual: `${simMs.toFixed(0)} ms`, margin: `${(simMs / TIME_LIMIT_MS).toFixed(2)}x the limit` },
      { text: "bundle < 300 KB", met: bytes < BUNDLE_LIMIT_BYTES, actual: `${(bytes / 1024).toFixed(0)} KiB`, margin: `${(bytes / BUNDLE_LIMIT_BYTES).toFixed(2)}x the limit` },
    ],
    details: {
      coldFirstChartMs: Math.round(coldMs),
      specMs: Math.round(median(sim.map((s) => s.specMs)) * 10) / 10,
      pngMs: Math.round(median(sim.map((s) => s.renderMs)) * 10) / 10,
      bundleBytes: bytes,
      pngBytes: Buffer.byteLength(String(sim[0].bundle["image/png"]), "base64"),
      reference: real.target ? "probe.residencySummary + the same heatmap spec + PNG" : `skipped: ${real.why}`,
    },
    notes: [
      "The array: first quarter read (zero page), half untouched, third quarter written, last element written; displayed as a notebook does (arrayHeatmapChart + toMimeBundle).",
      "Each repetition draws a new chart (no cached PNG); the cold first chart, which starts the render worker, is reported apart.",
    ],
  };
}

/** Scenario 5: the heatmap bundle of a 2 GiB array against /proc/self/pagemap. */
export const chart: Scenario = { id: "chart", title: "Chart rendering", run };
