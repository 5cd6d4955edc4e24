import { describe, expect, it } from "vitest";
import { TlbMmu } from "../../src/hardware/mmu";
import { cpuPreset, customCpu } from "../../src/hardware/cpu-presets";
import { InvalidArgumentError } from "../../src/errors";
import type { FaultHandler } from "../../src/hardware/translation";
import { FixturePageTable, linuxLikeFaults } from "./fixture-page-table";

const K4 = 4096;
const M2 = 2 ** 21;
const G1 = 2 ** 30;
const BASE = 2 ** 40; // a 512 GiB-aligned region, far from zero

function setup(cpu: ConstructorParameters<typeof TlbMmu>[0] = "skylake", shape = {}, pageShift = 12) {
  const mmu = new TlbMmu(cpu);
  const pt = new FixturePageTable(shape);
  const onFault = linuxLikeFaults(pt, mmu, 1, [{ start: BASE, length: 2 ** 36, pageShift }]);
  return { mmu, pt, onFault };
}

describe("TlbMmu counting", () => {
  it("a sequential write sweep over 4 KiB pages: one L1 miss per page, the rest L1 hits", () => {
    const { mmu, pt, onFault } = setup();
    const pages = 300;
    for (let p = 0; p < pages; p++) mmu.translate(1, pt, BASE + p * K4, "write", 512, onFault);
    const s = mmu.stats;
    expect(s.accesses).toBe(pages * 512);
    expect(s.tlb.l1d.misses).toBe(pages);
    expect(s.tlb.l1d.hits).toBe(pages * 511);
    expect(s.tlb.l1d.bySize["4K"]).toEqual({ hits: pages * 511, misses: pages });
    expect(s.tlb.l2.misses).toBe(pages);
    expect(s.faults).toBe(pages); // one write fault per page, no zero page on the way
    expect(s.walks).toBe(2 * pages); // the faulting walk and the retry
  });

  it("read then write of an untouched page: zero page, then a permission fault from the TLB", () => {
    const { mmu, pt, onFault } = setup();
    const read = { ...mmu.translate(1, pt, BASE, "read", 1, onFault) };
    expect(read).toMatchObject({ zeroPage: true, writable: false, pfn: 0 });
    expect(mmu.stats.faults).toBe(1);
    const before = mmu.snapshot();
    const write = { ...mmu.translate(1, pt, BASE + 8, "write", 3, onFault) };
    expect(write.writable).toBe(true);
    expect(write.zeroPage).toBe(false);
    expect(write.pfn).not.toBe(0);
    const d = mmu.diff(before, mmu.snapshot());
    expect(d.faults).toBe(1); // the read-only TLB entry refused the write
    expect(d.tlb.l1d.misses).toBe(1);
    expect(d.tlb.l1d.hits).toBe(2);
    expect(d.tlb.l2.hits + d.tlb.l2.misses).toBe(0); // faulted straight from the L1 entry
    expect(d.walks).toBe(1); // only the retry walks
    // Afterwards writes hit.
    const after = mmu.snapshot();
    mmu.translate(1, pt, BASE + 16, "write", 1, onFault);
    expect(mmu.diff(after, mmu.snapshot()).tlb.l1d.hits).toBe(1);
  });

  it("a translation changed without invalidation stays stale; invalidateRange drops it (L1 and L2)", () => {
    const { mmu, pt, onFault } = setup();
    mmu.translate(1, pt, BASE, "write", 1, onFault);
    const first = mmu.translate(1, pt, BASE, "read", 1, onFault).pfn;
    pt.map(BASE, { pfn: 77, pageShift: 12, writable: true, zeroPage: false });
    expect(mmu.translate(1, pt, BASE, "read", 1, onFault).pfn).toBe(first); // stale, as on hardware
    mmu.invalidateRange(1, BASE, K4);
    expect(mmu.translate(1, pt, BASE, "read", 1, onFault).pfn).toBe(77);

    // Push BASE out of the L1 (64 entries, 4-way: 16 sets) but not out of the STLB.
    for (let p = 1; p <= 64; p++) mmu.translate(1, pt, BASE + p * 16 * K4, "write", 1, onFault);
    pt.map(BASE, { pfn: 78, pageShift: 12, writable: true, zeroPage: false });
    const before = mmu.snapshot();
    expect(mmu.translate(1, pt, BASE, "read", 1, onFault).pfn).toBe(77); // stale in the STLB
    expect(mmu.diff(before, mmu.snapshot()).tlb.l2.hits).toBe(1);
    mmu.invalidateRange(1, BASE, 1);
    expect(mmu.translate(1, pt, BASE, "read", 1, onFault).pfn).toBe(78);
  });

  it("invalidateRange covers huge pages that overlap the range", () => {
    const { mmu, pt, onFault } = setup("skylake", {}, 21);
    mmu.translate(1, pt, BASE + 5 * K4, "write", 1, onFault);
    pt.map(BASE, { pfn: 4096, pageShift: 21, writable: true, zeroPage: false });
    mmu.invalidateRange(1, BASE + M2 - K4, K4); // the last 4 KiB of the 2 MiB page
    expect(mmu.translate(1, pt, BASE + 100, "read", 1, onFault).pfn).toBe(4096);
  });

  it("a fault handler that itself translates through the MMU leaves one entry per page", () => {
    const mmu = new TlbMmu("skylake");
    const pt = new FixturePageTable();
    const onFault: FaultHandler = (vaddr, kind) => {
      pt.map(vaddr, { pfn: 5, pageShift: 12, writable: true, zeroPage: false });
      mmu.translate(1, pt, vaddr, kind, 1, onFault); // e.g. the kernel touching the new page
    };
    expect(mmu.translate(1, pt, BASE, "write", 1, onFault).pfn).toBe(5);
    const stlb = mmu.l2.tlbs[0];
    expect(stlb.find(1, BASE, 12)).toBeGreaterThanOrEqual(0);
    expect(stlb.occupancy()).toBe(1);
    pt.map(BASE, { pfn: 6, pageShift: 12, writable: true, zeroPage: false });
    mmu.invalidateRange(1, BASE, K4);
    expect(stlb.find(1, BASE, 12)).toBe(-1);
    expect(mmu.translate(1, pt, BASE, "read", 1, onFault).pfn).toBe(6);
  });

  it("entries are tagged by address space; invalidateAsid drops only its own", () => {
    const mmu = new TlbMmu("skylake");
    const a = new FixturePageTable();
    const b = new FixturePageTable();
    a.map(BASE, { pfn: 10, pageShift: 12, writable: true, zeroPage: false });
    b.map(BASE, { pfn: 20, pageShift: 12, writable: true, zeroPage: false });
    const never: FaultHandler = () => {
      throw new Error("no fault expected");
    };
    expect(mmu.translate(1, a, BASE, "read", 1, never).pfn).toBe(10);
    expect(mmu.translate(2, b, BASE, "read", 1, never).pfn).toBe(20);
    expect(mmu.translate(1, a, BASE, "read", 1, never).pfn).toBe(10);
    mmu.invalidateAsid(1);
    const before = mmu.snapshot();
    mmu.translate(2, b, BASE, "read", 1, never);
    mmu.translate(1, a, BASE, "read", 1, never);
    const d = mmu.diff(before, mmu.snapshot());
    expect(d.tlb.l1d.hits).toBe(1);
    expect(d.tlb.l1d.misses).toBe(1);
    expect(d.walks).toBe(1);
  });

  it("walk caches: the first walk reads 4 entries, a neighbour page 1 (PDE cache), a 2 MiB page 1 (PDPTE)", () => {
    const { mmu, pt, onFault } = setup();
    mmu.translate(1, pt, BASE, "write", 1, onFault);
    mmu.invalidateRange(1, BASE, K4); // also empties the walk caches (INVLPG)
    expect(mmu.walkCaches.map((c) => c.occupancy())).toEqual([0, 0, 0]);
    let before = mmu.snapshot();
    mmu.translate(1, pt, BASE, "read", 1, onFault);
    let d = mmu.diff(before, mmu.snapshot());
    expect(d.walkRefs).toBe(4);
    expect(d.walkCacheHits).toBe(0);
    pt.map(BASE + K4, { pfn: 5, pageShift: 12, writable: true, zeroPage: false });
    before = mmu.snapshot();
    mmu.translate(1, pt, BASE + K4, "read", 1, onFault);
    d = mmu.diff(before, mmu.snapshot());
    expect(d.walkRefs).toBe(1);
    expect(d.walkCacheHitsBy.PDE).toBe(1);
    pt.map(BASE + 3 * M2, { pfn: 512, pageShift: 21, writable: true, zeroPage: false });
    before = mmu.snapshot();
    const leaf = mmu.translate(1, pt, BASE + 3 * M2 + 12345, "read", 1, onFault);
    expect(leaf.pageShift).toBe(21);
    d = mmu.diff(before, mmu.snapshot());
    expect(d.walkRefs).toBe(1);
    expect(d.walkCacheHitsBy.PDPTE).toBe(1);
    expect(d.tlb.l1d.bySize["2M"].misses).toBe(1);
  });

  it("LA57: a cold walk reads 5 entries", () => {
    const { mmu, pt, onFault } = setup(customCpu("skylake", { pageTableLevels: 5 }), { levels: 5 });
    const before = mmu.snapshot();
    mmu.translate(1, pt, BASE, "write", 1, onFault);
    const d = mmu.diff(before, mmu.snapshot());
    // The faulting walk stops at the missing PML5E (1 reference); the retry reads all 5.
    expect(d.walkRefs).toBe(1 + 5);
  });

  it("apple-m1: 16 KiB pages, one L1 miss per 16 KiB page", () => {
    const { mmu, pt, onFault } = setup("apple-m1", { basePageShift: 14, bitsPerLevel: 11 }, 14);
    for (let p = 0; p < 10; p++) mmu.translate(1, pt, BASE + p * 16384, "write", 2048, onFault);
    expect(mmu.stats.tlb.l1d.bySize["16K"]).toEqual({ hits: 10 * 2047, misses: 10 });
  });

  it("a page size only the STLB holds: L1 misses and STLB hits after the first access", () => {
    const cpu = customCpu("skylake", { l1d: [{ name: "L1d 4K", entries: 64, ways: 4, pageSizes: ["4K"] }] });
    const { mmu, pt, onFault } = setup(cpu, {}, 30);
    mmu.translate(1, pt, BASE + 5 * G1, "write", 10, onFault);
    const s = mmu.stats;
    expect(s.tlb.l1d.bySize["1G"]).toEqual({ hits: 0, misses: 10 });
    expect(s.tlb.l2.bySize["1G"]).toEqual({ hits: 9, misses: 1 });
  });

  it("a page size no TLB holds walks on every access, each walk helped by the PML4E cache", () => {
    const cpu = customCpu("skylake", {
      l1d: [{ name: "L1d 4K", entries: 64, ways: 4, pageSizes: ["4K"] }],
      l2: [{ name: "STLB", entries: 1536, ways: 12, pageSizes: ["4K", "2M"] }],
    });
    const { mmu, pt, onFault } = setup(cpu, {}, 30);
    mmu.translate(1, pt, BASE + 5 * G1, "write", 10, onFault);
    const s = mmu.stats;
    expect(s.tlb.l1d.bySize["1G"]).toEqual({ hits: 0, misses: 10 });
    expect(s.tlb.l2.bySize["1G"]).toEqual({ hits: 0, misses: 10 });
    // The faulting walk stops at the missing PML4E (1), the retry reads PML4E + PDPTE (2),
    // then 9 walks start from the cached PML4E and read the 1 GiB PDPTE only.
    expect(s.walks).toBe(11);
    expect(s.walkRefs).toBe(1 + 2 + 9);
    expect(s.walkCacheHitsBy).toEqual({ PDE: 0, PDPTE: 0, PML4E: 9 });
  });

  it("instruction fetches go through the L1 iTLB and the shared STLB", () => {
    const { mmu, pt, onFault } = setup();
    mmu.translate(1, pt, BASE, "write", 1, onFault);
    mmu.translateFetch(1, pt, BASE, 4, onFault);
    const s = mmu.stats;
    expect(s.fetches).toBe(4);
    expect(s.tlb.l1i).toMatchObject({ hits: 3, misses: 1 });
    expect(s.tlb.l2.hits).toBe(1); // the data access left it in the STLB
  });
});

describe("TlbMmu storage", () => {
  it("arrays too large for the WebAssembly memory's first 256 KiB grow it, and translations read after the growth stay right", () => {
    // 2**16 STLB entries need about 2 MiB: the memory grows while the MMU is built, which detaches
    // any view made before; every translation must still come back with its own frame.
    const big = customCpu("skylake", { l2: [{ name: "STLB", entries: 2 ** 16, ways: 16, pageSizes: ["4K", "2M"] }] });
    const { mmu, pt, onFault } = setup(big);
    const pages = 3000;
    const pfns = Array.from({ length: pages }, (_, p) => mmu.translate(1, pt, BASE + p * K4, "write", 1, onFault).pfn);
    expect(new Set(pfns).size).toBe(pages);
    const before = mmu.snapshot();
    for (let p = 0; p < pages; p++) expect(mmu.translate(1, pt, BASE + p * K4, "read", 1, onFault).pfn).toBe(pfns[p]);
    const d = mmu.diff(before, mmu.snapshot());
    expect(d.tlb.l2.hits).toBe(pages); // all 3000 in the big STLB, none left in the 64-entry L1
    expect(d.walks).toBe(0);
  });
});

describe("TlbMmu errors and costs", () => {
  it("a fault handler that maps nothing is reported after a few faults", () => {
    const mmu = new TlbMmu();
    const pt = new FixturePageTable();
    expect(() => mmu.translate(1, pt, BASE, "read", 1, () => {})).toThrow(/onFault returned 4 times/);
  });

  it("bad arguments are rejected by name and change nothing", () => {
    const { mmu, pt, onFault } = setup();
    const before = mmu.snapshot();
    const bad: [string, () => unknown][] = [
      ["asid", () => mmu.translate(-1, pt, BASE, "read", 1, onFault)],
      ["vaddr", () => mmu.translate(1, pt, 2 ** 57, "read", 1, onFault)],
      ["vaddr", () => mmu.translate(1, pt, 1.5, "read", 1, onFault)],
      ["kind", () => mmu.translate(1, pt, BASE, "exec" as never, 1, onFault)],
      ["repeats", () => mmu.translate(1, pt, BASE, "read", 0, onFault)],
      ["onFault", () => mmu.translate(1, pt, BASE, "read", 1, null as never)],
      ["pageTable", () => mmu.translate(1, {} as never, BASE, "read", 1, onFault)],
      ["length", () => mmu.invalidateRange(1, BASE, -1)],
      ["start", () => mmu.invalidateRange(1, NaN, 1)],
    ];
    for (const [name, call] of bad) {
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(new RegExp(`^${name} `));
    }
    expect(mmu.snapshot()).toEqual(before);
  });

  it("cycles are counts times the preset's figures; overrides change cycles, not counts", () => {
    const run = (mmu: TlbMmu) => {
      const pt = new FixturePageTable();
      const onFault = linuxLikeFaults(pt, mmu, 1, [{ start: BASE, length: 2 ** 30, pageShift: 12 }]);
      for (let p = 0; p < 100; p++) mmu.translate(1, pt, BASE + p * K4, "write", 512, onFault);
      return mmu.stats;
    };
    const base = run(new TlbMmu("skylake"));
    const k = new TlbMmu("skylake").cpu.costs;
    expect(base.cycles.l1Hit).toBe(base.tlb.l1d.hits * k.l1Hit);
    expect(base.cycles.walk).toBe(base.walks * k.walkStart + base.walkRefs * k.walkRef + base.walkCacheHits * k.walkCacheHit);
    expect(base.cycles.l2Hit).toBe(base.tlb.l2.hits * k.l2Hit);
    expect(base.cycles.total).toBe(base.cycles.l1Hit + base.cycles.l2Hit + base.cycles.walk);
    const custom = customCpu("skylake", { costs: { walkRef: 100, l1Hit: 2 } });
    expect(custom.costSources.walkRef).toBe("override");
    expect(custom.costSources.l2Hit).toBe(cpuPreset("skylake").costSources.l2Hit);
    const other = run(new TlbMmu(custom));
    expect(other.walkRefs).toBe(base.walkRefs);
    expect(other.tlb).toEqual(base.tlb);
    expect(other.cycles.l1Hit).toBe(2 * base.cycles.l1Hit);
    expect(other.cycles.walk).toBe(base.cycles.walk + base.walkRefs * (100 - k.walkRef));
  });
});
