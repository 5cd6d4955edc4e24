// The page-fault handler (Linux handle_mm_fault for private anonymous memory), rule by rule
// from REFERENCE §3: zero page on read, zeroed frame on write, no copy after a zero-page read,
// copy-on-write after fork, transparent huge pages with their fallbacks, and multi-size THP.
// Hosts that forbid the zero page (zeroPageOnRead false) take the write path on reads too.

import { InternalCheckError, SegmentationFault } from "../errors";
import type { AccessKind } from "../hardware/translation";
import { hugeRangeFits, smallThpSizesFor, splitHugePmd, thpEnabledFor } from "./huge";
import type { Machine } from "./machine";
import type { LeafTable } from "./page-table";
import type { Process } from "./process";
import { PTE_PRESENT, PTE_PROTNONE, PTE_WRITE, PTE_ZERO, entryFlags, entryPfn, isSwapEntry, makeEntry } from "./pte";
import { doSwapPage } from "./swap";
import type { Vma } from "./vma";

/** Returns true when the VMA's protection allows an access of `kind`. */
export function protPermits(vma: Vma, kind: AccessKind): boolean {
  return kind === "read" ? vma.prot !== "none" : vma.prot === "read-write";
}

/**
 * Resolves a fault at `vaddr` so that a retried access of `kind` succeeds, or throws
 * SegmentationFault (no VMA, or the VMA forbids it) / ProcessKilledError (OOM chose this process).
 */
export function handleFault(machine: Machine, proc: Process, vaddr: number, kind: AccessKind): void {
  proc.requireAlive("fault");
  const vma = proc.mm.vmas.find(vaddr);
  if (!vma) throw new SegmentationFault(`pid ${proc.pid}: ${kind} at 0x${vaddr.toString(16)} is outside any mapping`, vaddr);
  if (!protPermits(vma, kind)) {
    throw new SegmentationFault(`pid ${proc.pid}: ${kind} at 0x${vaddr.toString(16)} violates the mapping's protection "${vma.prot}"`, vaddr);
  }
  const pageTable = proc.mm.pageTable;
  const hugeBytes = machine.hugePageBytes;
  // One walk finds the leaf table; an empty PMD slot is where a huge fault may go.
  let node = pageTable.leafTable(vaddr, false);
  if (node === null && hugeBytes > 0 && thpEnabledFor(machine.preset, vma)) {
    if (doHugeAnonymousPage(machine, proc, vma, vaddr, kind)) return;
  }
  if (node === null) node = pageTable.leafTable(vaddr, true);
  if (node.huge !== 0) return doHugeWpPage(machine, proc, node, vaddr, kind);
  const index = pageTable.leafIndex(vaddr);
  const entry = pageTable.entryOf(node, index);
  if (entry === 0) return doAnonymousPage(machine, proc, vma, node, index, vaddr, kind);
  // Linux do_swap_page: a swapped-out page is read back, a major fault (REFERENCE §9.2)
  if (isSwapEntry(entry)) return doSwapPage(machine, proc, vma, node, index, entry);
  if (kind === "write") return doWpPage(machine, proc, node, index, vaddr);
  throw new InternalCheckError(`pid ${proc.pid}: read fault at 0x${vaddr.toString(16)} on a present page (entry ${entry})`);
}

/** Allocates a frame for `proc`, clears it and counts the bytes; returns the pfn. */
function allocZeroedFrame(machine: Machine, proc: Process): number {
  const pfn = machine.allocFrameFor(proc);
  machine.memory.zeroFrame(pfn);
  machine.count(proc, "kernelBytesZeroed", machine.preset.pageSize);
  return pfn;
}

/** Returns the PTE flags a private page gets in this VMA when the process may write it. */
function privateFlags(vma: Vma): number {
  return vma.prot === "read-write" ? PTE_PRESENT | PTE_WRITE : PTE_PRESENT;
}

/** First touch of a base page (do_anonymous_page); maps the zero page, a multi-size THP or a fresh zeroed frame. */
function doAnonymousPage(machine: Machine, proc: Process, vma: Vma, node: LeafTable, index: number, vaddr: number, kind: AccessKind): void {
  machine.count(proc, "minorFaults");
  const pageTable = proc.mm.pageTable;
  if (kind === "read" && machine.preset.zeroPageOnRead) {
    // Linux do_anonymous_page: a read fault maps the shared zero page, RSS unchanged (REFERENCE §3.1)
    pageTable.setPte(node, index, makeEntry(machine.memory.zeroPfn, PTE_PRESENT | PTE_ZERO));
    machine.count(proc, "zeroPageMaps");
    return;
  }
  // Linux alloc_anon_folio: the largest enabled mTHP size that fits, else one page (REFERENCE §3.9)
  if (mapAnonFolio(machine, proc, vma, node, index, vaddr)) return;
  // Linux do_anonymous_page: a write fault maps a new zeroed page, MM_ANONPAGES + 1 (REFERENCE §3.1)
  const pfn = allocZeroedFrame(machine, proc);
  pageTable.setPte(node, index, makeEntry(pfn, privateFlags(vma)));
  proc.mm.addRss(1);
}

/**
 * Maps a multi-size THP folio around `vaddr` (Linux 6.8+ alloc_anon_folio): tries each enabled
 * size below the PMD size, largest first, whose aligned range lies inside the VMA and has no
 * populated PTE and for which a contiguous run of frames is free. Returns false to fall back to
 * one base page. The folio is PTE-mapped: each page gets its own entry (and is unmapped, copied
 * on write or split alone later, which is where this model simplifies Linux's folios).
 */
function mapAnonFolio(machine: Machine, proc: Process, vma: Vma, node: LeafTable, index: number, vaddr: number): boolean {
  const pageBytes = machine.preset.pageSize;
  const pageTable = proc.mm.pageTable;
  for (const bytes of smallThpSizesFor(machine.preset, vma)) {
    const start = Math.floor(vaddr / bytes) * bytes;
    if (start < vma.start || start + bytes > vma.end) continue; // thp_vma_suitable_order
    const pages = bytes / pageBytes;
    const first = index - Math.floor((vaddr - start) / pageBytes);
    if (!pageTable.ptesNone(node, first, pages)) continue; // pte_range_none
    const pfn = machine.memory.allocContiguous(pages);
    if (pfn === null) {
      machine.count(proc, "thpFallbacks");
      continue;
    }
    for (let i = 0; i < pages; i++) machine.memory.zeroFrame(pfn + i);
    pageTable.setPtes(node, first, makeEntry(pfn, privateFlags(vma)), pages); // set_ptes: one entry per page
    proc.mm.addRss(pages);
    machine.count(proc, "mthpFaults");
    machine.count(proc, "kernelBytesZeroed", bytes);
    return true;
  }
  return false;
}

/** Write to a present read-only base page (do_wp_page): zero page, copy-on-write or reuse. */
function doWpPage(machine: Machine, proc: Process, node: LeafTable, index: number, vaddr: number): void {
  machine.count(proc, "minorFaults");
  const pageTable = proc.mm.pageTable;
  const entry = pageTable.entryOf(node, index);
  const flags = entryFlags(entry);
  const pageBytes = machine.preset.pageSize;
  const pageStart = Math.floor(vaddr / pageBytes) * pageBytes;
  if ((flags & PTE_ZERO) !== 0) {
    // Linux wp_page_copy: the zero page is replaced by a new zeroed page, nothing copied (REFERENCE §3.2)
    const pfn = allocZeroedFrame(machine, proc);
    pageTable.setPte(node, index, makeEntry(pfn, PTE_PRESENT | PTE_WRITE));
    proc.mm.addRss(1);
  } else {
    const old = entryPfn(entry);
    if (machine.memory.getRef(old) === 1) {
      // Linux wp_page_reuse: the only mapping of the page just becomes writable
      pageTable.setPte(node, index, makeEntry(old, (flags | PTE_WRITE) & ~PTE_PROTNONE));
    } else {
      // Linux wp_page_copy: a page shared after fork is copied for the writer (REFERENCE §3.2)
      const pfn = machine.allocFrameFor(proc);
      machine.memory.copyFrame(pfn, old);
      machine.memory.decRef(old);
      pageTable.setPte(node, index, makeEntry(pfn, PTE_PRESENT | PTE_WRITE));
      machine.count(proc, "cowCopies");
      machine.count(proc, "kernelBytesCopied", pageBytes);
    }
  }
  machine.mmu.invalidateRange(proc.pid, pageStart, pageBytes);
}

/**
 * Tries a PMD-sized fault (do_huge_pmd_anonymous_page); returns false when the caller must fall
 * back to base pages (thpFallbacks counted).
 */
function doHugeAnonymousPage(machine: Machine, proc: Process, vma: Vma, vaddr: number, kind: AccessKind): boolean {
  const hugeBytes = machine.hugePageBytes;
  if (!hugeRangeFits(vma, vaddr, hugeBytes)) {
    // The aligned huge range is not inside the VMA: base pages (REFERENCE §3.4)
    machine.count(proc, "thpFallbacks");
    return false;
  }
  const pageTable = proc.mm.pageTable;
  // The table page Linux deposits with a huge mapping is allocated first: if that allocation
  // OOM-kills this process, no huge frames are left behind.
  const node = pageTable.leafTable(vaddr, true);
  if (kind === "read" && machine.preset.hugeZeroPage) {
    // transparent_hugepage/use_zero_page: a read fault maps the huge zero page, no RSS (REFERENCE §3.4)
    const zero = machine.memory.hugeZeroPfn();
    if (zero === null) {
      machine.count(proc, "thpFallbacks");
      return false;
    }
    pageTable.installHuge(node, makeEntry(zero, PTE_PRESENT | PTE_ZERO));
    machine.count(proc, "minorFaults");
    machine.count(proc, "zeroPageMaps");
    return true;
  }
  const first = allocZeroedHugePage(machine, proc);
  if (first === null) {
    // No free aligned run of frames: fall back to base pages (THP_FAULT_FALLBACK)
    machine.count(proc, "thpFallbacks");
    return false;
  }
  pageTable.installHuge(node, makeEntry(first, privateFlags(vma)));
  return true;
}

/**
 * Allocates and clears a huge page's aligned run of frames for `proc`, counting its RSS, PMD
 * mapping, fault and bytes zeroed; returns the first pfn, or null when no free run exists (then
 * nothing is counted). The caller maps it.
 */
function allocZeroedHugePage(machine: Machine, proc: Process): number | null {
  const frames = machine.hugePageBytes / machine.preset.pageSize;
  const first = machine.memory.allocContiguous(frames);
  if (first === null) return null;
  for (let i = 0; i < frames; i++) machine.memory.zeroFrame(first + i);
  proc.mm.addRss(frames);
  proc.mm.hugePmds++;
  machine.count(proc, "minorFaults");
  machine.count(proc, "thpFaults");
  machine.count(proc, "kernelBytesZeroed", machine.hugePageBytes);
  return first;
}

/**
 * Write to a present read-only huge mapping (do_huge_pmd_wp_page). An exclusive THP becomes
 * writable. On kernels that do so (thpOnHugeZeroWrite), the huge zero page is replaced by a
 * fresh zeroed huge page. Anything else is split and the write handled on the base page, as
 * Linux does from 5.8: the huge zero page turns into small zero-page entries and the written
 * page gets a new zeroed frame (so a write after a huge-zero read costs one base page, not
 * 2 MiB); a THP shared after fork is split and only the written base page is copied.
 */
function doHugeWpPage(machine: Machine, proc: Process, node: LeafTable, vaddr: number, kind: AccessKind): void {
  const hugeBytes = machine.hugePageBytes;
  const hugeStart = Math.floor(vaddr / hugeBytes) * hugeBytes;
  const entry = node.huge;
  const flags = entryFlags(entry);
  if (kind !== "write") throw new InternalCheckError(`read fault on a present huge page at 0x${vaddr.toString(16)}`);
  if ((flags & PTE_ZERO) !== 0 && machine.preset.thpOnHugeZeroWrite) {
    // Newer kernels (measured on Linux 6.18): a write to the huge zero page gets a whole THP (REFERENCE §3.9)
    const first = allocZeroedHugePage(machine, proc);
    if (first !== null) {
      proc.mm.pageTable.replaceHuge(node, makeEntry(first, PTE_PRESENT | PTE_WRITE));
      machine.mmu.invalidateRange(proc.pid, hugeStart, hugeBytes);
      return;
    }
    machine.count(proc, "thpFallbacks"); // no free aligned run: split as older kernels do
  }
  if ((flags & PTE_ZERO) === 0) {
    const first = entryPfn(entry);
    const frames = hugeBytes / machine.preset.pageSize;
    let exclusive = true;
    for (let i = 0; i < frames && exclusive; i++) exclusive = machine.memory.getRef(first + i) === 1;
    if (exclusive) {
      machine.count(proc, "minorFaults");
      proc.mm.pageTable.replaceHuge(node, makeEntry(first, (flags | PTE_WRITE) & ~PTE_PROTNONE));
      machine.mmu.invalidateRange(proc.pid, hugeStart, hugeBytes);
      return;
    }
  }
  splitHugePmd(machine, proc, node, hugeStart);
  doWpPage(machine, proc, node, proc.mm.pageTable.leafIndex(vaddr), vaddr);
}
