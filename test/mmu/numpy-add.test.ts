// The acceptance claim: np.add(l, 0, { out: l }) over np.zeros(2**28) on skylake.
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel/machine";
import { measure } from "../../src/kernel/measure";
import { tlbMmu } from "../../src/hardware/mmu-factory";
import { numpy } from "../../src/runtime";

const N = 2 ** 28;
const PAGES = (N * 8) / 4096;

describe("np.add(l, 0, { out: l }) over 2**28 float64 on skylake", () => {
  it("4 KiB pages: one L1 miss per page visit (a read and a write visit per page), hits for the rest", () => {
    const proc = new Machine({ mmu: tlbMmu("skylake") }).spawn();
    const np = numpy(proc);
    const l = np.zeros(N);
    const phase = measure(proc, () => np.add(l, 0, { out: l }));
    expect(phase.accesses).toBe(2 * N);
    expect(phase.tlb.l1d.misses).toBe(2 * PAGES);
    expect(phase.tlb.l1d.hits).toBe(2 * N - 2 * PAGES);
    // Reads map the zero page; the writes then find read-only entries and fault to new pages.
    expect(phase.faults).toMatchObject({ zeroPage: PAGES, minor: PAGES });
  });

  it("THP with numpy's madvise(hugepage): one L1 miss per 2 MiB page, misses drop ~512-fold", () => {
    // Without the huge zero page, the first read of each huge range faults in a real THP.
    const proc = new Machine({ mmu: tlbMmu("skylake"), thp: "madvise", hugeZeroPage: false }).spawn();
    const np = numpy(proc, { version: "2.2" }); // 2.2+ hints huge pages for zeros (REFERENCE §2.5)
    const l = np.zeros(N);
    const phase = measure(proc, () => np.add(l, 0, { out: l }));
    expect(phase.faults.huge).toBeGreaterThan(1000);
    expect(phase.tlb.l1d.bySize["2M"].misses).toBe(phase.faults.huge);
    expect(phase.tlb.l1d.misses).toBeLessThan((2 * PAGES) / 256);
  });
});
