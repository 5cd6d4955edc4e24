// Reclaim with swap: pages go to swap under pressure, are counted (VmSwap, smaps Swap, meminfo,
// vmstat), drawn as Swapped, and come back intact on access as major faults; without swap the
// OOM killer acts as before. REFERENCE §9.1-§9.3.

import { describe, expect, it } from "vitest";
import { InvalidArgumentError, ProcessKilledError } from "../../src/errors";
import { Machine, PageState } from "../../src/kernel";
import { watermarksFor } from "../../src/kernel/reclaim";
import { GiB, MiB } from "./helpers";

const PAGE = 4096;

/** A 16 MiB machine with 64 MiB of swap, and a process that wrote `mib` MiB, one byte value per MiB. */
function pressured(mib: number, swapBytes = 64 * MiB) {
  const machine = new Machine({ ramBytes: 16 * MiB, swapBytes });
  const proc = machine.spawn();
  const addr = proc.mmap(mib * MiB);
  for (let i = 0; i < mib; i++) proc.memset(addr + i * MiB, i + 1, MiB);
  return { machine, proc, addr };
}

describe("reclaim with swap", () => {
  it("writes the oldest pages to swap: RSS + VmSwap is what the process wrote, and RAM stays within its watermarks", () => {
    const { machine, proc } = pressured(32);
    const s = proc.status();
    expect(s.VmSwap).toBeGreaterThan(0);
    expect(s.VmRSS + s.VmSwap).toBe(32 * 1024);
    expect(s.VmRSS).toBeLessThan(16 * 1024);
    const info = machine.meminfo();
    expect(info.SwapTotal - info.SwapFree).toBe(s.VmSwap);
    expect(info.MemFree * 1024).toBeGreaterThanOrEqual(machine.reclaim.watermarks.min * PAGE);
    expect(machine.vmstat().pswpout).toBe(s.VmSwap / 4);
    machine.check();
  });

  it("reads swapped pages back intact, each read of one a major fault", () => {
    const { machine, proc, addr } = pressured(32);
    const states = proc.pageStates(addr, 32 * MiB);
    const swapped = states.indexOf(PageState.Swapped);
    expect(swapped).toBeGreaterThanOrEqual(0);
    expect(proc.smaps().reduce((sum, e) => sum + e.Swap, 0)).toBe(proc.status().VmSwap);
    // The heatmaps' source counts swapped pages as their own state.
    const summary = proc.residencySummary(addr, 32 * MiB, 16);
    expect(summary.counts[PageState.Swapped].reduce((x, y) => x + y, 0) * 4).toBe(proc.status().VmSwap);
    const before = proc.counters.majorFaults;
    const mib = Math.floor((swapped * PAGE) / MiB);
    const bytes = proc.read(addr + swapped * PAGE, 16);
    expect([...bytes]).toEqual(new Array<number>(16).fill(mib + 1));
    expect(proc.counters.majorFaults).toBe(before + 1);
    expect(proc.pageStates(addr + swapped * PAGE, PAGE)[0]).toBe(PageState.Resident);
    expect(machine.vmstat().pgmajfault).toBe(proc.counters.majorFaults);
    // Every MiB still holds its value, wherever its pages are now.
    for (let i = 0; i < 32; i++) expect(proc.read(addr + i * MiB + 4 * PAGE, 1)[0]).toBe(i + 1);
    machine.check();
  });

  it("keeps every page's own bytes through swap, patterns and dense pages alike, also in slots freed and written again", () => {
    const machine = new Machine({ ramBytes: 16 * MiB, swapBytes: 64 * MiB });
    const proc = machine.spawn();
    const pages = (32 * MiB) / PAGE;
    const addr = proc.mmap(pages * PAGE);
    // Even pages: one byte value repeated (a pattern); odd pages: 16 distinct bytes at the start (dense).
    const head = (page: number) => Uint8Array.from({ length: 16 }, (_, i) => (page * 7 + i * 13) % 251);
    const write = (round: number) => {
      for (let page = 0; page < pages; page++) {
        if (page % 2 === 0) proc.memset(addr + page * PAGE, (page + round) % 250 + 1, PAGE);
        else proc.write(addr + page * PAGE, head(page + round));
      }
    };
    const check = (round: number) => {
      for (let page = 0; page < pages; page++) {
        const got = proc.read(addr + page * PAGE, 16);
        const want = page % 2 === 0 ? new Uint8Array(16).fill((page + round) % 250 + 1) : head(page + round);
        if (got.join() !== want.join()) throw new Error(`round ${round}, page ${page}: ${got.join()} != ${want.join()}`);
      }
    };
    write(0);
    expect(proc.status().VmSwap).toBeGreaterThan(0);
    check(0); // reading every page back pushes others out: slots are freed and reused
    write(1);
    check(1);
    expect(machine.vmstat().pswpin).toBeGreaterThan(0);
    machine.check();
  });

  it("counts kswapd's and direct reclaim's work apart: one big write stalls, small steps leave it to kswapd", () => {
    const big = new Machine({ ramBytes: 16 * MiB, swapBytes: 64 * MiB });
    const p = big.spawn();
    const a = p.mmap(32 * MiB);
    p.memset(a, 1, 32 * MiB); // one call: kswapd only runs once it returns
    expect(big.vmstat().allocstall).toBeGreaterThan(0);
    expect(big.vmstat().pgsteal_direct).toBeGreaterThan(0);
    const small = pressured(20).machine; // 1 MiB per call: kswapd keeps RAM above the min mark
    expect(small.vmstat().pgsteal_kswapd).toBeGreaterThan(0);
    expect(small.vmstat().kswapd_wakeups).toBeGreaterThan(0);
    expect(small.events.some((e) => e.pid === 0 && e.call === "kswapd")).toBe(true);
  });

  it("passes recently referenced pages over (second chance): a page read again stays while its neighbours go", () => {
    const machine = new Machine({ ramBytes: 16 * MiB, swapBytes: 64 * MiB });
    const proc = machine.spawn();
    const hot = proc.mmap(PAGE);
    const cold = proc.mmap(48 * MiB);
    proc.memset(hot, 7, PAGE);
    for (let i = 0; i < 48; i++) {
      proc.memset(cold + i * MiB, 1, MiB);
      proc.read(hot, 1);
    }
    expect(proc.pageStates(hot, PAGE)[0]).toBe(PageState.Resident);
    expect(proc.pageStates(cold, 48 * MiB).filter((s) => s === PageState.Swapped).length).toBeGreaterThan(0);
  });

  it("keeps copy-on-write sharing right: a swap slot shared after fork is read back by each side", () => {
    const { machine, proc, addr } = pressured(24);
    const child = proc.fork();
    expect(child.status().VmSwap).toBe(proc.status().VmSwap);
    machine.check();
    child.memset(addr, 99, 24 * MiB);
    machine.check();
    for (let i = 0; i < 24; i++) expect(proc.read(addr + i * MiB, 1)[0]).toBe(i + 1);
    expect(child.read(addr, 1)[0]).toBe(99);
    child.exit();
    proc.exit();
    expect(machine.meminfo().SwapFree).toBe(machine.meminfo().SwapTotal);
    machine.check();
  });

  it("splits a huge page it reclaims and swaps its base pages", () => {
    const machine = new Machine({ ramBytes: 16 * MiB, swapBytes: 64 * MiB, thp: "always" });
    const proc = machine.spawn();
    const addr = proc.mmap(32 * MiB);
    for (let i = 0; i < 32; i += 2) proc.memset(addr + i * MiB, i + 1, 2 * MiB);
    expect(proc.counters.thpFaults).toBeGreaterThan(0);
    expect(proc.status().VmSwap).toBeGreaterThan(0);
    for (let i = 0; i < 32; i += 2) expect(proc.read(addr + i * MiB + 5, 1)[0]).toBe(i + 1);
    machine.check();
  });

  it("calls the OOM killer when swap is full, and frees the victim's swap", () => {
    const machine = new Machine({ ramBytes: 16 * MiB, swapBytes: 8 * MiB, overcommit: 1 });
    const proc = machine.spawn();
    const addr = proc.mmap(64 * MiB);
    expect(() => proc.memset(addr, 1, 64 * MiB)).toThrow(ProcessKilledError);
    expect(machine.vmstat().oom_kill).toBe(1);
    expect(machine.meminfo().SwapFree).toBe(machine.meminfo().SwapTotal);
    machine.check();
  });
});

describe("without swap", () => {
  it("nothing is reclaimed: RAM fills and the OOM killer acts, as before", () => {
    const machine = new Machine({ ramBytes: 16 * MiB, overcommit: 1 });
    const proc = machine.spawn();
    const addr = proc.mmap(32 * MiB);
    expect(() => proc.memset(addr, 1, 32 * MiB)).toThrow(ProcessKilledError);
    expect(machine.vmstat()).toMatchObject({ pswpout: 0, allocstall: 0, kswapd_wakeups: 0, oom_kill: 1 });
  });
});

describe("watermarks", () => {
  it("follow Linux's min_free_kbytes = sqrt(16 * RAM kB): 4 MiB on a 1 GiB machine, 16 MiB on 16 GiB", () => {
    expect(watermarksFor(GiB / PAGE, PAGE).min * 4).toBe(4096);
    expect(watermarksFor((16 * GiB) / PAGE, PAGE).min * 4).toBe(16384);
    const w = watermarksFor(GiB / PAGE, PAGE);
    expect(w.min).toBeLessThan(w.low);
    expect(w.low).toBeLessThan(w.high);
  });
});

describe("bad input", () => {
  it("refuses zero RAM and swap larger than the address space, naming the value", () => {
    expect(() => new Machine({ ramBytes: 0 })).toThrow(InvalidArgumentError);
    expect(() => new Machine({ ramBytes: 0 })).toThrow(/ramBytes must be .* got 0/);
    expect(() => new Machine({ swapBytes: 2 ** 48 })).toThrow(/swapBytes must be at most the user address space, 2\*\*47 bytes, got/);
    expect(() => new Machine({ swapBytes: 2 ** 47 })).not.toThrow();
  });
});
