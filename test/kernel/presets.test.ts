// Platform presets: Windows commit vs working set, macOS 16 KiB pages, arm64 64 KiB granule,
// the eager no-MMU platform, and overriding any preset field.

import { describe, expect, it } from "vitest";
import { InvalidArgumentError, OutOfMemoryError, UnsupportedError } from "../../src/errors";
import { Machine, PRESET_NAMES } from "../../src/kernel";
import { GiB, MiB } from "./helpers";

describe("windows-x86_64", () => {
  it("charges the commit at allocation and grows the working set on touch (bytes)", () => {
    const machine = new Machine({ preset: "windows-x86_64" });
    const proc = machine.spawn();
    const addr = proc.mmap(100 * MiB);
    expect(addr % (64 * 1024)).toBe(0);
    expect(proc.status()).toMatchObject({ PrivateUsage: 100 * MiB, WorkingSetSize: 0 });
    expect(machine.meminfo()).toMatchObject({ CommitTotal: 100 * 1024, Committed_AS: 100 * 1024, CommitLimit: 16 * 1024 * 1024 });
    proc.touch(addr, MiB, "read"); // demand-zero: even a read gets a private page (ASSUMPTION)
    expect(proc.status()).toMatchObject({ PrivateUsage: 100 * MiB, WorkingSetSize: MiB });
    expect(proc.counters.zeroPageMaps).toBe(0);
  });

  it("reserves without charge and never overcommits", () => {
    const machine = new Machine({ preset: "windows-x86_64", ramBytes: GiB });
    const proc = machine.spawn();
    proc.mmap(8 * GiB, { prot: "none" });
    expect(proc.status().PrivateUsage).toBe(0);
    expect(() => proc.mmap(GiB + 4096)).toThrowError(/ERROR_COMMITMENT_LIMIT/);
  });

  it("commits a reservation later with mprotect (MEM_COMMIT): PrivateUsage grows then", () => {
    const machine = new Machine({ preset: "windows-x86_64" });
    const proc = machine.spawn();
    const addr = proc.mmap(64 * MiB, { prot: "none" });
    proc.mprotect(addr, MiB, "read-write");
    expect(proc.status()).toMatchObject({ PrivateUsage: MiB, WorkingSetSize: 0 });
    proc.memset(addr, 1, 4096);
    expect(proc.status()).toMatchObject({ PrivateUsage: MiB, WorkingSetSize: 4096 });
  });

  it("aligns every allocation to 64 KiB", () => {
    const proc = new Machine({ preset: "windows-x86_64" }).spawn();
    const a = proc.mmap(4096);
    const b = proc.mmap(4096);
    expect(a - b).toBe(64 * 1024);
  });
});

describe("macos-arm64", () => {
  it("uses 16 KiB pages, zero-fills on any first touch, and has no THP", () => {
    const machine = new Machine({ preset: "macos-arm64" });
    const proc = machine.spawn();
    expect(proc.pageSize).toBe(16384);
    const addr = proc.mmap(1);
    expect(proc.status().VmSize).toBe(16);
    proc.touch(addr, 1, "read");
    expect(proc.status().VmRSS).toBe(16);
    expect(() => proc.madvise(addr, 16384, "hugepage")).toThrow(UnsupportedError);
    expect(machine.mmu).toBeDefined();
    expect(proc.mm.pageTable.levels).toBe(4);
  });
});

describe("linux-arm64-64k", () => {
  it("walks 3 levels and maps 512 MiB huge pages", () => {
    const machine = new Machine({ preset: "linux-arm64-64k", thp: "always" });
    const proc = machine.spawn();
    expect(proc.mm.pageTable.levels).toBe(3);
    expect(machine.hugePageBytes).toBe(512 * MiB);
    const addr = proc.mmap(GiB);
    expect(addr % (512 * MiB)).toBe(0);
    proc.touch(addr, 1, "write");
    expect(proc.status().VmRSS).toBe(512 * 1024);
    proc.touch(addr + 512 * MiB + 1, 1, "read");
    expect(proc.status().VmRSS).toBe(512 * 1024);
    machine.check();
  });

  it("falls back to base pages when RAM is smaller than one huge page", () => {
    const machine = new Machine({ preset: "linux-arm64-64k", thp: "always", ramBytes: 64 * MiB, overcommit: 1 });
    const proc = machine.spawn();
    const addr = proc.mmap(GiB);
    proc.touch(addr, 1, "read");
    proc.touch(addr + 512 * MiB, 1, "write");
    expect(proc.counters).toMatchObject({ thpFaults: 0, thpFallbacks: 2, zeroPageMaps: 1 });
    expect(proc.status().VmRSS).toBe(64);
    machine.check();
  });

  it("x86-64 walks 4 levels of 512 entries", () => {
    const { pageTable } = new Machine().spawn().mm;
    expect([pageTable.levels, pageTable.bitsPerLevel, pageTable.basePageShift]).toEqual([4, 9, 12]);
  });
});

describe("eager (no MMU)", () => {
  it("needs no faults later, refuses what RAM cannot hold, and cannot fork", () => {
    const machine = new Machine({ preset: "eager", ramBytes: 64 * MiB });
    const proc = machine.spawn();
    const addr = proc.mmap(16 * MiB);
    proc.memset(addr, 1, 16 * MiB);
    expect(proc.counters.minorFaults).toBe(0);
    expect(proc.status().VmPTE).toBe(0);
    expect(() => proc.mmap(60 * MiB)).toThrow(OutOfMemoryError);
    expect(() => proc.fork()).toThrow(UnsupportedError);
    proc.sbrk(8192);
    expect(proc.status().VmRSS).toBe(16 * 1024 + 8);
    machine.check();
  });
});

describe("preset options", () => {
  it("lets every field be overridden and rejects bad values by name", () => {
    const machine = new Machine({ preset: "linux-x86_64", ramBytes: GiB, thp: "always", overcommit: 2, seed: 7 });
    expect(machine.preset).toMatchObject({ ramBytes: GiB, thp: "always", overcommit: 2 });
    expect(machine.meminfo().MemTotal).toBe(1024 * 1024);
    expect(() => new Machine({ ramBytes: 1000 })).toThrowError(/ramBytes must be a multiple of the page size 4096/);
    expect(() => new Machine({ preset: "macos-arm64", thp: "always" })).toThrowError(/thp must be "never" on macos-arm64/);
    expect(() => new Machine({ preset: "solaris" as never })).toThrow(InvalidArgumentError);
    expect(() => new Machine({ ramBites: 1 } as never)).toThrowError(/unknown option "ramBites"/);
    expect(PRESET_NAMES).toEqual(["linux-x86_64", "linux-arm64-64k", "macos-arm64", "windows-x86_64", "eager"]);
  });
});
