// Legibility, checked by machine on every chart of every notebook (their committed outputs) and
// on charts built now by the factories in the situations issue 15 saw; the fixtures are those
// charts as they were drawn before, and the checker finds each fault in them.
import { readFileSync } from "fs";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { Machine, numpy, sweepExperiment, tlbReachExperiment } from "../../src";
import { memoryTimelineChart } from "../../src/charts/timeline";
import { residencyStepsChart } from "../../src/charts/steps";
import { arrayHeatmapChart } from "../../src/charts/heatmap";
import { cyclesByCauseChart, tlbHitsChart, tlbPhasesChart, tlbReachChart } from "../../src/charts/tlb";
import { checkLegibility, problems, type Legibility } from "./legibility";
import { notebookSpecs } from "./notebook-specs";

const fixture = (name: string): object => JSON.parse(readFileSync(path.join(__dirname, "fixtures", `${name}.json`), "utf8")) as object;

describe("every chart of every notebook", () => {
  const specs = notebookSpecs();

  it("finds the notebooks' charts", () => {
    expect(specs.length).toBeGreaterThanOrEqual(20);
  });

  it.each(specs.map((s) => [s.name, s.spec] as const))("%s: no text overlaps or leaves the view, no curve crosses a label, one meaning per colour", async (_, spec) => {
    const result = await checkLegibility(spec);
    expect(result.texts.length, "text items read from the scenegraph").toBeGreaterThan(3);
    expect(problems(result)).toEqual([]);
  });
});

describe("the checker catches the cases issue 15 saw (fixtures: the charts as they were)", () => {
  it("notebook 05: facet titles running into each other", async () => {
    const result = await checkLegibility(fixture("tlb-hits-facet-titles"));
    expect(result.overlaps).toContainEqual(expect.stringMatching(/"np\.add, numpy 1\.24 \(4 KiB pages\)" \(title-text\) overlaps "np\.add, numpy 2\.2, use_zero_page=1"/));
  });

  it("tlbReachChart with two CPUs: the markers at 64 pages on top of each other, a curve through the Zen 2 L2 label", async () => {
    const result = await checkLegibility(fixture("tlb-reach-two-cpus"));
    expect(result.overlaps).toEqual(['"Skylake L1: 64" (mark) overlaps "Zen 2 L1: 64" (mark)']);
    expect(result.crossed).toEqual(['a line or point runs through "Zen 2 L2: 2048" (mark)']);
  });

  it("tlbPhasesChart: a colour meaning a phase on the left and a cause on the right", async () => {
    const result = await checkLegibility(fixture("tlb-phases-colours"));
    expect(result.colours).toContain('#0072b2 means "4K sequential" and "L1 hit"');
  });

  it("text outside the view (a chart that does not grow to fit its marks)", async () => {
    const spec = { autosize: "none", width: 200, height: 100, data: { values: [{ x: 0 }] }, mark: { type: "text", text: "far away", dx: 900 }, encoding: { x: { field: "x", type: "quantitative" } } };
    expect((await checkLegibility(spec)).outside).toContainEqual(expect.stringMatching(/^"far away" \(mark\) runs outside/));
  });
});

describe("the same charts, drawn now", () => {
  const legible = (result: Legibility) => expect(problems(result)).toEqual([]);
  let reach: { skylake: ReturnType<typeof tlbReachExperiment>; zen2: ReturnType<typeof tlbReachExperiment> };

  beforeAll(() => {
    reach = {
      skylake: tlbReachExperiment({ cpu: "skylake", seed: 5 }, { maxPages: 4096 }),
      zen2: tlbReachExperiment({ cpu: "zen2", seed: 5 }, { maxPages: 4096 }),
    };
  });

  /** np.add over a fresh np.zeros, measured: the phases notebook 05 draws (smaller arrays, the same labels). */
  function measureAdd(label: string, version: string, hugeZeroPage = true) {
    const proc = new Machine({ preset: "linux-x86_64", seed: 5, cpu: "skylake", hugeZeroPage }).spawn();
    const np = numpy(proc, { version });
    const l = np.zeros(2 ** 21);
    return proc.measure(() => np.add(l, 0, { out: l }), label);
  }

  it("tlbHitsChart wraps long phase labels; measured phases read as L1 dTLB and L2 TLB", async () => {
    const phases = [
      measureAdd("np.add, numpy 1.24 (4 KiB pages)", "1.24"),
      measureAdd("np.add, numpy 2.2, use_zero_page=1", "2.2"),
      measureAdd("np.add, numpy 2.2, use_zero_page=0", "2.2", false),
    ];
    const chart = tlbHitsChart(phases);
    expect(chart.text).toContain("np.add, numpy 1.24 (4 KiB pages): L1 dTLB ");
    expect(chart.text).toContain(", L2 TLB ");
    legible(await checkLegibility(chart.spec));
  });

  it("tlbReachChart with two CPUs: one label for the shared 64, labels above the curves", async () => {
    const markers = [
      { label: "Skylake L1: 64", pages: 64 }, { label: "Skylake L2: 1536", pages: 1536 },
      { label: "Zen 2 L1: 64", pages: 64 }, { label: "Zen 2 L2: 2048", pages: 2048 },
    ];
    const chart = tlbReachChart([reach.skylake.series, reach.zen2.series], { reach: markers });
    const result = await checkLegibility(chart.spec);
    legible(result);
    expect(result.texts.map((t) => t.text)).toContain("Skylake L1: 64 · Zen 2 L1: 64");
  });

  it("tlbPhasesChart takes measured phases directly: one meaning per colour, no empty legend entries", async () => {
    const sweep = sweepExperiment({ cpu: "skylake", seed: 5 }, { bytes: 2 ** 26, randomAccesses: 4096 });
    const chart = tlbPhasesChart(sweep.phases.filter((p) => !p.label.endsWith("first touch")));
    const result = await checkLegibility(chart.spec);
    legible(result);
    const legendLabels = result.texts.filter((t) => t.role === "legend-label").map((t) => t.text);
    expect(legendLabels).toEqual(expect.arrayContaining(["L1 dTLB", "L2 TLB", "L1 hit", "page walk"]));
    // No fault happened in these read phases: no legend entry for a cause that cost nothing.
    expect(legendLabels).not.toContain("page fault");
    expect(legendLabels).not.toContain("l1Hit");
    legible(await checkLegibility(cyclesByCauseChart(sweep.phases, { perAccess: true }).spec));
  });

  it("memoryTimelineChart of two processes: one line per pid, labels as the user called", async () => {
    const machine = new Machine({ seed: 1 });
    const [p1, p2] = [machine.spawn(), machine.spawn()];
    const a = numpy(p1).zeros(2 ** 18);
    numpy(p2).zeros(2 ** 18);
    a.set(-1, 3);
    const chart = memoryTimelineChart(machine.events);
    legible(await checkLegibility(chart.spec));
    const steps = (chart.spec.data as { values: { step: string; pid: string }[] }).values;
    expect(steps.map((s) => s.step)).toEqual([
      "1. pid 1: python started", "2. pid 1: np.zeros(262144, float64)", "3. pid 2: python started",
      "4. pid 2: np.zeros(262144, float64)", "5. pid 1: a[-1] = 3",
    ]);
    expect(new Set(steps.map((s) => s.pid))).toEqual(new Set(["pid 1", "pid 2"]));
    expect(JSON.stringify(chart.spec.encoding)).toContain('"strokeDash":{"field":"pid"');
  });

  it("the interactive heatmaps stay legible in their initial state", async () => {
    const proc = new Machine({ seed: 1 }).spawn();
    const np = numpy(proc);
    const f = np.zeros(2 ** 20);
    legible(await checkLegibility(arrayHeatmapChart(f).spec));
    legible(await checkLegibility(residencyStepsChart(f, [() => f.set(-1, 3), () => np.add(f, 0, { out: f })]).spec));
  });
});
