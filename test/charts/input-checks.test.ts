// Chart arguments that used to be ignored or refused by an inner call: unknown option keys, truthy
// strings as flags, out-of-range addresses in the options, a freed array, and a range beyond the
// process's user address space. Every refusal names the chart and the argument.
import { describe, expect, it } from "vitest";
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

/** The error `fn` throws (fails the test when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

const phase: TlbPhase = { label: "p", accesses: 10, tlb: { l1d: { hits: 9, misses: 1 } }, cyclesByCause: { "L1 hit": 10 } };
const counts = { cellBytes: PAGE, counts: Array.from({ length: 7 }, () => [1]) };
const panel = { label: "a", summary: counts, start: BASE, pageSize: PAGE };
const replay = { samples: [{ ms: 0, pagesBySite: new Map([[1, 1]]), siteRuns: [[0, 1, 1] as const] }], sites: new Map([[1, "x"]]), pageSize: PAGE };

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
