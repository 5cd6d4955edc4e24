// The interactive parts of the charts, as specs: the heatmap's zoom selection and cell tooltips,
// and the step slider of residencyStepsChart (test/browser/live-charts.test.ts drives them live).
import { describe, expect, it } from "vitest";
import { Machine, numpy } from "../../src";
import { residencyComparisonChart } from "../../src/charts/compare";
import { residencyHeatmapChart } from "../../src/charts/heatmap";
import { MAX_FRAMES_LISTED } from "../../src/charts/heatmap-explore";
import { residencyStepsChart } from "../../src/charts/steps";
import { InvalidArgumentError } from "../../src/errors";
import { FakeSource } from "./fake-source";

const BASE = 0x7f0000000000;
const PAGE = 4096;

type Layer = { params?: { name: string; bind?: unknown }[]; data: { values: Record<string, unknown>[] }; transform: { calculate?: string; as?: string; filter?: string }[]; encoding: { tooltip: { field: string }[] } };
const cellLayer = (spec: Record<string, unknown>): Layer => (spec.layer as Layer[])[0];

describe("the residency heatmap, explorable", () => {
  it("zooms and pans over x and y through a selection bound to the scales", () => {
    const spec = residencyHeatmapChart(new FakeSource(BASE, 64).set(0, 8, 2), BASE, 64 * PAGE).spec;
    expect(cellLayer(spec).params).toEqual([{ name: "zoom", select: { type: "interval", encodings: ["x", "y"] }, bind: "scales" }]);
  });

  it("lists frames for cells of few pages, and names the process, the address range and hugeness", () => {
    const source = Object.assign(new FakeSource(BASE, 64).set(0, 2, 2), { pid: 7 });
    source.frames.set([500, 501]);
    const layer = cellLayer(residencyHeatmapChart(source, BASE, 64 * PAGE).spec);
    expect(layer.encoding.tooltip.map((t) => t.field)).toEqual(["addresses", "offset", "state", "pages", "huge", "process", "frames"]);
    // Two resident pages in a run of two single-page cells: their frames are listed.
    expect(layer.data.values[0]).toEqual({ i: 0, s: 2, n: 1, k: 2, f: "500, 501" });
    // A run of 62 untouched cells holds more pages than are listed.
    expect(layer.data.values[1]).toMatchObject({ i: 2, s: 0, k: 62 });
    expect(layer.data.values[1].f).toBeUndefined();
    expect(layer.transform.find((t) => t.as === "process")?.calculate).toBe("'pid 7'");
    expect(layer.transform.find((t) => t.as === "addresses")?.calculate).toContain(`${BASE} + datum.i * ${PAGE}`);
    expect(layer.transform.find((t) => t.as === "frames")?.calculate).toContain(`over ${MAX_FRAMES_LISTED} pages`);
  });

  it("leaves process and frames out for a source that cannot say them", () => {
    const plain = { pageSize: PAGE, residencySummary: new FakeSource(BASE, 16).residencySummary.bind(new FakeSource(BASE, 16)) };
    const layer = cellLayer(residencyHeatmapChart(plain, BASE, 16 * PAGE).spec);
    expect(layer.encoding.tooltip.map((t) => t.field)).toEqual(["addresses", "offset", "state", "pages", "huge"]);
  });

  it("names each stacked panel's zoom apart", () => {
    const summary = new FakeSource(BASE, 16).residencySummary(BASE, 16 * PAGE, 16);
    const panel = { summary, start: BASE, pageSize: PAGE };
    const spec = residencyComparisonChart([{ label: "a", ...panel }, { label: "b", ...panel }]).spec;
    expect((spec.vconcat as Record<string, unknown>[]).map((body) => cellLayer(body).params?.[0].name)).toEqual(["zoom1", "zoom2"]);
  });
});

describe("residencyStepsChart", () => {
  function program() {
    const proc = new Machine({ seed: 4 }).spawn();
    const np = numpy(proc);
    const f = np.zeros(2 ** 18);
    return { proc, np, f };
  }

  it("records the array's pages after each step, labelled with the calls made, behind a slider", () => {
    const { np, f } = program();
    const chart = residencyStepsChart(f, [() => f.set(-1, 3), { label: "np.add(f, 0, out=f)", run: () => np.add(f, 0, { out: f }) }]);
    const spec = chart.spec as Record<string, unknown>;
    const params = spec.params as { name: string; value: unknown; bind?: { input: string; min: number; max: number } }[];
    expect(params[0]).toMatchObject({ name: "step", value: 2, bind: { input: "range", min: 0, max: 2 } });
    const subtitles = params[1].value as string[];
    expect(subtitles.map((s) => s.split(":")[0])).toEqual(["0. np.zeros(262144, float64)", "1. a[-1] = 3", "2. np.add(f, 0, out=f)"]);
    const layer = cellLayer(spec);
    expect(layer.transform[0]).toEqual({ filter: "datum.t == step" });
    // Resident pages per step, read back from the data: 1 (the header's page), 2, then all.
    const resident = [0, 1, 2].map((t) =>
      layer.data.values.filter((row) => row.t === t && row.s === 2).reduce((sum, row) => sum + (row.n as number) * ((row.k as number | undefined) ?? 1), 0),
    );
    expect(resident[0]).toBeLessThan(resident[1]);
    expect(resident[1]).toBeLessThan(resident[2]);
    expect(resident[2]).toBe(2 ** 18 * 8 / PAGE + 1);
    expect(chart.text).toContain("2. np.add(f, 0, out=f): resident");
    expect(JSON.stringify(chart.toMimeBundle()).length).toBeLessThan(300 * 1024);
  });

  it("merges cells until every step's data fits the bundle", () => {
    const { proc, f } = program();
    // Scatter single touched pages so that no two neighbouring cells look alike.
    const steps = Array.from({ length: 6 }, (_, k) => () => { for (let p = k; p < 512; p += 7) proc.touch(f.address + p * PAGE, 1, "write"); });
    const chart = residencyStepsChart(f, steps, { maxCells: 4096 });
    expect(JSON.stringify(chart.spec).length).toBeLessThan(200_000);
  });

  it("refuses what is not a step, naming it, before running anything", () => {
    const { proc, f } = program();
    const before = proc.events.length;
    expect(() => residencyStepsChart(f, [])).toThrow(InvalidArgumentError);
    expect(() => residencyStepsChart(f, [() => f.set(0, 1), 42 as unknown as () => void])).toThrow(/steps\[1\] must be a function/);
    expect(() => residencyStepsChart(f, [{ label: 3 as unknown as string, run: () => undefined }])).toThrow(/steps\[0\].label must be a string/);
    expect(() => residencyStepsChart({} as never, [() => undefined])).toThrow(/array must be an array/);
    expect(proc.events.length).toBe(before);
  });
});
