// REFERENCE §3.6 overcommit modes, and the OOM killer when frames run out (no swap).

import { describe, expect, it } from "vitest";
import { OutOfMemoryError, ProcessKilledError } from "../../src/errors";
import { Machine } from "../../src/kernel";
import { GiB, MiB } from "./helpers";

describe("overcommit", () => {
  it("mode 0 refuses only a single request larger than RAM + swap", () => {
    const proc = new Machine({ overcommit: 0, ramBytes: GiB, swapBytes: GiB }).spawn();
    expect(() => proc.mmap(2 * GiB + 4096)).toThrow(OutOfMemoryError);
    proc.mmap(2 * GiB);
    proc.mmap(2 * GiB); // the sum may exceed RAM + swap
    expect(proc.status().VmSize).toBe(4 * 1024 * 1024);
  });

  it("mode 1 allows anything", () => {
    const proc = new Machine({ overcommit: 1, ramBytes: GiB }).spawn();
    proc.mmap(64 * GiB);
    expect(proc.status().VmSize).toBe(64 * 1024 * 1024);
  });

  it("mode 2 enforces CommitLimit = RAM * ratio / 100 + swap and charges only writable mappings", () => {
    const machine = new Machine({ overcommit: 2, ramBytes: GiB, swapBytes: 256 * MiB, overcommitRatio: 50 });
    const proc = machine.spawn();
    expect(machine.meminfo().CommitLimit).toBe((512 + 256) * 1024);
    proc.mmap(512 * MiB);
    proc.mmap(4 * GiB, { prot: "none" }); // PROT_NONE costs nothing
    proc.mmap(GiB, { prot: "read" }); // neither does read-only private memory
    expect(machine.meminfo().Committed_AS).toBe(512 * 1024);
    expect(() => proc.mmap(257 * MiB)).toThrowError(/request 263168 kB \+ Committed_AS 524288 kB exceeds CommitLimit 786432 kB/);
    proc.mmap(256 * MiB);
    expect(() => proc.sbrk(4096)).toThrow(OutOfMemoryError);
    expect(() => proc.fork()).toThrow(OutOfMemoryError);
    machine.check();
  });

  it("mode 2 refuses an mprotect that would make a reservation writable past the limit", () => {
    const machine = new Machine({ overcommit: 2, ramBytes: GiB });
    const proc = machine.spawn();
    const addr = proc.mmap(GiB, { prot: "none" });
    expect(() => proc.mprotect(addr, GiB, "read-write")).toThrow(OutOfMemoryError);
    expect(proc.vmas()).toMatchObject([{ prot: "none" }]);
    proc.mprotect(addr, 256 * MiB, "read-write");
    expect(machine.meminfo().Committed_AS).toBe(256 * 1024);
  });

  it("munmap and exit return the charge", () => {
    const machine = new Machine({ overcommit: 2, ramBytes: GiB });
    const proc = machine.spawn();
    const addr = proc.mmap(256 * MiB);
    proc.munmap(addr, 128 * MiB);
    expect(machine.meminfo().Committed_AS).toBe(128 * 1024);
    proc.exit();
    expect(machine.meminfo().Committed_AS).toBe(0);
  });
});

describe("OOM killer", () => {
  it("kills the process with the largest RSS when frames run out, without crashing", () => {
    const machine = new Machine({ ramBytes: 64 * MiB });
    const small = machine.spawn();
    const big = machine.spawn();
    const s = small.mmap(8 * MiB);
    small.memset(s, 1, 8 * MiB);
    const b = big.mmap(60 * MiB); // 68 MiB mapped on 64 MiB of RAM: fine until touched
    expect(() => big.memset(b, 2, 60 * MiB)).toThrow(ProcessKilledError);
    expect(big.killed).toBe(true);
    expect(small.killed).toBe(false);
    expect(() => big.mmap(4096)).toThrowError(/killed by the OOM killer/);
    expect(() => big.touch(b, 1, "read")).toThrow(ProcessKilledError);
    const kill = machine.events.find((e) => e.call === "kill");
    expect(kill).toMatchObject({ pid: big.pid, args: { reason: "oom", requester: big.pid } });
    const failed = big.events.find((e) => e.call === "memset");
    expect(failed?.error).toMatch(/OOM/);
    expect(small.read(s + MiB, 1)[0]).toBe(1);
    expect(machine.meminfo().MemFree).toBeGreaterThan(50 * 1024);
    machine.check();
  });

  it("may kill another process, and the requester carries on", () => {
    const machine = new Machine({ ramBytes: 64 * MiB });
    const hog = machine.spawn();
    const h = hog.mmap(48 * MiB);
    hog.memset(h, 1, 48 * MiB);
    const late = machine.spawn();
    const l = late.mmap(32 * MiB);
    late.memset(l, 2, 32 * MiB);
    expect(hog.killed).toBe(true);
    expect(late.alive).toBe(true);
    expect(late.status().VmRSS).toBe(32 * 1024);
    machine.check();
  });
});
