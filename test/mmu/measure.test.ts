import { SimpleMmu } from "../../src/hardware/simple-mmu";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel/machine";
import { measure } from "../../src/kernel/measure";
import { tlbMmu } from "../../src/hardware/mmu-factory";
import { TlbMmu } from "../../src/hardware/mmu";
import { cpuPreset } from "../../src/hardware/cpu-presets";
import { InvalidArgumentError, UnsupportedError } from "../../src/errors";

const GiB = 2 ** 30;
const N = 2 ** 28; // float64 elements in 2 GiB

describe("measure on the simulated kernel", () => {
  it("a sequential write sweep of 2**28 float64 on 4 KiB pages: one L1 miss per page, the rest hits", () => {
    const machine = new Machine({ mmu: tlbMmu("skylake") });
    const proc = machine.spawn();
    const addr = proc.mmap(2 * GiB);
    const first = measure(proc, () => proc.accessPages(addr, 2 * GiB, "write", undefined, { elementSize: 8 }), "first touch");
    const pages = (2 * GiB) / 4096;
    expect(first.accesses).toBe(N);
    expect(first.tlb.l1d.misses).toBe(pages);
    expect(first.tlb.l1d.hits).toBe(N - pages);
    expect(first.tlb.l1d.bySize["4K"].misses).toBe(pages);
    expect(first.faults).toEqual({ zeroPage: 0, minor: pages, huge: 0, cow: 0, total: pages });
    const costs = cpuPreset("skylake").costs;
    expect(first.cycles.minorFault).toBe(pages * costs.minorFault);
    expect(first.cycles.l1Hit).toBe((N - pages) * costs.l1Hit);
    expect(first.cycles.total).toBeCloseTo(first.cyclesPerAccess * N, 0);

    const again = measure(proc, () => proc.accessPages(addr, 2 * GiB, "write", undefined, { elementSize: 8 }), "again");
    expect(again.tlb.l1d.misses).toBe(pages);
    expect(again.faults.total).toBe(0);
    expect(again.walks).toBe(pages); // nothing faults: one walk per page
    expect(again.cycles.minorFault).toBe(0);
    expect(again.cyclesPerAccess).toBeLessThan(first.cyclesPerAccess);
  });

  it("with THP and madvise(hugepage), misses drop by the 512 pages a huge page holds", () => {
    const machine = new Machine({ mmu: tlbMmu("skylake"), thp: "madvise" });
    const proc = machine.spawn();
    const raw = proc.mmap(2 * GiB + 2 * 2 ** 20);
    const addr = Math.ceil(raw / 2 ** 21) * 2 ** 21; // 2 MiB-aligned inside the mapping
    proc.madvise(raw, 2 * GiB + 2 * 2 ** 20, "hugepage");
    const phase = measure(proc, () => proc.accessPages(addr, 2 * GiB, "write", undefined, { elementSize: 8 }));
    expect(phase.faults.huge).toBe(1024);
    expect(phase.tlb.l1d.misses).toBe(1024);
    expect(phase.tlb.l1d.bySize["2M"]).toEqual({ hits: N - 1024, misses: 1024 });
    expect(phase.cycles.hugeFault).toBe(1024 * cpuPreset("skylake").costs.hugeFault);
  });

  it("a read then a write of untouched memory: zero-page maps, then write faults", () => {
    const machine = new Machine({ mmu: tlbMmu("skylake") });
    const proc = machine.spawn();
    const addr = proc.mmap(64 * 4096);
    const read = measure(proc, () => proc.accessPages(addr, 64 * 4096, "read", undefined, { elementSize: 8 }));
    expect(read.faults).toMatchObject({ zeroPage: 64, minor: 0, total: 64 });
    expect(read.cycles.zeroPageMap).toBe(64 * cpuPreset("skylake").costs.zeroPageMap);
    const write = measure(proc, () => proc.accessPages(addr, 64 * 4096, "write", undefined, { elementSize: 8 }));
    // The read-only zero-page entries in the TLB refuse the writes: one fault per page, new pages.
    expect(write.faults).toMatchObject({ zeroPage: 0, minor: 64, total: 64 });
    expect(write.tlb.l1d.misses).toBe(64);
    expect(write.kernel.kernelBytesZeroed).toBe(64 * 4096);
  });

  it("munmap, mprotect, madvise(dontneed) and fork leave no stale translation", () => {
    const machine = new Machine({ mmu: tlbMmu("skylake") });
    const mmu = machine.mmu as TlbMmu;
    const proc = machine.spawn();
    const addr = proc.mmap(16 * 4096);
    const cached = (a: number) => mmu.l1d.tlbs[0].find(proc.pid, a, 12) >= 0 || mmu.l2.tlbs[0].find(proc.pid, a, 12) >= 0;
    proc.touch(addr, 16 * 4096, "write");
    expect(cached(addr)).toBe(true);
    proc.madvise(addr, 4096, "dontneed");
    expect(cached(addr)).toBe(false);
    expect(cached(addr + 4096)).toBe(true);
    // The page is gone: the next write faults in a fresh page (a stale entry would have hit).
    expect(measure(proc, () => proc.touch(addr, 1, "write")).faults.minor).toBe(1);

    // After fork the parent's pages are shared read-only: its next write must copy.
    const child = proc.fork();
    expect(cached(addr + 4096)).toBe(false);
    const write = measure(proc, () => proc.touch(addr + 4096, 1, "write"));
    expect(write.faults.cow).toBe(1);
    expect(proc.frameOf(addr + 4096)).not.toBe(child.frameOf(addr + 4096));

    proc.touch(addr, 16 * 4096, "read");
    proc.mprotect(addr, 8 * 4096, "read");
    expect(cached(addr)).toBe(false);
    expect(cached(addr + 8 * 4096)).toBe(true);
    proc.munmap(addr, 16 * 4096);
    for (let p = 0; p < 16; p++) expect(cached(addr + p * 4096)).toBe(false);
  });

  it("needs a TLB-modelling MMU and a function", () => {
    const plain = new Machine({ mmu: () => new SimpleMmu() });
    const proc = plain.spawn();
    expect(() => measure(proc, () => {})).toThrow(UnsupportedError);
    const machine = new Machine({ mmu: tlbMmu() });
    expect(() => measure(machine.spawn(), 3 as never)).toThrow(InvalidArgumentError);
    // Every MMU platform models its CPU's TLBs by default (skylake on linux-x86_64).
    const byDefault = new Machine().spawn();
    const addr = byDefault.mmap(4096);
    const phase = byDefault.measure(() => byDefault.touch(addr, 4096, "write"));
    expect(phase.cpu).toBe("skylake");
    expect(phase.faults.total).toBe(1);
  });

  it("tlbMmu picks the platform's CPU and refuses a CPU without TLBs for its pages", () => {
    expect((new Machine({ mmu: tlbMmu() }).mmu as TlbMmu).cpu.name).toBe("skylake");
    expect((new Machine({ preset: "macos-arm64", mmu: tlbMmu() }).mmu as TlbMmu).cpu.name).toBe("apple-m1");
    expect(() => new Machine({ preset: "macos-arm64", mmu: tlbMmu("skylake") })).toThrow(/no L1 data TLB for the 16K pages/);
    expect(() => tlbMmu("pentium" as never)).toThrow(InvalidArgumentError);
  });
});
