// khugepaged (Linux mm/khugepaged.c): the kernel thread that collapses a 2 MiB stretch of base
// pages into one huge page when THP applies to the mapping and at most max_ptes_none of its
// entries are empty or map the zero page. The empty ones are filled with zeroed memory, so RSS
// can jump by up to 2 MiB while the program writes nothing (REFERENCE §3.9 (d), §9.5).

import { InvalidArgumentError, describeValue } from "../errors";
import { summarizeFaults } from "./events";
import { thpEnabledFor } from "./huge";
import type { Machine } from "./machine";
import type { Process } from "./process";
import { PTE_PRESENT, PTE_WRITE, entryPfn, isSwapEntry, isZeroEntry, makeEntry } from "./pte";
import { zeroCounters } from "./counters";
import type { Vma } from "./vma";

/** What one khugepaged pass did. */
export interface KhugepagedScan {
  /** Aligned huge ranges looked at (inside a THP-eligible read-write mapping, not yet huge). */
  scanned: number;
  /** Ranges collapsed into a huge page. */
  collapsed: number;
  /** Ranges left because more than maxPtesNone entries were empty or zero-page (SCAN_EXCEED_NONE_PTE). */
  tooSparse: number;
  /** Ranges left because some of their pages are in swap or shared after fork (simplified). */
  skipped: number;
  /** Collapses that found no free aligned run of frames (thp_collapse_alloc_failed). */
  allocFailed: number;
  /** Base pages added to RSS by filling empty entries. */
  pagesFilled: number;
}

/** The khugepaged thread of a machine: its max_ptes_none setting and an explicit scan. */
export class Khugepaged {
  private ptesNone: number;

  /** @internal */
  constructor(private readonly machine: Machine) {
    // khugepaged/max_ptes_none defaults to HPAGE_PMD_NR - 1 (transhuge.rst, REFERENCE §3.9 (d))
    this.ptesNone = Math.max(0, this.entriesPerRange - 1);
  }

  private get entriesPerRange(): number {
    return this.machine.hugePageBytes / this.machine.preset.pageSize;
  }

  /** /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none: empty entries a collapse may fill (default 511). */
  get maxPtesNone(): number {
    return this.ptesNone;
  }

  /** Sets max_ptes_none; throws InvalidArgumentError outside [0, entries per huge page - 1]. */
  set maxPtesNone(value: number) {
    const top = Math.max(0, this.entriesPerRange - 1);
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > top) {
      throw new InvalidArgumentError(`khugepaged.maxPtesNone must be an integer in [0, ${top}], got ${describeValue(value)}`);
    }
    this.ptesNone = value;
  }

  /**
   * Runs one full pass over every process's THP-eligible mappings and collapses each aligned
   * range that qualifies; every collapse is logged as a "khugepaged" event of its process.
   * @example
   * const m = new Machine();                 // THP "madvise": base pages until advised
   * const p = m.spawn();
   * const a = p.mmap(4 * 2**20);
   * p.touch(a + 2**21, 1, "write");          // one base page in an aligned 2 MiB range
   * p.madvise(a, 4 * 2**20, "hugepage");     // the range becomes eligible
   * m.khugepaged.scan().collapsed;           // 1: that range is now one huge page (RSS 4 KiB -> 2 MiB)
   */
  scan(): KhugepagedScan {
    const result: KhugepagedScan = { scanned: 0, collapsed: 0, tooSparse: 0, skipped: 0, allocFailed: 0, pagesFilled: 0 };
    const machine = this.machine;
    if (machine.hugePageBytes === 0 || !machine.policy.hugePages) return result;
    for (const proc of machine.processes) {
      for (const vma of [...proc.mm.vmas.all()]) {
        if (vma.prot !== "read-write" || !thpEnabledFor(machine.preset, vma)) continue;
        const huge = machine.hugePageBytes;
        for (let start = Math.ceil(vma.start / huge) * huge; start + huge <= vma.end; start += huge) {
          this.consider(proc, vma, start, result);
        }
      }
    }
    return result;
  }

  /** Collapses [start, start + huge) of `proc` when it qualifies (hpage_collapse_scan_pmd + collapse_huge_page). */
  private consider(proc: Process, vma: Vma, start: number, result: KhugepagedScan): void {
    const machine = this.machine;
    const pageTable = proc.mm.pageTable;
    const node = pageTable.leafTable(start, false);
    if (node === null || node.huge !== 0) return; // nothing mapped (no page to keep), or huge already
    result.scanned++;
    const pages = this.entriesPerRange;
    let none = 0;
    let present = 0;
    for (let i = 0; i < pages; i++) {
      const entry = pageTable.entryOf(node, i);
      if (entry === 0 || isZeroEntry(entry)) none++;
      else if (isSwapEntry(entry) || machine.memory.getRef(entryPfn(entry)) !== 1) {
        result.skipped++;
        return;
      } else present++;
    }
    if (present === 0) return;
    if (none > this.ptesNone) {
      result.tooSparse++;
      return;
    }
    const first = machine.memory.allocContiguous(pages);
    if (first === null) {
      result.allocFailed++;
      return;
    }
    // Copy the present pages, clear the rest, then map the huge page over the emptied table.
    for (let i = 0; i < pages; i++) {
      const entry = pageTable.entryOf(node, i);
      if (entry !== 0 && !isZeroEntry(entry)) {
        machine.memory.copyFrame(first + i, entryPfn(entry));
        machine.memory.decRef(entryPfn(entry));
      } else machine.memory.zeroFrame(first + i);
      if (entry !== 0) pageTable.clearPte(node, i);
    }
    pageTable.installHuge(node, makeEntry(first, PTE_PRESENT | (vma.prot === "read-write" ? PTE_WRITE : 0)));
    proc.mm.addRss(pages - present);
    proc.mm.hugePmds++;
    machine.mmu.invalidateRange(proc.pid, start, machine.hugePageBytes);
    machine.count(proc, "thpCollapses");
    machine.count(proc, "kernelBytesZeroed", none * machine.preset.pageSize);
    result.collapsed++;
    result.pagesFilled += pages - present;
    const status = proc.status();
    machine.record({
      pid: proc.pid,
      call: "khugepaged",
      args: { addr: start, filled: pages - present },
      faults: summarizeFaults(zeroCounters()),
      bytesZeroed: none * machine.preset.pageSize,
      bytesCopied: present * machine.preset.pageSize,
      counters: proc.counters,
      VmRSS: status.VmRSS,
      VmSize: status.VmSize,
    });
  }
}
