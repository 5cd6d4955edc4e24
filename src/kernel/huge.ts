// Transparent huge pages: when a fault may use one, and how a PMD mapping is split back into
// base-page entries.

import type { Machine } from "./machine";
import type { TableNode } from "./page-table";
import type { Process } from "./process";
import { PTE_ZERO, entryFlags, entryPfn, makeEntry } from "./pte";
import type { Preset } from "./presets";
import type { Vma } from "./vma";

/** Returns true when THP applies to the VMA: enabled=always, or madvise plus MADV_HUGEPAGE (REFERENCE §3.4). */
export function thpEnabledFor(preset: Readonly<Preset>, vma: Vma): boolean {
  if (!preset.thpSupported || preset.eager || vma.nohugepage || vma.prot === "none") return false;
  return preset.thp === "always" || (preset.thp === "madvise" && vma.hugepage);
}

/** Returns true when the huge-page-aligned range around `vaddr` lies inside the VMA (REFERENCE §3.4). */
export function hugeRangeFits(vma: Vma, vaddr: number, hugeBytes: number): boolean {
  const start = Math.floor(vaddr / hugeBytes) * hugeBytes;
  return start >= vma.start && start + hugeBytes <= vma.end;
}

/** Returns true when the VMA contains at least one whole aligned huge range (smaps THPeligible). */
export function vmaHasHugeRange(vma: Vma, hugeBytes: number): boolean {
  return Math.ceil(vma.start / hugeBytes) * hugeBytes + hugeBytes <= vma.end;
}

/**
 * Splits the huge mapping held by leaf table `node` (covering [hugeStart, +hugeBytes)) into
 * base-page entries with the same permissions. A huge zero page becomes entries of the small
 * zero page (Linux __split_huge_zero_page_pmd); a THP keeps its frames, now PTE-mapped.
 */
export function splitHugePmd(machine: Machine, proc: Process, node: TableNode, hugeStart: number): void {
  const entry = node.huge;
  const flags = entryFlags(entry);
  const first = entryPfn(entry);
  const zero = (flags & PTE_ZERO) !== 0;
  const zeroPfn = machine.memory.zeroPfn;
  proc.mm.pageTable.splitHuge(node, (i) => makeEntry(zero ? zeroPfn : first + i, flags));
  if (!zero) proc.mm.hugePmds--;
  machine.count(proc, "thpSplits");
  machine.mmu.invalidateRange(proc.pid, hugeStart, machine.hugePageBytes);
}

/** Splits the huge mapping around `addr` when `addr` falls strictly inside it (VMA boundary moves). */
export function splitHugeAt(machine: Machine, proc: Process, addr: number): void {
  const hugeBytes = machine.hugePageBytes;
  if (hugeBytes === 0 || addr % hugeBytes === 0) return;
  const node = proc.mm.pageTable.leafTable(addr, false);
  if (node && node.huge !== 0) splitHugePmd(machine, proc, node, Math.floor(addr / hugeBytes) * hugeBytes);
}
