// A process's address space (Linux's mm_struct): its VMAs, page tables, RSS and brk.

import { PageTable } from "./page-table";
import { VmaList } from "./vma";

export class Mm {
  readonly vmas = new VmaList();
  /** Base pages of private frames mapped (huge pages count their base pages): MM_ANONPAGES. */
  rssPages = 0;
  /** Swap entries in the page tables (MM_SWAPENTS, VmSwap): pages of this process that are in swap. */
  swapPages = 0;
  /** Huge pages mapped by one PMD entry (AnonHugePages). */
  hugePmds = 0;
  /** Peak of rssPages (VmHWM). */
  hwmPages = 0;
  /** Peak of the mapped size in bytes (VmPeak). */
  peakVmBytes = 0;
  /** The current program break (brk), a byte address; the heap VMA ends at it rounded up. */
  brkEnd: number;

  constructor(readonly pageTable: PageTable, readonly brkStart: number) {
    this.brkEnd = brkStart;
  }

  /** Adds `pages` (may be negative) to the resident count and tracks the peak. */
  addRss(pages: number): void {
    this.rssPages += pages;
    if (this.rssPages > this.hwmPages) this.hwmPages = this.rssPages;
  }

  /** Returns the bytes covered by VMAs (VmSize), tracking the peak. */
  vmBytes(): number {
    let bytes = 0;
    for (const vma of this.vmas.all()) bytes += vma.end - vma.start;
    if (bytes > this.peakVmBytes) this.peakVmBytes = bytes;
    return bytes;
  }

  /** Returns the bytes of VMAs charged to the commit limit. */
  committedBytes(): number {
    let bytes = 0;
    for (const vma of this.vmas.all()) if (vma.accounted) bytes += vma.end - vma.start;
    return bytes;
  }
}
