// mprotect and madvise: change a range's protection or advice, splitting VMAs at its edges and
// keeping page entries (and any TLB) consistent with the new rules.

import { InvalidArgumentError, UnsupportedError, describeValue } from "../errors";
import { splitHugeAt } from "./huge";
import type { Machine } from "./machine";
import { PROTS, userSpaceEnd } from "./mmap";
import type { Process } from "./process";
import { PTE_PROTNONE, PTE_WRITE, entryFlags, isSwapEntry, withFlags } from "./pte";
import { requireAligned, requireInteger, requireOneOf, roundUp } from "./validate";
import type { Prot } from "./vma";
import { zapRange } from "./zap";
import { doMadviseFree } from "./lazy-free";

/** The madvise advice modelled: MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTNEED and MADV_FREE ("free": the pages are freed lazily, see LazyFreePages). */
export type Advice = "hugepage" | "nohugepage" | "dontneed" | "free";
export const ADVICES: readonly Advice[] = ["hugepage", "nohugepage", "dontneed", "free"];

/** Validates a page-aligned range that must be fully mapped; returns [start, end). A zero length
 *  gives an empty range, which the calls then leave alone (Linux's mprotect and madvise return 0
 *  for it once the address and the request are valid). */
function mappedRange(machine: Machine, proc: Process, call: string, addr: unknown, length: unknown): [number, number] {
  const pageBytes = machine.preset.pageSize;
  const start = requireInteger(call, "addr", addr, 0, userSpaceEnd(machine) - pageBytes);
  requireAligned(call, "addr", start, pageBytes);
  const len = requireInteger(call, "length", length, 0, userSpaceEnd(machine) - start);
  if (len === 0) return [start, start];
  const end = roundUp(start + len, pageBytes);
  const gap = proc.mm.vmas.firstGap(start, end);
  if (gap !== null) {
    // Linux answers ENOMEM for unmapped parts of the range
    throw new InvalidArgumentError(`${call}: addr ${describeValue(start)} + length ${describeValue(len)} is not fully mapped: ${describeValue(gap)} is outside any mapping`);
  }
  return [start, end];
}

/** Returns new entry flags under `prot` (write permission is granted again only by a write fault). */
function flagsUnder(prot: Prot, flags: number): number {
  if (prot === "none") return flags | PTE_PROTNONE;
  if (prot === "read") return flags & ~(PTE_WRITE | PTE_PROTNONE);
  return flags & ~PTE_PROTNONE;
}

/**
 * Validates and performs mprotect(addr, length, prot). Making private memory writable charges it
 * to the commit limit once (VM_ACCOUNT; taking write away later does not uncharge, as in Linux).
 */
export function doMprotect(machine: Machine, proc: Process, addr: unknown, length: unknown, prot: unknown): void {
  const [start, end] = mappedRange(machine, proc, "mprotect", addr, length);
  const newProt = requireOneOf("mprotect", "prot", prot, PROTS);
  if (start === end) return;
  let charge = 0;
  if (newProt === "read-write") {
    for (const vma of proc.mm.vmas.overlapping(start, end)) {
      if (!vma.accounted) charge += Math.min(end, vma.end) - Math.max(start, vma.start);
    }
  }
  machine.checkCommit("mprotect", charge);
  const vmas = proc.mm.vmas.isolate(start, end);
  for (const vma of vmas) {
    vma.prot = newProt;
    if (newProt === "read-write") vma.accounted = true;
  }
  if (machine.policy.remapsPages) {
    splitHugeAt(machine, proc, start);
    splitHugeAt(machine, proc, end);
    const pageTable = proc.mm.pageTable;
    pageTable.forEachLeaf(start, end, (_vaddr, entry, node, index) => {
      if (isSwapEntry(entry)) return; // a swapped page takes the VMA's protection when read back
      const updated = withFlags(entry, flagsUnder(newProt, entryFlags(entry)));
      if (index < 0) pageTable.replaceHuge(node, updated);
      else pageTable.setPte(node, index, updated);
    });
    machine.mmu.invalidateRange(proc.pid, start, end - start);
  }
  proc.mm.vmas.mergeAround(start, end);
}

/** Validates and performs madvise(addr, length, advice). */
export function doMadvise(machine: Machine, proc: Process, addr: unknown, length: unknown, advice: unknown): void {
  const [start, end] = mappedRange(machine, proc, "madvise", addr, length);
  const what = requireOneOf("madvise", "advice", advice, ADVICES);
  if (start === end) return;
  if (what === "dontneed") {
    // MADV_DONTNEED drops the pages; the next touch faults in zero-filled memory again.
    if (machine.policy.remapsPages) zapRange(machine, proc, start, end);
    return;
  }
  if (what === "free") {
    // MADV_FREE keeps the pages until reclaim needs them or they are written (lazy-free.ts)
    if (machine.policy.remapsPages) doMadviseFree(machine, proc, start, end);
    return;
  }
  if (!machine.preset.thpSupported) {
    throw new UnsupportedError(`madvise: advice "${what}" needs transparent huge pages, which ${machine.preset.name} does not have`);
  }
  // MADV_HUGEPAGE / MADV_NOHUGEPAGE set VmFlags hg / nh; pages already mapped stay as they are
  // (khugepaged may collapse them later: machine.khugepaged.scan(), khugepaged.ts). A VMA split inside a huge page splits that
  // PMD first, as Linux's __split_vma -> vma_adjust_trans_huge does.
  splitHugeAt(machine, proc, start);
  splitHugeAt(machine, proc, end);
  for (const vma of proc.mm.vmas.isolate(start, end)) {
    vma.hugepage = what === "hugepage";
    vma.nohugepage = what === "nohugepage";
  }
  proc.mm.vmas.mergeAround(start, end);
}
