// Chart arguments that used to be ignored or refused by an inner call: unknown option keys, truthy
// strings as flags, out-of-range addresses in the options, a freed array, and a range beyond the
// process's user address space. Every refusal names the chart and the argument.
import { describe, expect, it } from "vitest";
import { thrown } from "../thrown";
import { Machine } from "../../src/kernel";
import { numpy } from "../../src/runtime";
import { arrayHeatmapChart, residencyHeatmapChart } from "../../src/charts/heatmap";
import { residencyStepsChart } from "../../src/charts/steps";
import { callSiteHeatmapChart, callSiteRssChart } from "../../src/charts/call-sites";
import { residencyComparisonChart } from "../../src/charts/compare";
import { frameMapChart } from "../../src/charts/framemap";
import { pageTableChart } from "../../src/charts/pagetables";
import { memoryTimelineChart } from "../../src/charts/timeline";
import { cyclesByCauseChart, tlbHitsChart, tlbPhasesChart, tlbReachChart } from "../../src/charts/tlb";
import { workingSetChart } from "../../src/charts/working-set";
import { renderChart } from "../../src/charts/render";
import type { TlbPhase } from "../../src/charts/types";
import { InvalidArgumentError, UseAfterFreeError } from "../../src/errors";
import { FakeSource } from "./fake-source";

const BASE = 0x7f0000000000;
const PAGE = 4096;

const phase: TlbPhase = { label: "p", accesses: 10, tlb: { l1d: { hits: 9, misses: 1 } }, cyclesByCause: { "L1 hit": 10 } };
const counts = { cellBytes: PAGE, counts: Array.from({ length: 7 }, () => [1]) };
const panel = { label: "a", summary: counts, start: BASE, pageSize: PAGE };
const replay = { samples: [{ ms: 0, pagesBySite: new Map([[1, 1]]), siteRuns: [[0, 1, 1] as const] }], sites: new Map([[1, "x"]]), pageSize: PAGE };

describe("every chart factory refuses an unknown option key, naming the nearest", () => {
  const source = new FakeSource(BASE, 8);
  const machine = new Machine({ seed: 1 });
  const proc = machine.spawn();
  const a = numpy(proc).zeros(1024);
  const cases: [string, (options: object) => unknown][] = [
    ["residencyHeatmapChart", (o) => residencyHeatmapChart(source, BASE, PAGE, o)],
    ["arrayHeatmapChart", (o) => arrayHeatmapChart(a, o)],
    ["residencyStepsChart", (o) => residencyStepsChart(a, [() => a.fill(1)], o)],
    ["frameMapChart", (o) => frameMapChart(source, BASE, PAGE, o)],
    ["memoryTimelineChart", (o) => memoryTimelineChart(proc.events, o)],
    ["pageTableChart", (o) => pageTableChart([{ name: "PTE", tables: 1, entriesUsed: 1 }], o)],
    ["callSiteRssChart", (o) => callSiteRssChart(replay, o)],
    ["callSiteHeatmapChart", (o) => callSiteHeatmapChart(replay, o)],
    ["residencyComparisonChart", (o) => residencyComparisonChart([panel, { ...panel, label: "b" }], o)],
    ["tlbHitsChart", (o) => tlbHitsChart([phase], o)],
    ["cyclesByCauseChart", (o) => cyclesByCauseChart([phase], o)],
    ["tlbPhasesChart", (o) => tlbPhasesChart([phase], o)],
    ["tlbReachChart", (o) => tlbReachChart([{ label: "s", points: [{ pagesTouched: 1, cyclesPerAccess: 1 }] }], o)],
    ["workingSetChart", (o) => workingSetChart({ accesses: 1, distinctPages: 1, points: [{ policy: "LRU", frames: 1, hitRate: 1 }] }, o)],
  ];
  it.each(cases)("%s(..., { titel: 'x' })", (name, draw) => {
    const error = thrown(() => draw({ titel: "x" }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(new RegExp(`^${name}: unknown option "titel" \\(did you mean "title"\\?\\); options are title`));
    expect(thrown(() => draw({ title: 5 })).message).toBe(`${name}: options.title must be a string, got 5`);
    expect(thrown(() => draw("x" as never))).toBeInstanceOf(InvalidArgumentError);
  });

  it("renderChart's options too", () => {
    expect(thrown(() => renderChart({ $schema: "x" } as never, { scal: 2 } as never)).message).toBe('renderChart: unknown option "scal" (did you mean "scale"?); options are scale');
  });
});

describe("flags and numbers in chart options", () => {
  it("cyclesByCauseChart([ph], { perAccess: 'yes' }) is refused", () => {
    const error = thrown(() => cyclesByCauseChart([phase], { perAccess: "yes" as never }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('cyclesByCauseChart: options.perAccess must be true or false, got "yes"');
    expect(cyclesByCauseChart([phase], { perAccess: true }).title).toBe("Cycles per access, by cause");
  });

  it("residencyHeatmapChart(p, a, n, { origin: -1 }) and bad bounds or annotations are refused", () => {
    const source = new FakeSource(BASE, 8);
    const draw = (options: object) => residencyHeatmapChart(source, BASE, PAGE, options);
    expect(thrown(() => draw({ origin: -1 })).message).toBe("residencyHeatmapChart: options.origin must be an integer in [0, 2**57), got -1");
    expect(thrown(() => draw({ origin: "0" })).message).toMatch(/^residencyHeatmapChart: options.origin must be an integer/);
    expect(thrown(() => draw({ bounds: [{ start: BASE, end: BASE - 1 }] })).message).toMatch(/^residencyHeatmapChart: options.bounds\[0\].end must be an integer in \[start, 2\*\*57\]/);
    expect(thrown(() => draw({ bounds: {} })).message).toMatch(/^residencyHeatmapChart: options.bounds must be an array/);
    expect(thrown(() => draw({ annotations: [{ addr: BASE, length: -8, label: "x" }] })).message).toMatch(/^residencyHeatmapChart: options.annotations\[0\].length must be/);
    expect(thrown(() => draw({ annotations: [{ addr: BASE, length: 8 }] })).message).toBe("residencyHeatmapChart: options.annotations[0].label must be a string, got undefined");
    expect(thrown(() => residencyStepsChart(numpy(new Machine().spawn()).zeros(8), [() => 0], { axis: "rows" as never })).message).toMatch(/^residencyStepsChart: options.axis must be "bytes" or "pages"/);
    // what was accepted still is
    expect(draw({ origin: BASE - PAGE, axis: "pages", bounds: [{ start: BASE, end: BASE + 8 }], annotations: [{ addr: BASE, length: 16, label: "h" }] }).title).toMatch(/^Residency of/);
  });
});

describe("array charts refuse a freed array", () => {
  it("arrayHeatmapChart(a) after a.free() is a UseAfterFreeError naming the chart; so is residencyStepsChart", () => {
    const a = numpy(new Machine({ seed: 1 }).spawn()).zeros(1024);
    a.free();
    const error = thrown(() => arrayHeatmapChart(a));
    expect(error).toBeInstanceOf(UseAfterFreeError);
    expect(error.message).toMatch(/^arrayHeatmapChart: use after free/);
    expect(thrown(() => residencyStepsChart(a, [() => 0]))).toBeInstanceOf(UseAfterFreeError);
  });
});

describe("a range beyond the process's user address space", () => {
  it("residencyHeatmapChart(p, 0, 2**56) names the chart and its arguments, not residencySummary", () => {
    const proc = new Machine({ seed: 1 }).spawn();
    const error = thrown(() => residencyHeatmapChart(proc, 0, 2 ** 56));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/^residencyHeatmapChart: addr \+ length must be within the process's user address space \[0, 0x800000000000\), got addr 0 \+ length/);
    expect(thrown(() => residencyHeatmapChart(proc, 2 ** 47 - PAGE, 2 * PAGE)).message).toMatch(/^residencyHeatmapChart: addr \+ length must be within/);
  });

  it("a range ending at the top of user space is drawn, though its cells round past it", () => {
    const proc = new Machine({ seed: 1 }).spawn();
    // 4097 pages: two pages a cell, so the last cell would reach a page beyond the top
    const chart = residencyHeatmapChart(proc, 2 ** 47 - 4097 * PAGE, 4097 * PAGE);
    expect(chart.text).toMatch(/4,097 pages/);
  });
});
