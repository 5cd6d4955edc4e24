// Address-space calls: top-down placement with gap reuse and merging, partial munmap,
// mprotect of PROT_NONE reservations, brk/sbrk, and page tables freed on munmap.

import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel";
import { MiB } from "./helpers";

describe("mmap placement", () => {
  it("places mappings top-down below mmap_base and merges adjacent compatible ones", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const a = proc.mmap(8192);
    const b = proc.mmap(4096);
    expect(a + 8192).toBeLessThanOrEqual(machine.preset.mmapBase);
    expect(b + 4096).toBe(a);
    expect(proc.vmas()).toEqual([{ start: b, end: a + 8192, prot: "read-write", flags: ["rd", "wr", "mr", "mw", "me", "ac"] }]);
  });

  it("reuses a gap left by munmap", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const a = proc.mmap(MiB);
    const b = proc.mmap(MiB);
    proc.munmap(a, MiB);
    expect(proc.mmap(4096)).toBe(a + MiB - 4096);
    expect(proc.vmas().length).toBe(2);
    expect(b).toBeLessThan(a);
  });

  it("does not merge mappings with different protections or names", () => {
    const proc = new Machine().spawn();
    proc.mmap(4096);
    proc.mmap(4096, { prot: "read" });
    proc.mmap(4096, { name: "arena" });
    expect(proc.vmas().map((v) => v.name ?? v.prot)).toEqual(["arena", "read", "read-write"]);
  });

  it("rounds lengths up to whole pages", () => {
    const proc = new Machine().spawn();
    proc.mmap(1);
    expect(proc.status().VmSize).toBe(4);
  });
});

describe("munmap", () => {
  it("splits a VMA on a partial unmap and frees only those frames", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const addr = proc.mmap(16 * 4096);
    proc.memset(addr, 1, 16 * 4096);
    const free = machine.memory.freeFrames;
    proc.munmap(addr + 4 * 4096, 4 * 4096);
    expect(machine.memory.freeFrames).toBe(free + 4);
    expect(proc.vmas().map((v) => [v.start - addr, v.end - addr])).toEqual([[0, 4 * 4096], [8 * 4096, 16 * 4096]]);
    expect(proc.status()).toMatchObject({ VmRSS: 48, VmSize: 48 });
    expect(proc.read(addr + 8 * 4096, 1)[0]).toBe(1);
    machine.check();
  });

  it("frees page-table pages that become empty (VmPTE, PageTables)", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const tablesBefore = machine.meminfo().PageTables;
    const addr = proc.mmap(64 * MiB);
    proc.touch(addr, 64 * MiB, "write");
    // 32 PTE tables for 64 MiB, plus the PMD and PUD tables above them
    expect(proc.status().VmPTE).toBe((32 + 2) * 4);
    expect(machine.meminfo().PageTables - tablesBefore).toBe((32 + 2) * 4);
    proc.munmap(addr, 64 * MiB);
    expect(proc.status().VmPTE).toBe(0);
    expect(machine.meminfo().PageTables).toBe(tablesBefore);
    machine.check();
  });
});

describe("mprotect", () => {
  it("makes a PROT_NONE reservation writable later, charging the commit then", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const addr = proc.mmap(64 * MiB, { prot: "none" });
    expect(machine.meminfo().Committed_AS).toBe(0);
    expect(proc.vmas()[0].flags).toEqual(["mr", "mw", "me"]);
    proc.mprotect(addr, MiB, "read-write");
    expect(machine.meminfo().Committed_AS).toBe(1024);
    expect(proc.vmas().length).toBe(2);
    proc.memset(addr, 1, MiB);
    expect(proc.status().VmRSS).toBe(1024);
    expect(() => proc.touch(addr + MiB, 1, "read")).toThrowError(/protection "none"/);
    machine.check();
  });

  it("write-protects resident pages, and PROT_NONE keeps them resident but inaccessible", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const addr = proc.mmap(4 * 4096);
    proc.memset(addr, 6, 4 * 4096);
    proc.mprotect(addr, 4 * 4096, "read");
    expect(() => proc.memset(addr, 1, 1)).toThrowError(/protection "read"/);
    expect(proc.read(addr, 1)[0]).toBe(6);
    proc.mprotect(addr, 4 * 4096, "none");
    expect(proc.status().VmRSS).toBe(16);
    expect(() => proc.read(addr, 1)).toThrowError(/protection "none"/);
    proc.mprotect(addr, 4 * 4096, "read-write");
    proc.memset(addr, 2, 1); // re-enabled by a write fault that reuses the exclusive page
    expect(proc.read(addr, 2)).toEqual(new Uint8Array([2, 6]));
    expect(proc.counters.cowCopies).toBe(0);
    expect(proc.vmas().length).toBe(1);
    machine.check();
  });
});

describe("brk and sbrk", () => {
  it("grows and shrinks the [heap] VMA above the program", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const start = proc.brk();
    expect(start).toBe(machine.preset.heapStart);
    expect(proc.sbrk(10_000)).toBe(start);
    expect(proc.brk()).toBe(start + 10_000);
    expect(proc.vmas()).toEqual([{ start, end: start + 3 * 4096, prot: "read-write", flags: ["rd", "wr", "mr", "mw", "me", "ac"], name: "[heap]" }]);
    proc.memset(start, 1, 10_000);
    expect(proc.status().VmRSS).toBe(12);
    proc.brk(start + 4096);
    expect(proc.status()).toMatchObject({ VmRSS: 4, VmSize: 4 });
    expect(proc.brk(start)).toBe(start);
    expect(proc.vmas()).toEqual([]);
    machine.check();
  });

  it("refuses to go below the heap start or into another mapping", () => {
    const proc = new Machine({ heapStart: 0x10000000, mmapMinAddr: 0x10000 }).spawn();
    const start = proc.brk();
    expect(() => proc.brk(start - 1)).toThrowError(/below the heap start/);
    expect(() => proc.sbrk(-1)).toThrowError(/increment/);
    expect(proc.brk()).toBe(start);
  });
});
