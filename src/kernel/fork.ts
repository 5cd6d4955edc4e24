// fork(): the child gets a copy of the VMAs and page tables; every private page becomes shared
// read-only by both (refcount + 1) so the first write on either side copies it (REFERENCE §3.2).

import { OutOfMemoryError } from "../errors";
import type { Machine } from "./machine";
import { userSpaceEnd } from "./mmap";
import { Process } from "./process";
import { PTE_WRITE, entryFlags, entryPfn, isSwapEntry, isZeroEntry, swapSlotOf, withFlags } from "./pte";

/** Creates the child of `parent` (copy_mm with copy-on-write) and returns it. */
export function doFork(machine: Machine, parent: Process): Process {
  machine.policy.checkFork();
  machine.checkCommit("fork", parent.mm.committedBytes()); // dup_mmap charges accountable VMAs again
  const tables = parent.mm.pageTable.tablePages;
  if (machine.memory.freeFrames < tables) {
    throw new OutOfMemoryError(`fork: cannot allocate memory: the child needs ${tables} page-table frames, ${machine.memory.freeFrames} are free`);
  }
  const child = machine.adopt((pid) => new Process(machine, pid, parent.mm.brkStart));
  child.mm.brkEnd = parent.mm.brkEnd;
  for (const vma of parent.mm.vmas.all()) child.mm.vmas.insert({ ...vma });
  const hugeFrames = machine.hugePageBytes / machine.preset.pageSize;
  const parentTable = parent.mm.pageTable;
  const childTable = child.mm.pageTable;
  parentTable.forEachLeaf(0, userSpaceEnd(machine), (vaddr, entry, node, index) => {
    if (isSwapEntry(entry)) {
      // copy_nonpresent_pte: the child's entry points at the same slot (swap_duplicate, REFERENCE §9.2)
      machine.swap?.duplicate(swapSlotOf(entry));
      childTable.setPteAt(vaddr, entry);
      child.mm.swapPages++;
      return;
    }
    // The zero page is shared by everyone already: copied as is.
    const shared = isZeroEntry(entry) ? entry : withFlags(entry, entryFlags(entry) & ~PTE_WRITE);
    if (index < 0) {
      if (!isZeroEntry(entry)) {
        const first = entryPfn(entry);
        for (let i = 0; i < hugeFrames; i++) machine.memory.incRef(first + i);
        child.mm.addRss(hugeFrames);
        child.mm.hugePmds++;
      }
      parentTable.replaceHuge(node, shared);
      childTable.installHuge(childTable.leafTable(vaddr, true), shared);
      return;
    }
    if (!isZeroEntry(entry)) {
      machine.memory.incRef(entryPfn(entry));
      child.mm.addRss(1);
    }
    parentTable.setPte(node, index, shared);
    childTable.setPteAt(vaddr, shared);
  });
  child.mm.hwmPages = child.mm.rssPages;
  child.mm.vmBytes();
  machine.mmu.invalidateAsid(parent.pid); // the parent's writable translations are now read-only
  return child;
}
