// REFERENCE §3.4: transparent huge pages — modes, the aligned-range rule, the huge zero page,
// fallbacks, splits on write to the huge zero page, COW and partial unmap.

import { describe, expect, it } from "vitest";
import { Machine, PageState } from "../../src/kernel";
import { MiB } from "./helpers";

const HUGE = 2 * MiB;

function mapped(thp: "always" | "madvise" | "never", length = 16 * MiB) {
  const machine = new Machine({ thp });
  const proc = machine.spawn();
  const addr = proc.mmap(length);
  return { machine, proc, addr };
}

describe("THP modes", () => {
  it("always: a write maps a huge page without madvise", () => {
    const { machine, proc, addr } = mapped("always");
    proc.touch(addr, 1, "write");
    expect(proc.status().VmRSS).toBe(2048);
    expect(proc.counters).toMatchObject({ thpFaults: 1, minorFaults: 1, kernelBytesZeroed: HUGE });
    expect(proc.smaps()[0]).toMatchObject({ AnonHugePages: 2048, THPeligible: 1 });
    machine.check();
  });

  it("madvise: base pages until MADV_HUGEPAGE, then huge pages (VmFlags hg)", () => {
    const { machine, proc, addr } = mapped("madvise");
    proc.touch(addr, 1, "write");
    expect(proc.status().VmRSS).toBe(4);
    expect(proc.smaps()[0]).toMatchObject({ THPeligible: 0 });
    proc.madvise(addr + 4 * MiB, 4 * MiB, "hugepage");
    const vma = proc.smaps().find((v) => v.start === addr + 4 * MiB);
    expect(vma).toMatchObject({ THPeligible: 1, VmFlags: "rd wr mr mw me ac hg" });
    proc.touch(addr + 4 * MiB, 1, "write");
    expect(proc.status().VmRSS).toBe(4 + 2048);
    machine.check();
  });

  it("never: base pages even with MADV_HUGEPAGE", () => {
    const { proc, addr } = mapped("never");
    proc.madvise(addr, 16 * MiB, "hugepage");
    proc.touch(addr, 1, "write");
    expect(proc.status().VmRSS).toBe(4);
    expect(proc.counters.thpFaults).toBe(0);
  });

  it("nohugepage opts a VMA out of always", () => {
    const { proc, addr } = mapped("always");
    proc.madvise(addr, 16 * MiB, "nohugepage");
    proc.touch(addr, 1, "write");
    expect(proc.status().VmRSS).toBe(4);
    expect(proc.smaps()[0].VmFlags).toContain("nh");
  });
});

describe("the aligned range must lie inside the VMA", () => {
  it("falls back to base pages (thpFallbacks) at the unaligned edges of a mapping", () => {
    const machine = new Machine({ thp: "always" });
    const proc = machine.spawn();
    const addr = proc.mmap(3 * MiB); // not a multiple of 2 MiB: only page-aligned
    const firstHuge = Math.ceil(addr / HUGE) * HUGE;
    proc.touch(addr, 3 * MiB, "write");
    const fits = firstHuge + HUGE <= addr + 3 * MiB ? 1 : 0;
    expect(proc.counters.thpFaults).toBe(fits);
    expect(proc.counters.thpFallbacks).toBeGreaterThan(0);
    expect(proc.status().VmRSS).toBe(3 * 1024);
    machine.check();
  });

  it("falls back when no aligned run of free frames exists", () => {
    const machine = new Machine({ thp: "madvise", ramBytes: 4 * MiB });
    const proc = machine.spawn();
    // 520 base pages cannot fit in one 512-frame block: both blocks get used pages.
    const small = proc.mmap(520 * 4096);
    proc.touch(small, 520 * 4096, "write");
    const big = proc.mmap(HUGE);
    proc.madvise(big, HUGE, "hugepage");
    proc.touch(big, 1, "write");
    expect(proc.counters.thpFaults).toBe(0);
    expect(proc.counters.thpFallbacks).toBe(1);
    expect(proc.status().VmRSS).toBe(521 * 4);
    machine.check();
  });
});

describe("huge zero page", () => {
  it("maps on read, and a later write splits it: only one base page becomes resident", () => {
    const { machine, proc, addr } = mapped("always");
    proc.touch(addr, HUGE, "read");
    expect(proc.counters).toMatchObject({ zeroPageMaps: 1, minorFaults: 1, thpFaults: 0 });
    expect(proc.status().VmRSS).toBe(0);
    expect(proc.pageStates(addr, HUGE).every((s) => s === PageState.HugeZero)).toBe(true);

    proc.write(addr + 8192, new Uint8Array([42]));
    expect(proc.status().VmRSS).toBe(4);
    expect(proc.counters).toMatchObject({ thpSplits: 1, kernelBytesCopied: 0 });
    const states = proc.pageStates(addr, HUGE);
    expect(states[2]).toBe(PageState.Resident);
    expect(states[0]).toBe(PageState.ZeroPage);
    expect(proc.read(addr + 8190, 4)).toEqual(new Uint8Array([0, 0, 42, 0]));
    machine.check();
  });
});

describe("huge pages with fork, partial unmap, mprotect and dontneed", () => {
  it("splits a shared THP on write and copies only the written base page", () => {
    const { machine, proc, addr } = mapped("always");
    proc.memset(addr, 3, HUGE);
    const child = proc.fork();
    expect(machine.meminfo().AnonHugePages).toBe(2048);
    child.write(addr, new Uint8Array([4]));
    expect(child.counters).toMatchObject({ cowCopies: 1, kernelBytesCopied: 4096, thpSplits: 1 });
    expect(child.status().VmRSS).toBe(2048);
    expect(proc.read(addr, 1)[0]).toBe(3);
    expect(child.read(addr, 2)).toEqual(new Uint8Array([4, 3]));
    machine.check();
  });

  it("keeps a THP whole when only the parent is left", () => {
    const { machine, proc, addr } = mapped("always");
    proc.memset(addr, 3, HUGE);
    proc.fork().exit();
    proc.write(addr, new Uint8Array([1]));
    expect(proc.counters).toMatchObject({ cowCopies: 0, thpSplits: 0 });
    expect(proc.smaps()[0].AnonHugePages).toBe(2048);
    machine.check();
  });

  it("splits at the edge of a partial munmap and frees only the unmapped part", () => {
    const { machine, proc, addr } = mapped("always");
    proc.memset(addr, 1, HUGE);
    proc.munmap(addr + MiB, MiB);
    expect(proc.status().VmRSS).toBe(1024);
    expect(proc.smaps()[0].AnonHugePages).toBe(0);
    expect(proc.read(addr + MiB - 1, 1)[0]).toBe(1);
    machine.check();
  });

  it("drops a whole THP with MADV_DONTNEED and reads zero afterwards", () => {
    const { machine, proc, addr } = mapped("always");
    proc.memset(addr, 9, HUGE);
    proc.madvise(addr, HUGE, "dontneed");
    expect(proc.status().VmRSS).toBe(0);
    expect(proc.read(addr, 1)[0]).toBe(0);
    machine.check();
  });

  it("splits a THP under a partial mprotect", () => {
    const { machine, proc, addr } = mapped("always");
    proc.memset(addr, 9, HUGE);
    proc.mprotect(addr, 4096, "read");
    expect(proc.vmas().length).toBe(2);
    expect(proc.status().VmRSS).toBe(2048);
    expect(() => proc.write(addr, new Uint8Array([1]))).toThrowError(/protection/);
    proc.write(addr + 4096, new Uint8Array([1]));
    machine.check();
  });
});
