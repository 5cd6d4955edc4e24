// Transparent huge pages: when a fault may use one, and how a PMD mapping is split back into
// base-page entries.

import type { Machine } from "./machine";
import { mmPolicyOf } from "./mm-policy";
import type { LeafTable } from "./page-table";
import type { Process } from "./process";
import { PTE_ZERO, entryFlags, entryPfn, makeEntry } from "./pte";
import { type Preset, type ThpSizeSetting, pmdBytesFor } from "./presets";
import type { Vma } from "./vma";

/** Bytes of a PMD-mapped huge page: one table page of 8-byte entries, each mapping a base page. */
export function pmdBytes(preset: Readonly<Preset>): number {
  return pmdBytesFor(preset.pageSize);
}

/** The setting of THP size `bytes` (hugepages-<kB>kB/enabled): by default the PMD size inherits, smaller sizes are never (REFERENCE §3.9). */
export function thpSizeSetting(preset: Readonly<Preset>, bytes: number): ThpSizeSetting {
  return preset.thpSizes[bytes / 1024] ?? (bytes === pmdBytes(preset) ? "inherit" : "never");
}

/**
 * Returns true when THP of `bytes` may back the VMA: its own setting "always", or "madvise" with
 * MADV_HUGEPAGE, or "inherit" and the top-level enabled=always / madvise (REFERENCE §3.4, §3.9).
 * MADV_NOHUGEPAGE and PROT_NONE rule out every size.
 */
export function thpSizeEnabledFor(preset: Readonly<Preset>, vma: Vma, bytes: number): boolean {
  if (!preset.thpSupported || !mmPolicyOf(preset).hugePages || vma.nohugepage || vma.prot === "none") return false;
  const setting = thpSizeSetting(preset, bytes);
  const mode = setting === "inherit" ? preset.thp : setting;
  return mode === "always" || (mode === "madvise" && vma.hugepage);
}

/** Returns true when PMD-sized THP applies to the VMA (REFERENCE §3.4). */
export function thpEnabledFor(preset: Readonly<Preset>, vma: Vma): boolean {
  return thpSizeEnabledFor(preset, vma, pmdBytes(preset));
}

/** The multi-size THP sizes below the PMD size enabled for the VMA, largest first. */
export function smallThpSizesFor(preset: Readonly<Preset>, vma: Vma): number[] {
  const pmd = pmdBytes(preset);
  return Object.keys(preset.thpSizes)
    .map((kib) => Number(kib) * 1024)
    .filter((bytes) => bytes < pmd && thpSizeEnabledFor(preset, vma, bytes))
    .sort((a, b) => b - a);
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
export function splitHugePmd(machine: Machine, proc: Process, node: LeafTable, hugeStart: number): void {
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
