// The acceptance scenarios, measured on the simulator.

import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel";
import { GiB, MiB } from "./helpers";

describe("Linux preset, 2 GiB anonymous mapping", () => {
  it("costs nothing until touched, one page per written page, and everything back on munmap", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const base = proc.status();
    const freeBefore = machine.meminfo().MemFree;

    const addr = proc.mmap(2 * GiB);
    expect(proc.status().VmRSS).toBe(base.VmRSS);
    expect(proc.status().VmSize).toBe(base.VmSize + 2 * 1024 * 1024);

    proc.memset(addr + 2 * GiB - 4096, 0xab, 1);
    expect(proc.status().VmRSS - base.VmRSS).toBe(4);

    const zeroMaps = proc.counters.zeroPageMaps;
    proc.touch(addr + 4096, 1, "read");
    expect(proc.status().VmRSS - base.VmRSS).toBe(4);
    expect(proc.counters.zeroPageMaps).toBe(zeroMaps + 1);

    const faults = proc.counters.minorFaults;
    proc.memset(addr, 7, 2 * GiB);
    expect(proc.counters.minorFaults - faults).toBe(524_287);
    expect(proc.status().VmRSS - base.VmRSS).toBe(2 * 1024 * 1024);
    expect(proc.counters.kernelBytesCopied).toBe(0);
    machine.check();
    expect(proc.read(addr + GiB, 3)).toEqual(new Uint8Array([7, 7, 7]));

    proc.munmap(addr, 2 * GiB);
    expect(proc.status()).toMatchObject({ VmRSS: base.VmRSS, VmSize: base.VmSize });
    expect(machine.meminfo().MemFree).toBe(freeBefore);
    machine.check();
    // Memory is the subject: 2 GiB of simulated pages cost a few host MB (8-byte patterns per frame).
    expect(machine.memory.hostBytes).toBeLessThan(16 * MiB);
  });
});

describe("THP madvise mode on a 2 MiB-aligned 64 MiB range", () => {
  it("maps a 2 MiB page on a write and the huge zero page on a read", () => {
    const machine = new Machine({ thp: "madvise" });
    const proc = machine.spawn();
    const addr = proc.mmap(64 * MiB);
    expect(addr % (2 * MiB)).toBe(0);
    proc.madvise(addr, 64 * MiB, "hugepage");
    const rss = proc.status().VmRSS;

    proc.memset(addr + 5 * MiB, 1, 1);
    expect(proc.status().VmRSS - rss).toBe(2048);
    expect(proc.smaps()[0].AnonHugePages).toBe(2048);
    expect(machine.meminfo().AnonHugePages).toBe(2048);
    expect(proc.counters.thpFaults).toBe(1);

    proc.touch(addr + 20 * MiB, 1, "read");
    expect(proc.status().VmRSS - rss).toBe(2048);
    expect(proc.counters.zeroPageMaps).toBe(1);
    expect(proc.pageStates(addr + 20 * MiB, 4096)[0]).toBe(4); // PageState.HugeZero
    machine.check();
  });
});

describe("eager preset", () => {
  it("backs and clears a 2 GiB mapping at once", () => {
    const machine = new Machine({ preset: "eager" });
    const proc = machine.spawn();
    const free = machine.meminfo().MemFree;
    proc.mmap(2 * GiB);
    expect(proc.status().VmRSS).toBe(2 * 1024 * 1024);
    expect(free - machine.meminfo().MemFree).toBe(2 * 1024 * 1024);
    expect(proc.counters.kernelBytesZeroed).toBe(2 * GiB);
    expect(proc.counters.minorFaults).toBe(0);
    machine.check();
  });
});

describe("strict overcommit", () => {
  it("refuses a 10 GiB mmap on 16 GiB without swap, naming the numbers", () => {
    const machine = new Machine({ overcommit: 2, ramBytes: 16 * GiB });
    const proc = machine.spawn();
    expect(() => proc.mmap(10 * GiB)).toThrowError(/request 10485760 kB \+ Committed_AS 0 kB exceeds CommitLimit 8388608 kB/);
    expect(proc.vmas()).toEqual([]);
  });
});
