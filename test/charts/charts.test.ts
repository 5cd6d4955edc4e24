import { describe, expect, it } from "vitest";
import { Chart, MAX_BUNDLE_BYTES } from "../../src/charts/chart";
import { residencyComparisonChart } from "../../src/charts/compare";
import { frameMapChart } from "../../src/charts/framemap";
import { pageTableChart } from "../../src/charts/pagetables";
import { eventLabel, memoryTimelineChart } from "../../src/charts/timeline";
import { cyclesByCauseChart, tlbHitsChart, tlbPhasesChart, tlbReachChart } from "../../src/charts/tlb";
import type { TlbPhase } from "../../src/charts/types";
import { InvalidArgumentError } from "../../src/errors";
import { Machine } from "../../src/kernel";
import { FakeSource } from "./fake-source";

const BASE = 0x7f0000000000;
const PAGE = 4096;
const GiB = 2 ** 30;

/** Checks the three MIME types, the PNG signature and the size bound; returns the bundle. */
function expectDisplayable(chart: Chart): Record<string, unknown> {
  const bundle = chart.toMimeBundle();
  expect(Object.keys(bundle).sort()).toEqual(["application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
  expect(Buffer.from(bundle["image/png"] as string, "base64").subarray(1, 4).toString()).toBe("PNG");
  expect(JSON.stringify(bundle).length).toBeLessThan(MAX_BUNDLE_BYTES);
  return bundle;
}

const values = (spec: Record<string, unknown>) => (spec.data as { values: Record<string, unknown>[] }).values;

const phases: TlbPhase[] = [
  {
    label: "sequential",
    accesses: 1000,
    tlb: { "L1 dTLB": { hits: 990, misses: 10 }, STLB: { hits: 9, misses: 1 } },
    cyclesByCause: { "L1 hit": 1000, "page walk": 30 },
  },
  {
    label: "random",
    accesses: 1000,
    tlb: { "L1 dTLB": { hits: 100, misses: 900 }, STLB: { hits: 300, misses: 600 } },
    cyclesByCause: { "L1 hit": 1000, "STLB hit": 2100, "page walk": 18000 },
  },
];

describe("frameMapChart", () => {
  it("plots each sampled page against its frame and counts what it sees", () => {
    const source = new FakeSource(BASE, 8);
    source.frames.set([40, 41, 42, 7, -1, 100, 3, 3]);
    const chart = frameMapChart(source, BASE, 8 * PAGE);
    expect(values(chart.spec)).toEqual([
      { v: 0, p: 40 }, { v: 1, p: 41 }, { v: 2, p: 42 }, { v: 3, p: 7 }, { v: 5, p: 100 }, { v: 6, p: 3 }, { v: 7, p: 3 },
    ]);
    expect(chart.stats).toEqual({ sampled: 8, backed: 7, distinctFrames: 6, longestContiguousRun: 3 });
    expectDisplayable(chart);
  });

  it("samples a large range down to maxPoints evenly spaced pages", () => {
    const pages = 1 << 16;
    const source = new FakeSource(BASE, pages);
    for (let p = 0; p < pages; p++) source.frames[p] = (p * 7919) % 100_003;
    const chart = frameMapChart(source, BASE, pages * PAGE, { maxPoints: 1000 });
    const points = values(chart.spec);
    expect(points.length).toBeLessThanOrEqual(1000);
    for (const { v, p } of points) expect(p).toBe(((v as number) * 7919) % 100_003);
    expect(() => frameMapChart(source, BASE, PAGE, { maxPoints: 1 })).toThrow(/options.maxPoints/);
  });

  it("stays under the bound at its most points, scattered at random", () => {
    const pages = 1 << 16;
    const source = new FakeSource(BASE, pages);
    for (let p = 0; p < pages; p++) source.frames[p] = (p * 2_654_435_761) % 6_000_011;
    expectDisplayable(frameMapChart(source, BASE, pages * PAGE, { maxPoints: 4096 }));
  });
});

describe("memoryTimelineChart", () => {
  const MiB_kB = 1024;
  const GiB_kB = 1024 * 1024;
  const events = [
    { call: "calloc", args: [2 * GiB], VmRSS: 4 * MiB_kB, VmSize: 2 * GiB_kB + 8 * MiB_kB },
    { call: "write", args: { addr: BASE + 16, bytes: 8 }, VmRSS: 4 * MiB_kB + 4, VmSize: 2 * GiB_kB + 8 * MiB_kB, Commit: 2 * GiB_kB },
    { call: "add", label: "np.add(l, 0, out=l)", VmRSS: 2 * GiB_kB, VmSize: 2 * GiB_kB + 8 * MiB_kB },
    { call: "touch", args: { addr: 0 }, VmRSS: 2 * GiB_kB, VmSize: 2 * GiB_kB + 8 * MiB_kB, error: "SIGSEGV" },
  ];

  it("has one step per call with its RSS, VmSize and commit in bytes (the log counts kB)", () => {
    const chart = memoryTimelineChart(events, { status: { VmRSS: "2097152 kB", minorFaults: 524_288 } });
    expect(values(chart.spec)).toEqual([
      { step: "1. calloc(2 GiB)", VmRSS: 4 * 2 ** 20, VmSize: 2 * GiB + 8 * 2 ** 20, Commit: 0 },
      { step: "2. write(0x7f0000000010, 8)", VmRSS: 4 * 2 ** 20 + PAGE, VmSize: 2 * GiB + 8 * 2 ** 20, Commit: 2 * GiB },
      { step: "3. np.add(l, 0, out=l)", VmRSS: 2 * GiB, VmSize: 2 * GiB + 8 * 2 ** 20, Commit: 0 },
      { step: "4. touch(0) ✗", VmRSS: 2 * GiB, VmSize: 2 * GiB + 8 * 2 ** 20, Commit: 0 },
    ]);
    expect(chart.text).toContain("VmRSS: 2097152 kB");
    expect(chart.text).toContain("minorFaults: 524,288");
    expect(chart.text).toContain("now VmRSS 2 GiB, VmSize 2.01 GiB");
    expectDisplayable(chart);
  });

  it("thins a long log evenly, keeping the first and last calls", () => {
    const long = Array.from({ length: 1000 }, (_, i) => ({ call: `c${i}`, VmRSS: i * 4, VmSize: GiB_kB }));
    const rows = values(memoryTimelineChart(long, { maxEvents: 50 }).spec);
    expect(rows).toHaveLength(50);
    expect(rows[0].step).toBe("1. c0()");
    expect(rows[49].step).toBe("1000. c999()");
  });

  it("stays under the bound at its most calls", () => {
    const long = Array.from({ length: 5000 }, (_, i) => ({ call: "mmap", args: { length: (i + 1) * PAGE, prot: "read-write" }, VmRSS: i * 4, VmSize: (i + 1) * 4 }));
    expectDisplayable(memoryTimelineChart(long, { maxEvents: 500 }));
  });

  it("labels calls as the program made them: statements as they are, start-up folded, one line per pid", () => {
    const log = [
      { pid: 1, call: "sbrk", args: { increment: 135168 }, VmRSS: 0, VmSize: 132 },
      { pid: 1, call: "write", args: { addr: 0x555555559008, length: 8 }, VmRSS: 4, VmSize: 132 },
      { pid: 1, call: "memset", args: { addr: 0x555555559010, byte: 0, length: 640 }, VmRSS: 4, VmSize: 132 },
      { pid: 1, call: "np.zeros", args: { shape: "1024", dtype: "float64" }, VmRSS: 8, VmSize: 140 },
      { pid: 2, call: "sbrk", args: { increment: 135168 }, VmRSS: 0, VmSize: 132 },
      { pid: 2, call: "512 x malloc(16 KiB)", args: {}, VmRSS: 8200, VmSize: 8300 },
      { pid: 1, call: "a[-1] = 3", args: { addr: 0x7ffff7ffe008 }, VmRSS: 12, VmSize: 140 },
      { pid: 1, call: "np.add", args: { shape: "1024", out: true }, VmRSS: 16, VmSize: 140 },
    ];
    const rows = values(memoryTimelineChart(log).spec);
    expect(rows.map((r) => r.step)).toEqual([
      "1. pid 1: python started", "2. pid 1: np.zeros(1024, float64)", "3. pid 2: program started",
      "4. pid 2: 512 x malloc(16 KiB)", "5. pid 1: a[-1] = 3", "6. pid 1: np.add(1024, out=true)",
    ]);
    expect(rows[0]).toMatchObject({ pid: "pid 1", VmRSS: 4 * 1024, VmSize: 132 * 1024 });
    // A single process keeps its labels without pid and draws one line per metric.
    const single = memoryTimelineChart(log.filter((e) => e.pid === 1));
    expect(values(single.spec).map((r) => r.step)[0]).toBe("1. python started");
    expect(JSON.stringify(single.spec)).not.toContain("strokeDash");
  });

  it("cuts long labels and rejects bad events", () => {
    expect(eventLabel({ call: "x".repeat(80), VmRSS: 0, VmSize: 0 })).toHaveLength(40);
    expect(() => memoryTimelineChart([])).toThrow(InvalidArgumentError);
    expect(() => memoryTimelineChart([{ call: "a", VmRSS: -1, VmSize: 0 }])).toThrow(/events\[0\].VmRSS/);
  });
});

describe("TLB charts", () => {
  it("draws hits and misses per level per phase", () => {
    const chart = tlbHitsChart(phases);
    const rows = values(chart.spec);
    expect(rows).toContainEqual({ phase: "random", level: "STLB", outcome: "misses", n: 600 });
    expect(rows).toHaveLength(8);
    expect(chart.text).toContain("sequential: L1 dTLB 990 hits / 10 misses");
    expectDisplayable(chart);
  });

  it("stacks cycles by cause, per access when asked", () => {
    const chart = cyclesByCauseChart(phases, { perAccess: true });
    expect(values(chart.spec)).toContainEqual({ phase: "random", cause: "page walk", cycles: 18 });
    expect(values(cyclesByCauseChart(phases).spec)).toContainEqual({ phase: "random", cause: "page walk", cycles: 18000 });
    expectDisplayable(chart);
  });

  it("puts phases side by side", () => {
    const chart = tlbPhasesChart(phases);
    const [misses, cycles] = chart.spec.hconcat as Record<string, unknown>[];
    expect(values(misses)).toContainEqual({ phase: "sequential", level: "L1 dTLB", misses: 10 });
    expect(values(cycles)).toContainEqual({ phase: "sequential", cause: "L1 hit", cycles: 1 });
    expectDisplayable(chart);
  });

  it("draws the reach curve with its markers", () => {
    const chart = tlbReachChart(
      [{ label: "4 KiB", points: [{ pagesTouched: 1, cyclesPerAccess: 1 }, { pagesTouched: 4096, cyclesPerAccess: 30 }] }],
      { reach: [{ label: "L1 reach", pages: 64 }] },
    );
    const [curve, markers] = chart.spec.layer as Record<string, unknown>[];
    expect(values(curve)).toEqual([{ series: "4 KiB", pages: 1, cycles: 1 }, { series: "4 KiB", pages: 4096, cycles: 30 }]);
    expect(values(markers)).toEqual([{ label: "L1 reach", pages: 64 }]);
    expectDisplayable(chart);
    expect(() => tlbReachChart([{ label: "x", points: [{ pagesTouched: 0, cyclesPerAccess: 1 }] }])).toThrow(/>= 1/);
  });

  it("takes the MMU's cycle breakdown under readable names, leaving out its total and causes that cost nothing", () => {
    const fromStats = { label: "mmu", accesses: 10, tlb: { l1d: { hits: 9, misses: 1 } }, cycles: { l1Hit: 10, l2Hit: 0, walk: 30, total: 40 } };
    expect(values(cyclesByCauseChart([fromStats]).spec)).toEqual([
      { phase: "mmu", cause: "L1 hit", cycles: 10 },
      { phase: "mmu", cause: "page walk", cycles: 30 },
    ]);
    expect(values(tlbHitsChart([fromStats]).spec)).toContainEqual({ phase: "mmu", level: "L1 dTLB", outcome: "misses", n: 1 });
  });

  it("puts markers at the same number of pages under one label", () => {
    const chart = tlbReachChart([{ label: "4K", points: [{ pagesTouched: 1, cyclesPerAccess: 1 }] }], {
      reach: [{ label: "A L1: 64", pages: 64 }, { label: "B L1: 64", pages: 64 }, { label: "B L2: 2048", pages: 2048 }],
    });
    const [, markers] = chart.spec.layer as Record<string, unknown>[];
    expect(values(markers)).toEqual([{ pages: 64, label: "A L1: 64 · B L1: 64" }, { pages: 2048, label: "B L2: 2048" }]);
  });

  it("colours TLB levels apart from cycle causes in the phases chart", () => {
    const [misses, cycles] = tlbPhasesChart(phases).spec.hconcat as { encoding: { color: { scale: { range: string[] } } } }[];
    const levelColours = misses.encoding.color.scale.range;
    const causeColours = cycles.encoding.color.scale.range;
    expect(levelColours.filter((colour) => causeColours.includes(colour))).toEqual([]);
  });

  it("rejects repeated phase labels and negative counts", () => {
    expect(() => tlbHitsChart([phases[0], phases[0]])).toThrow(/unique/);
    expect(() => tlbHitsChart([{ label: "p", tlb: { L1: { hits: -1, misses: 0 } } }])).toThrow(/tlb\["L1"\].hits/);
  });
});

describe("pageTableChart", () => {
  it("shows the bytes and occupancy of each level", () => {
    const chart = pageTableChart([
      { name: "PGD", tables: 1, entriesUsed: 1 },
      { name: "PTE", tables: 2, entriesUsed: 600 },
    ]);
    expect(values(chart.spec)).toEqual([
      { name: "PGD", bytes: 4096, label: "1 table, 4 KiB, 1 entries used (0.20%)" },
      { name: "PTE", bytes: 8192, label: "2 tables, 8 KiB, 600 entries used (58.6%)" },
    ]);
    expectDisplayable(chart);
    expect(() => pageTableChart([{ name: "PTE", tables: 1, entriesUsed: 513 }])).toThrow(/entriesUsed/);
  });
});

describe("residencyComparisonChart", () => {
  it("stacks the simulator's and the real machine's residency", () => {
    const sim = new FakeSource(BASE, 64).set(0, 10, 2).residencySummary(BASE, 64 * PAGE, 64);
    const real = new FakeSource(BASE, 64).set(0, 12, 2).residencySummary(BASE, 64 * PAGE, 64);
    const chart = residencyComparisonChart([
      { label: "simulator", summary: sim, start: BASE, pageSize: PAGE },
      { label: "this machine", summary: real, start: BASE, pageSize: PAGE },
    ]);
    expect((chart.spec.vconcat as unknown[]).length).toBe(2);
    expect(chart.text).toContain("simulator: ");
    expect(chart.text).toContain("resident 12 pages (48 KiB)");
    expectDisplayable(chart);
    expect(() => residencyComparisonChart([])).toThrow(/at least two panels/);
  });
});

describe("memoryTimelineChart takes a process as well as its events", () => {
  it("draws the same timeline from proc and from proc.events; a machine draws every process", () => {
    const machine = new Machine();
    const p = machine.spawn();
    p.touch(p.mmap(1 << 20), 1 << 20, "write");
    const q = machine.spawn();
    q.mmap(4096);
    expect(memoryTimelineChart(p).text).toBe(memoryTimelineChart(p.events).text);
    expect(memoryTimelineChart(machine).text).toContain("pid 2");
    expect(() => memoryTimelineChart({ events: 5 } as never)).toThrow(InvalidArgumentError);
  });
});
