// Linux without an MMU (mm/nommu.c; Documentation/admin-guide/mm/nommu-mmap.rst), the "eager"
// preset: everything the kernel does differently when nothing translates addresses (REFERENCE
// §3.8). This is the only kernel file that reads the preset's `eager` field; the others ask the
// machine's policy (mm-policy.ts) at the few points where the two differ.
//
// - mmap and brk back and clear every page at once (do_mmap_private): there is nothing to fault
//   in later, so a request RAM cannot hold now is refused at once, whatever the overcommit mode.
// - No page faults follow (every page is present from the start), and no huge pages.
// - fork is refused: without an MMU the child could not get its own copy at the same addresses
//   (only vfork exists).
// - The page tables only record which frame backs which address, as the region list does in
//   Linux: they take no frame (pfn -1), and PageTables and VmPTE read 0.
// - A page stays as mapped until munmap: mprotect changes only the VMA (nothing could enforce
//   it) and MADV_DONTNEED does nothing (ASSUMPTION: nothing to drop when it cannot fault back).
// - The default MMU is a table walker without TLBs (it stands for the kernel's own lookup).

import { OutOfMemoryError, UnsupportedError } from "../errors";
import type { Machine } from "./machine";
import type { MmPolicy } from "./mm-policy";
import type { Preset } from "./presets";
import type { Process } from "./process";
import { PTE_PRESENT, PTE_WRITE, makeEntry } from "./pte";

/** Returns true when `preset` is a platform without an MMU. */
export function runsWithoutMmu(preset: Readonly<Preset>): boolean {
  return preset.eager;
}

/** The policy of Linux without an MMU. */
export const NOMMU_POLICY: MmPolicy = Object.freeze({
  name: "nommu",
  populateAtMap: populateNow,
  checkFork(): void {
    throw new UnsupportedError("fork: a system without an MMU cannot fork (only vfork)");
  },
  hugePages: false,
  tablesInRam: false,
  remapsPages: false,
  tlbs: false,
});

/**
 * Backs [start, end) now: refuses it when free RAM cannot hold every page (nommu-mmap.rst),
 * else allocates and clears each page and maps it writable (REFERENCE §3.8).
 */
function populateNow(machine: Machine, proc: Process, call: "mmap" | "brk", start: number, end: number): void {
  const pageBytes = machine.preset.pageSize;
  const bytes = end - start;
  if (machine.memory.freeFrames < bytes / pageBytes) {
    const why = call === "mmap"
      ? `${(machine.memory.freeFrames * pageBytes) / 1024} kB free (no MMU: backed at allocation)`
      : "no MMU and too few free frames";
    throw new OutOfMemoryError(`${call}: cannot allocate memory: ${bytes / 1024} kB requested, ${why}`);
  }
  const pageTable = proc.mm.pageTable;
  for (let vaddr = start; vaddr < end; vaddr += pageBytes) {
    const pfn = machine.allocFrameFor(proc);
    machine.memory.zeroFrame(pfn);
    machine.count(proc, "kernelBytesZeroed", pageBytes);
    pageTable.setPteAt(vaddr, makeEntry(pfn, PTE_PRESENT | PTE_WRITE));
    proc.mm.addRss(1);
  }
}
