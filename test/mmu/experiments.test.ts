import { SimpleMmu } from "../../src/hardware/simple-mmu";
import { describe, expect, it } from "vitest";
import { sweepExperiment, tlbReachExperiment } from "../../src/runtime/experiments/tlb";
import { Machine } from "../../src/kernel/machine";
import { customCpu } from "../../src/hardware/cpu-presets";
import { InvalidArgumentError, UnsupportedError } from "../../src/errors";

describe("tlbReachExperiment (OSTEP's TLB measurement)", () => {
  it("skylake, 4 KiB pages: knees at 64 pages (L1) and 1536 (STLB)", () => {
    const r = tlbReachExperiment({ cpu: "skylake" }, { pages: [32, 64, 65, 96, 1024, 1536, 1537, 2048], iterations: 4 });
    expect(r.l1Reach).toBe(64);
    expect(r.l2Reach).toBe(1536);
    const at = (n: number) => r.points.find((p) => p.pagesTouched === n)!;
    expect(at(64).cyclesPerAccess).toBe(1); // all L1 hits
    expect(at(65).cyclesPerAccess).toBeGreaterThan(at(64).cyclesPerAccess);
    expect(at(1536).walksPerAccess).toBe(0);
    expect(at(1537).walksPerAccess).toBeGreaterThan(0);
    expect(at(2048).cyclesPerAccess).toBeGreaterThan(at(1536).cyclesPerAccess);
    expect(at(32).accesses).toBe(32 * 4);
    expect(r.presetReach.map((m) => m.pages)).toEqual([64, 1536]);
    expect(r.series.points).toHaveLength(8);
  });

  it("zen2 at its own sizes: 64 fully associative, 2048 in the L2", () => {
    const r = tlbReachExperiment({ cpu: "zen2" }, { pages: [64, 65, 2048, 2049], iterations: 3 });
    expect(r.l1Reach).toBe(64);
    expect(r.l2Reach).toBe(2048);
    // Fully associative LRU: one page more than fits and every cyclic access misses.
    expect(r.points[1].l1MissesPerAccess).toBe(1);
  });

  it("a preset edited to other sizes moves the knees (figures come from the simulation)", () => {
    const cpu = customCpu("skylake", { l1d: [{ name: "L1d 4K", entries: 16, ways: 4, pageSizes: ["4K"] }] });
    const r = tlbReachExperiment({ cpu }, { pages: [16, 17, 64], iterations: 2 });
    expect(r.l1Reach).toBe(16);
  });

  it("2 MiB pages: the skylake L1 holds 32 of them", () => {
    const r = tlbReachExperiment({ cpu: "skylake" }, { pages: [32, 33], iterations: 2, hugePages: true });
    expect(r.pageBytes).toBe(2 ** 21);
    expect(r.l1Reach).toBe(32);
    expect(r.points[0].walksPerAccess).toBe(0);
  });

  it("rejects bad options and machines without a TLB model", () => {
    expect(() => tlbReachExperiment({}, { strideBytes: 1000 })).toThrow(/multiple of the page size/);
    expect(() => tlbReachExperiment({}, { pages: [] })).toThrow(InvalidArgumentError);
    expect(() => tlbReachExperiment({}, { iterations: 0 })).toThrow(/iterations/);
    expect(() => tlbReachExperiment(new Machine({ mmu: () => new SimpleMmu() }), { pages: [1] })).toThrow(UnsupportedError);
    expect(() => tlbReachExperiment({ preset: "macos-arm64" }, { hugePages: true })).toThrow(/no transparent huge pages/);
  });
});

describe("sweepExperiment over 2 GiB of float64", () => {
  it("sequential: one L1 miss per page; random: a miss nearly every access; 2 MiB pages: 512x fewer", () => {
    const r = sweepExperiment({ cpu: "skylake" }, { randomAccesses: 4096 });
    const phase = (label: string) => r.phases.find((p) => p.label === label)!;
    expect(r.phases.map((p) => p.label)).toEqual([
      "4K first touch", "4K sequential", "4K random", "2M first touch", "2M sequential", "2M random",
    ]);
    const seq = phase("4K sequential");
    expect(seq.accesses).toBe(2 ** 28);
    expect(seq.tlb.l1d.misses).toBe(524_288);
    expect(seq.tlb.l1d.hits).toBe(2 ** 28 - 524_288);
    expect(phase("4K first touch").faults.minor).toBe(524_288);
    const rnd = phase("4K random");
    expect(rnd.accesses).toBe(4096);
    expect(rnd.tlb.l1d.misses).toBeGreaterThan(4000);
    expect(rnd.cyclesPerAccess).toBeGreaterThan(seq.cyclesPerAccess);
    const hugeSeq = phase("2M sequential");
    expect(hugeSeq.tlb.l1d.misses).toBe(1024);
    expect(phase("2M first touch").faults.huge).toBe(1024);
    expect(phase("2M random").walks).toBeLessThan(rnd.walks);
  });

  it("base pages only on a platform without THP", () => {
    const r = sweepExperiment({ preset: "macos-arm64" }, { bytes: 2 ** 24, randomAccesses: 100 });
    expect(r.cpu).toBe("apple-m1");
    expect(r.phases.map((p) => p.label)).toEqual(["16K first touch", "16K sequential", "16K random"]);
    expect(r.phases[1].tlb.l1d.misses).toBe(2 ** 24 / 16384);
  });
});
