// MADV_FREE: the pages stay resident and counted (RSS, smaps LazyFree) until reclaim takes them
// (without writing them: they read back as zeros) or a write makes them data again. REFERENCE §9.6.

import { describe, expect, it } from "vitest";
import { Machine, PageState } from "../../src/kernel";
import { MiB } from "./helpers";

const PAGE = 4096;
const lazyKb = (proc: ReturnType<Machine["spawn"]>) => proc.smaps().reduce((sum, e) => sum + e.LazyFree, 0);

describe("madvise(free)", () => {
  it("keeps RSS where it was: the pages are only marked (LazyFree), unlike dontneed", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const addr = proc.mmap(4 * MiB);
    proc.memset(addr, 5, 4 * MiB);
    const rss = proc.status().VmRSS;
    proc.madvise(addr, 4 * MiB, "free");
    expect(proc.status().VmRSS).toBe(rss);
    expect(lazyKb(proc)).toBe(4096);
    expect(proc.read(addr, 1)[0]).toBe(5); // nothing reclaimed yet: the old bytes are still there
    expect(machine.vmstat().pglazyfree).toBe(1024);
    machine.check();
  });

  it("a write cancels the mark for the page it lands on", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const addr = proc.mmap(16 * PAGE);
    proc.memset(addr, 5, 16 * PAGE);
    proc.madvise(addr, 16 * PAGE, "free");
    proc.memset(addr + 3 * PAGE, 9, 10);
    expect(lazyKb(proc)).toBe(15 * 4);
  });

  it("under pressure without swap, reclaim drops lazy pages (they read back as zeros) instead of killing", () => {
    const machine = new Machine({ ramBytes: 16 * MiB, overcommit: 1 });
    const proc = machine.spawn();
    const old = proc.mmap(8 * MiB);
    proc.memset(old, 5, 8 * MiB);
    proc.madvise(old, 8 * MiB, "free");
    const fresh = proc.mmap(12 * MiB);
    proc.memset(fresh, 6, 12 * MiB); // more than the free RAM: only the lazy pages can make room
    expect(proc.alive).toBe(true);
    expect(machine.vmstat().pglazyfreed).toBeGreaterThan(0);
    expect(machine.vmstat().pswpout).toBe(0);
    const states = proc.pageStates(old, 8 * MiB);
    const dropped = states.indexOf(PageState.Untouched);
    expect(dropped).toBeGreaterThanOrEqual(0);
    expect(proc.read(old + dropped * PAGE, 1)[0]).toBe(0);
    expect(proc.read(fresh + 12 * MiB - 1, 1)[0]).toBe(6);
    machine.check();
  });

  it("without MADV_FREE the same machine runs out of memory: the OOM killer, as before", () => {
    const machine = new Machine({ ramBytes: 16 * MiB, overcommit: 1 });
    const proc = machine.spawn();
    const old = proc.mmap(8 * MiB);
    proc.memset(old, 5, 8 * MiB);
    const fresh = proc.mmap(12 * MiB);
    expect(() => proc.memset(fresh, 6, 12 * MiB)).toThrow(/OOM killer/);
  });
});
