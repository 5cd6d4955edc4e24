// machine.check(): recomputes the kernel's bookkeeping from the page tables and frame refcounts
// and throws on the first disagreement, naming it.

import { InternalCheckError } from "../errors";
import type { Machine } from "./machine";
import { userSpaceEnd } from "./mmap";
import { entryPfn, isSwapEntry, isZeroEntry, swapSlotOf } from "./pte";

function fail(message: string): never {
  throw new InternalCheckError(`machine.check: ${message}`);
}

/** Asserts every invariant of the machine; returns normally when all hold. */
export function checkMachine(machine: Machine): void {
  const memory = machine.memory;
  const pageBytes = machine.preset.pageSize;
  const hugeFrames = machine.hugePageBytes / pageBytes;
  /** Owners seen per frame: mappings plus table pages. */
  const owners = new Map<number, number>();
  const own = (pfn: number, n = 1) => owners.set(pfn, (owners.get(pfn) ?? 0) + n);
  /** Swap entries seen per slot. */
  const slotEntries = new Map<number, number>();
  let tablePages = 0;
  for (const proc of machine.processes) {
    const mm = proc.mm;
    const who = `pid ${proc.pid}`;
    let previousEnd = -1;
    for (const vma of mm.vmas.all()) {
      if (vma.start >= vma.end || vma.start % pageBytes !== 0 || vma.end % pageBytes !== 0) {
        fail(`${who}: VMA [0x${vma.start.toString(16)}, 0x${vma.end.toString(16)}) is empty or not page-aligned`);
      }
      if (vma.start < previousEnd) fail(`${who}: VMAs overlap or are out of order at 0x${vma.start.toString(16)}`);
      previousEnd = vma.end;
    }
    let rss = 0;
    let huge = 0;
    let swapped = 0;
    mm.pageTable.forEachLeaf(0, userSpaceEnd(machine), (vaddr, entry, node, index) => {
      const size = index < 0 ? machine.hugePageBytes : pageBytes;
      const vma = mm.vmas.find(vaddr);
      if (!vma || vaddr + size > vma.end) fail(`${who}: a page entry at 0x${vaddr.toString(16)} lies outside any VMA`);
      if (index >= 0 && node.huge !== 0) fail(`${who}: a huge table also holds base entries`);
      if (isSwapEntry(entry)) {
        // A swapped page is counted in VmSwap, never in VmRSS (REFERENCE §9.2)
        const slot = swapSlotOf(entry);
        slotEntries.set(slot, (slotEntries.get(slot) ?? 0) + 1);
        swapped++;
        return;
      }
      const pfn = entryPfn(entry);
      if (isZeroEntry(entry)) {
        const expected = index < 0 ? memory.hugeZeroPfn() : memory.zeroPfn;
        if (pfn !== expected) fail(`${who}: zero-page entry at 0x${vaddr.toString(16)} maps pfn ${pfn}, not the zero page`);
        return;
      }
      if (memory.isZeroPage(pfn)) fail(`${who}: the zero page is mapped as a private page at 0x${vaddr.toString(16)}`);
      const frames = index < 0 ? hugeFrames : 1;
      for (let i = 0; i < frames; i++) own(pfn + i);
      rss += frames;
      if (index < 0) huge++;
    });
    // RSS counts private pages only, zero-page mappings never (REFERENCE §3.3)
    if (rss !== mm.rssPages) fail(`${who}: VmRSS says ${mm.rssPages} pages but ${rss} private pages are mapped`);
    if (huge !== mm.hugePmds) fail(`${who}: ${mm.hugePmds} huge mappings counted, ${huge} found`);
    if (swapped !== mm.swapPages) fail(`${who}: VmSwap says ${mm.swapPages} pages but ${swapped} swap entries exist`);
    const counted = mm.pageTable.countTablePages();
    if (counted !== mm.pageTable.tablePages) fail(`${who}: ${mm.pageTable.tablePages} table pages counted, ${counted} exist`);
    const mismatch = mm.pageTable.findCountMismatch();
    if (mismatch !== null) fail(`${who}: ${mismatch}`);
    tablePages += counted;
    if (machine.policy.tablesInRam) mm.pageTable.forEachTableFrame((pfn) => own(pfn));
  }
  if (machine.policy.tablesInRam && tablePages !== machine.tableFrames) {
    fail(`PageTables counts ${machine.tableFrames} table pages, the processes hold ${tablePages}`);
  }
  for (const [pfn, count] of owners) {
    if (pfn < 0 || pfn >= memory.totalFrames) fail(`pfn ${pfn} is out of range`);
    const ref = memory.getRef(pfn);
    if (ref !== count) fail(`pfn ${pfn} has refcount ${ref} but ${count} owners`);
  }
  const swap = machine.swap;
  for (const [slot, entries] of slotEntries) {
    const count = swap === null ? 0 : swap.countOf(slot);
    if (count !== entries) fail(`swap slot ${slot} counts ${count} entries but ${entries} point at it`);
  }
  if ((swap?.usedSlots ?? 0) !== slotEntries.size) fail(`${swap?.usedSlots ?? 0} swap slots are in use but ${slotEntries.size} are referenced (leaked slots)`);
  const expectedUsed = owners.size + memory.reservedFrames;
  if (memory.usedFrames !== expectedUsed) {
    fail(`${memory.usedFrames} frames are in use but ${owners.size} are owned and ${memory.reservedFrames} reserved (leaked frames)`);
  }
  if (memory.getRef(memory.zeroPfn) !== 1 || memory.patternOf(memory.zeroPfn)?.some((b) => b !== 0)) {
    fail("the shared zero page is no longer a pinned all-zero frame");
  }
  let committed = 0;
  for (const proc of machine.processes) {
    for (const vma of proc.mm.vmas.all()) if (vma.accounted) committed += vma.end - vma.start;
  }
  if (committed !== machine.committedBytes()) fail(`Committed_AS ${machine.committedBytes()} bytes != accountable VMAs ${committed} bytes`);
  if (machine.preset.overcommit === 2 && committed > machine.commitLimitBytes()) {
    fail(`Committed_AS ${committed} bytes exceeds CommitLimit ${machine.commitLimitBytes()} under overcommit mode 2`);
  }
}
