// mmap and munmap of private anonymous memory: top-down placement below mmap_base, commit
// charge, VMA split/merge. Pages are backed on first touch (fault.ts) unless the machine's policy
// backs them at map time (mm-policy.ts).

import { InvalidArgumentError, OutOfMemoryError, describeValue } from "../errors";
import { POW2 } from "../hardware/page-numbers";
import type { Machine } from "./machine";
import type { Process } from "./process";
import { checkOptions, requireAligned, requireInteger, requireOneOf, roundUp } from "./validate";
import type { Prot, Vma } from "./vma";
import { zapRange } from "./zap";

/** Options of {@link Process.mmap}: the protection and a label. */
export interface MmapOptions {
  /** Protection: "none" (a reservation), "read" or "read-write" (default). */
  prot?: Prot;
  /** A label shown in smaps and vmas(). */
  name?: string;
}

export const PROTS: readonly Prot[] = ["none", "read", "read-write"];

/** Returns the largest mapping length accepted: the user address space (2**(vaBits-1)). */
export function userSpaceEnd(machine: Machine): number {
  return POW2[machine.preset.vaBits - 1]; // a table, not `2 **`: a pow call on every access
}

/** Returns a new VMA for a private anonymous mapping (VM_ACCOUNT only when writable, REFERENCE §3.6). */
export function anonymousVma(start: number, end: number, prot: Prot, name?: string): Vma {
  return { start, end, prot, hugepage: false, nohugepage: false, accounted: prot === "read-write", name };
}

/** Validates and performs mmap(NULL, length, prot, MAP_PRIVATE|MAP_ANONYMOUS); returns the address. */
export function doMmap(machine: Machine, proc: Process, length: unknown, options: MmapOptions = {}): number {
  const preset = machine.preset;
  const len = requireInteger("mmap", "length", length, 1, userSpaceEnd(machine));
  checkOptions("mmap", options, ["prot", "name"]);
  const prot = requireOneOf("mmap", "opts.prot", options.prot ?? "read-write", PROTS);
  if (options.name !== undefined && typeof options.name !== "string") {
    throw new InvalidArgumentError(`mmap: opts.name must be a string, got ${describeValue(options.name)}`);
  }
  const bytes = roundUp(len, preset.pageSize); // mmap rounds the length up to whole pages
  const vma = anonymousVma(0, 0, prot, options.name);
  machine.checkCommit("mmap", vma.accounted ? bytes : 0);
  const start = placeMapping(machine, proc, bytes);
  machine.policy.populateAtMap(machine, proc, "mmap", start, start + bytes);
  vma.start = start;
  vma.end = start + bytes;
  proc.mm.vmas.insert(vma);
  proc.mm.vmas.mergeAround(vma.start, vma.end);
  proc.mm.vmBytes();
  return start;
}

/**
 * Finds where a new mapping of `bytes` goes: top-down below mmap_base (unmapped_area_topdown),
 * aligned to the allocation granularity, and to the huge page size when the length is a
 * multiple of it (Linux 6.7+ thp_get_unmapped_area for anonymous mappings; 6.13 limited it to
 * PMD-multiple lengths). Throws OutOfMemoryError when the address space is full.
 */
function placeMapping(machine: Machine, proc: Process, bytes: number): number {
  const preset = machine.preset;
  const huge = machine.hugePageBytes;
  let align = preset.allocationGranularity;
  if (huge > 0 && bytes % huge === 0) align = Math.max(align, huge);
  const ceiling = Math.floor(preset.mmapBase / preset.allocationGranularity) * preset.allocationGranularity;
  const start = proc.mm.vmas.findGapTopDown(bytes, align, preset.mmapMinAddr, ceiling);
  if (start === null) {
    throw new OutOfMemoryError(`mmap: cannot allocate memory: no free ${bytes / 1024} kB range of virtual addresses below 0x${ceiling.toString(16)}`);
  }
  return start;
}

/** Validates and performs munmap(addr, length): unmaps whole pages, also part of a VMA. */
export function doMunmap(machine: Machine, proc: Process, addr: unknown, length: unknown): void {
  const pageBytes = machine.preset.pageSize;
  const start = requireInteger("munmap", "addr", addr, 0, userSpaceEnd(machine) - pageBytes);
  requireAligned("munmap", "addr", start, pageBytes);
  const len = requireInteger("munmap", "length", length, 1, userSpaceEnd(machine) - start);
  const end = roundUp(start + len, pageBytes);
  // Linux returns 0 for a range with no mapping; the simulator refuses it, as it is almost always a bug.
  if (proc.mm.vmas.overlapping(start, end).length === 0) {
    throw new InvalidArgumentError(`munmap: addr ${describeValue(start)} + length ${describeValue(len)} overlaps no mapping of pid ${proc.pid}`);
  }
  unmapRange(machine, proc, start, end);
}

/** Removes [start, end) from the address space: pages, VMAs (split at the edges) and empty tables. */
export function unmapRange(machine: Machine, proc: Process, start: number, end: number): void {
  proc.mm.vmas.isolate(start, end);
  zapRange(machine, proc, start, end);
  proc.mm.vmas.remove(start, end);
  // free_pgtables: table pages left empty are returned (a little wider than Linux, which keeps
  // tables still spanned by a neighbouring VMA)
  proc.mm.pageTable.pruneEmpty(start, end);
}
