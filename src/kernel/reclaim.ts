// Page reclaim (Linux mm/vmscan.c) for anonymous memory: the zone watermarks, kswapd woken below
// the low watermark and reclaiming up to the high one, direct reclaim by an allocation that finds
// free memory at the min watermark, and swap-out of the pages a clock hand finds unreferenced.
// Without swap (and no lazy-free pages) nothing here runs: a full RAM calls the OOM killer.
//
// Simplified (REFERENCE §9.3): one clock over the processes' page tables with a referenced bit
// per frame stands for Linux's active/inactive lists or MGLRU's generations (MGLRU also walks
// page tables to find young pages); pages shared copy-on-write after fork are not reclaimed (Linux
// unmaps them from every sharer through its reverse map, which the model does not keep); there is
// no swap cache and no readahead (a swap-in reads one page into a private frame).

import type { Machine } from "./machine";
import { splitHugePmd } from "./huge";
import type { LeafTable } from "./page-table";
import type { Process } from "./process";
import { entryPfn, isSwapEntry, isZeroEntry, makeSwapEntry } from "./pte";

/** Pages one direct-reclaim pass tries to free (Linux SWAP_CLUSTER_MAX). */
export const SWAP_CLUSTER_MAX = 32;

/** Free-page thresholds of the one memory zone, in pages. */
export interface Watermarks {
  /** At or below it an allocation reclaims itself (direct reclaim). */
  min: number;
  /** Below it kswapd is woken. */
  low: number;
  /** kswapd reclaims until free memory is back above it. */
  high: number;
}

/**
 * Linux's defaults for a zone of `totalFrames` pages (REFERENCE §9.1): min_free_kbytes =
 * sqrt(16 * RAM in kB) clamped to [128 kB, 256 MiB]; low and high sit one and two steps above min,
 * a step being the larger of min / 4 and watermark_scale_factor (10 = 0.1 %) of RAM. ASSUMPTION:
 * on machines smaller than Linux runs on, every mark is capped at a sixteenth of RAM per step.
 */
export function watermarksFor(totalFrames: number, pageBytes: number): Watermarks {
  const ramKb = (totalFrames * pageBytes) / 1024;
  const minKb = Math.min(262_144, Math.max(128, Math.floor(Math.sqrt(ramKb * 16))));
  const cap = Math.max(1, Math.floor(totalFrames / 16));
  const min = Math.min(cap, Math.ceil((minKb * 1024) / pageBytes));
  const step = Math.min(cap, Math.max(Math.floor(min / 4), Math.floor((totalFrames * 10) / 10_000)));
  return { min, low: min + step, high: min + 2 * step };
}

/** Reclaim and swap figures with /proc/vmstat's names (machine-wide, since boot). */
export interface Vmstat {
  /** Faults that read a page back from swap. */
  pgmajfault: number;
  /** Pages read from swap. */
  pswpin: number;
  /** Pages written to swap. */
  pswpout: number;
  /** Pages kswapd looked at. */
  pgscan_kswapd: number;
  /** Pages kswapd took. */
  pgsteal_kswapd: number;
  /** Pages allocating processes looked at in direct reclaim. */
  pgscan_direct: number;
  /** Pages allocating processes took in direct reclaim. */
  pgsteal_direct: number;
  /** Allocations that had to reclaim themselves (direct reclaim). */
  allocstall: number;
  /** Times kswapd was woken below the low watermark. */
  kswapd_wakeups: number;
  /** Processes killed by the OOM killer. */
  oom_kill: number;
  /** Pages MADV_FREE marked lazily freeable. */
  pglazyfree: number;
  /** Lazy-free pages reclaim dropped without writing them anywhere. */
  pglazyfreed: number;
}

/** Returns a Vmstat with every field 0. */
export function zeroVmstat(): Vmstat {
  return {
    pgmajfault: 0, pswpin: 0, pswpout: 0, pgscan_kswapd: 0, pgsteal_kswapd: 0,
    pgscan_direct: 0, pgsteal_direct: 0, allocstall: 0, kswapd_wakeups: 0, oom_kill: 0,
    pglazyfree: 0, pglazyfreed: 0,
  };
}

type Mode = "kswapd" | "direct";

/** The machine's reclaim state: watermarks, the clock hand, kswapd's wake-up flag and vmstat. */
export class Reclaimer {
  readonly watermarks: Watermarks;
  readonly stats: Vmstat = zeroVmstat();
  private kswapdWoken = false;
  /** The clock hand: the process and address the next scan starts at. */
  private handPid = 0;
  private handAddr = 0;

  constructor(private readonly machine: Machine) {
    this.watermarks = watermarksFor(machine.memory.totalFrames, machine.preset.pageSize);
  }

  /** True when reclaim can take anonymous pages: the machine has swap space, or MADV_FREE pages. */
  get active(): boolean {
    return this.machine.swap !== null || this.machine.lazyFree.size > 0;
  }

  /**
   * Before taking a frame: at or below the min watermark the allocation reclaims for itself
   * (__alloc_pages_direct_reclaim, REFERENCE §9.1); returns the pages freed (0: none could be).
   */
  directReclaim(): number {
    this.stats.allocstall++;
    return this.shrink(SWAP_CLUSTER_MAX, "direct");
  }

  /** After taking a frame: below the low watermark kswapd is woken (wakeup_kswapd). */
  noteAllocation(): void {
    if (!this.kswapdWoken && this.machine.memory.freeFrames < this.watermarks.low) {
      this.kswapdWoken = true;
      this.stats.kswapd_wakeups++;
    }
  }

  /**
   * Runs kswapd if it was woken: reclaims until free memory is back at the high watermark
   * (balance_pgdat) or nothing more can be taken, and logs what it did. The simulator runs it
   * when the call that woke it returns, as the background thread would run beside the process.
   */
  runKswapd(): void {
    if (!this.kswapdWoken) return;
    this.kswapdWoken = false;
    const memory = this.machine.memory;
    const wanted = this.watermarks.high - memory.freeFrames;
    if (wanted <= 0) return;
    const scannedBefore = this.stats.pgscan_kswapd;
    const reclaimed = this.shrink(wanted, "kswapd");
    this.machine.recordKernelThread("kswapd", { scanned: this.stats.pgscan_kswapd - scannedBefore, reclaimed, freeKb: (memory.freeFrames * this.machine.preset.pageSize) / 1024 });
  }

  /**
   * Moves the clock hand over the processes' pages until `wanted` pages are freed: an exclusive
   * private page whose referenced bit is set loses the bit and is passed (second chance), one
   * without is written to swap. Three laps at most: one may only clear bits, the next takes pages,
   * the last also takes pages in use right now. Returns the pages freed.
   */
  private shrink(wanted: number, mode: Mode): number {
    const procs = this.machine.processes.filter((proc) => proc.alive);
    const machine = this.machine;
    const canTake = () => (machine.swap?.freeSlots ?? 0) > 0 || machine.lazyFree.size > 0;
    if (procs.length === 0) return 0;
    const start = Math.max(0, procs.findIndex((proc) => proc.pid >= this.handPid));
    let freed = 0;
    for (let lap = 0; lap < 3 && freed < wanted && canTake(); lap++) {
      for (let k = 0; k <= procs.length && freed < wanted; k++) {
        // The hand's process is visited twice: from the hand to its end first, from 0 to the hand last.
        const proc = procs[(start + k) % procs.length];
        const resume = proc.pid === this.handPid ? this.handAddr : 0;
        const [from, to] = k === 0 ? [resume, Infinity] : k === procs.length ? [0, resume] : [0, Infinity];
        freed += this.scan(proc, from, to, wanted - freed, mode, lap === 2);
      }
    }
    return freed;
  }

  /** Writes a base page, or a huge page split into base pages, to swap. */
  private swapOut(proc: Process, node: LeafTable, index: number, vaddr: number, pfn: number, frames: number): void {
    const machine = this.machine;
    if (index >= 0) return swapOutPte(machine, proc, node, index, vaddr, pfn);
    // Linux splits a THP it reclaims (without THP_SWAP): its pages then go one by one.
    splitHugePmd(machine, proc, node, vaddr);
    for (let i = 0; i < frames; i++) swapOutPte(machine, proc, node, i, vaddr + i * machine.preset.pageSize, pfn + i);
  }

  /** Scans `proc`'s pages in [from, to) for up to `wanted` pages; returns the pages freed. */
  private scan(proc: Process, from: number, to: number, wanted: number, mode: Mode, takeInFlight: boolean): number {
    const machine = this.machine;
    const clock = machine.accessClock;
    const memory = machine.memory;
    const hugeFrames = machine.hugePageBytes / machine.preset.pageSize;
    const end = Math.min(to, proc.mm.vmas.all().at(-1)?.end ?? 0);
    let freed = 0;
    proc.mm.pageTable.scanLeaves(from, end, (vaddr, entry, node, index) => {
      if (isSwapEntry(entry) || isZeroEntry(entry)) return true;
      const pfn = entryPfn(entry);
      const frames = index < 0 ? hugeFrames : 1;
      this.stats[mode === "kswapd" ? "pgscan_kswapd" : "pgscan_direct"] += frames;
      for (let i = 0; i < frames; i++) if (memory.getRef(pfn + i) !== 1) return true; // shared after fork: kept
      // Referenced: the bit is cleared and the page passed (second chance); the last lap takes any page.
      if (!takeInFlight && (clock.inFlight(pfn) || clock.testAndClear(pfn))) return true;
      if (index >= 0 && machine.lazyFree.isLazy(pfn, proc.pid, vaddr)) {
        // A clean MADV_FREE page is dropped, not written: it reads back as zeros (REFERENCE §9.6)
        proc.mm.pageTable.clearPte(node, index);
        machine.lazyFree.cancel(pfn);
        memory.decRef(pfn);
        proc.mm.addRss(-1);
        machine.mmu.invalidateRange(proc.pid, vaddr, machine.preset.pageSize);
        this.stats.pglazyfreed++;
      } else {
        const swap = machine.swap;
        if (swap === null || swap.freeSlots < frames) return true;
        this.swapOut(proc, node, index, vaddr, pfn, frames);
      }
      freed += frames;
      this.stats[mode === "kswapd" ? "pgsteal_kswapd" : "pgsteal_direct"] += frames;
      if (freed < wanted) return true;
      this.handPid = proc.pid;
      this.handAddr = vaddr + frames * machine.preset.pageSize;
      return false;
    });
    return freed;
  }
}

/**
 * Writes the exclusive page `pfn` mapped at slot `index` of `node` to swap and frees its frame:
 * the entry becomes a swap entry, RSS moves to VmSwap (MM_ANONPAGES -> MM_SWAPENTS, REFERENCE §9.2).
 */
function swapOutPte(machine: Machine, proc: Process, node: LeafTable, index: number, vaddr: number, pfn: number): void {
  const swap = machine.swap;
  const slot = swap === null ? null : swap.writeOut(machine.memory, pfn);
  if (slot === null) return;
  proc.mm.pageTable.setPte(node, index, makeSwapEntry(slot));
  machine.memory.decRef(pfn);
  proc.mm.addRss(-1);
  proc.mm.swapPages++;
  machine.reclaim.stats.pswpout++;
  machine.mmu.invalidateRange(proc.pid, vaddr, machine.preset.pageSize);
}
