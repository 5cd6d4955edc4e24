// Tearing mappings down: munmap, MADV_DONTNEED, brk shrink and process exit all drop the page
// entries of a range and give private frames back (zap_page_range).

import type { Machine } from "./machine";
import type { Process } from "./process";
import { entryPfn, isSwapEntry, isZeroEntry, swapSlotOf } from "./pte";
import { splitHugeAt } from "./huge";

/** Unmaps every page in [start, end) (page-aligned), releasing private frames; returns nothing. */
export function zapRange(machine: Machine, proc: Process, start: number, end: number): void {
  const { pageTable } = proc.mm;
  const mm = proc.mm;
  splitHugeAt(machine, proc, start);
  splitHugeAt(machine, proc, end);
  const hugeFrames = machine.hugePageBytes / machine.preset.pageSize;
  pageTable.forEachLeaf(start, end, (_vaddr, entry, node, index) => {
    const zero = isZeroEntry(entry);
    if (index < 0) {
      if (!zero) {
        const first = entryPfn(entry);
        for (let i = 0; i < hugeFrames; i++) machine.memory.decRef(first + i);
        mm.addRss(-hugeFrames);
        mm.hugePmds--;
      }
      pageTable.clearHuge(node);
      return;
    }
    if (isSwapEntry(entry)) {
      // zap_nonpresent_ptes: a swap entry gives back its slot (free_swap_and_cache, REFERENCE §9.2)
      machine.swap?.release(swapSlotOf(entry));
      mm.swapPages--;
      pageTable.clearPte(node, index);
      return;
    }
    // Linux zap_pte_range: zero-page entries just vanish (they were never in RSS, REFERENCE §3.3)
    if (!zero) {
      machine.memory.decRef(entryPfn(entry));
      mm.addRss(-1);
    }
    pageTable.clearPte(node, index);
  });
  machine.mmu.invalidateRange(proc.pid, start, end - start);
}

/** Releases a whole address space (exit or OOM kill): every page, every VMA, every table page. */
export function releaseAddressSpace(machine: Machine, proc: Process): void {
  const vmas = proc.mm.vmas;
  for (const vma of [...vmas.all()]) zapRange(machine, proc, vma.start, vma.end);
  for (const vma of [...vmas.all()]) vmas.remove(vma.start, vma.end);
  proc.mm.pageTable.destroy();
}
