// MADV_FREE (Linux madvise_free_pte_range): the pages of a range stay mapped and in RSS, marked
// lazily freeable. Reclaim may then drop them without writing them anywhere (they read back as
// zeros); a write first makes them the program's data again and cancels the mark. Counted as
// LazyFree in smaps until one of the two happens (REFERENCE §9.6).

import { splitHugePmd } from "./huge";
import type { Machine } from "./machine";
import type { Process } from "./process";
import { entryPfn, isSwapEntry, isZeroEntry, swapSlotOf } from "./pte";

/** The frames MADV_FREE marked, each with the mapping it was marked in. */
export class LazyFreePages {
  /** pfn -> the process and address it was mapped at when marked. */
  private readonly marks = new Map<number, { pid: number; vaddr: number }>();

  /** Frames marked (some marks may be stale: see isLazy). */
  get size(): number {
    return this.marks.size;
  }

  /** Marks frame `pfn`, mapped by `pid` at `vaddr`. */
  mark(pfn: number, pid: number, vaddr: number): void {
    this.marks.set(pfn, { pid, vaddr });
  }

  /** A write to `pfn` cancels its mark (the dirty bit set again). */
  cancel(pfn: number): void {
    this.marks.delete(pfn);
  }

  /**
   * True when `pfn`, mapped by `pid` at `vaddr`, is lazily free. A mark made for another mapping
   * (the frame was freed and reused since) does not count, and is dropped.
   */
  isLazy(pfn: number, pid: number, vaddr: number): boolean {
    const mark = this.marks.get(pfn);
    if (mark === undefined) return false;
    if (mark.pid === pid && mark.vaddr === vaddr) return true;
    this.marks.delete(pfn);
    return false;
  }
}

/**
 * MADV_FREE over [start, end) (page-aligned, mapped): exclusive private pages are marked lazy,
 * swap entries are dropped with their slots, zero-page entries and pages shared after fork are
 * left as they are. Simplified: a huge page in the range is split first (Linux marks a whole
 * PMD-mapped folio without splitting it).
 */
export function doMadviseFree(machine: Machine, proc: Process, start: number, end: number): void {
  const pageTable = proc.mm.pageTable;
  pageTable.forEachLeaf(start, end, (vaddr, _entry, node, index) => {
    if (index < 0) splitHugePmd(machine, proc, node, vaddr);
  });
  let marked = 0;
  pageTable.forEachLeaf(start, end, (vaddr, entry, node, index) => {
    if (index < 0) return;
    if (isSwapEntry(entry)) {
      machine.swap?.release(swapSlotOf(entry));
      proc.mm.swapPages--;
      pageTable.clearPte(node, index);
      return;
    }
    if (isZeroEntry(entry) || machine.memory.getRef(entryPfn(entry)) !== 1) return;
    machine.lazyFree.mark(entryPfn(entry), proc.pid, vaddr);
    marked++;
  });
  machine.reclaim.stats.pglazyfree += marked;
  if (marked > 0) machine.accessClock.enabled = true;
}
