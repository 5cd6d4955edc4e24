// Memory accesses as runs: a range is walked page by page, one MMU translation per page visit
// (with the number of accesses that page receives), faulting as needed; a visitor then works on
// the frame's contents through PhysicalMemory.

import { InvalidArgumentError, SegmentationFault, describeValue } from "../errors";
import type { AccessKind } from "../hardware/translation";
import { POW2 } from "../hardware/page-numbers";
import { protPermits } from "./fault";
import type { Vma } from "./vma";
import type { Machine } from "./machine";
import { userSpaceEnd } from "./mmap";
import type { Process } from "./process";
import { requireInteger, requireOneOf } from "./validate";
import { MAX_TRACE_LENGTH } from "./replacement/trace";

/** Called once per page visited: the frame, the offset inside it, the bytes, and the offset in the run. */
export type PageVisitor = (pfn: number, frameOffset: number, length: number, runOffset: number) => void;

/** How {@link Process.accessPages} counts and logs an access run. */
export interface AccessOptions {
  /** Size of one access in bytes: each page visit then counts the elements overlapping it as repeats. */
  elementSize?: number;
  /** Call name in the event log (default "access"). */
  label?: string;
}

export const ACCESS_KINDS: readonly AccessKind[] = ["read", "write"];

// The two tests firstGap applies, made once: a closure per access would be an allocation on every access
const permitsRead = (vma: Vma): boolean => protPermits(vma, "read");
const permitsWrite = (vma: Vma): boolean => protPermits(vma, "write");

/**
 * Checks an access before anything happens: integer address and length, a known kind, and every
 * byte inside a mapping whose protection allows it (else SegmentationFault at the first bad byte).
 */
export function validateAccess(machine: Machine, proc: Process, call: string, addr: unknown, length: unknown, kind: unknown): AccessKind {
  const start = requireInteger(call, "addr", addr, 0, userSpaceEnd(machine) - 1);
  const len = requireInteger(call, "length", length, 0, userSpaceEnd(machine) - start);
  const how = requireOneOf(call, "kind", kind, ACCESS_KINDS);
  // Above 2**53 (LA57 addresses) not every byte address is a JS number: start + 1 can round back
  // to start, so a range whose end is not exact would skip the mapping check. Refuse it.
  if (start + len - start !== len) {
    throw new InvalidArgumentError(
      `${call}: addr ${describeValue(start)} + length ${describeValue(len)} is not exact in a JS number above 2**53; use 8-byte-aligned addresses and lengths there (user space ends at 2**56)`,
    );
  }
  const bad = proc.mm.vmas.firstGap(start, start + len, how === "read" ? permitsRead : permitsWrite);
  if (bad !== null) {
    const vma = proc.mm.vmas.find(bad);
    const why = vma ? `violates the mapping's protection "${vma.prot}"` : "is outside any mapping";
    throw new SegmentationFault(`${call}: ${how} of 0x${bad.toString(16)} (pid ${proc.pid}) ${why}`, bad);
  }
  return how;
}

/** The index of the element holding byte `offset`: a multiply by `perElement` (1 / elementSize,
 *  exact for a power of two), or a divide when `perElement` is 0 (a size that is not one). */
function elementIndex(offset: number, elementSize: number, perElement: number): number {
  return perElement > 0 ? Math.floor(offset * perElement) : Math.floor(offset / elementSize);
}

/** Walks [start, start + length) page by page, translating (and faulting) each, and calls `visit`. */
export function runAccess(
  machine: Machine,
  proc: Process,
  start: number,
  length: number,
  kind: AccessKind,
  visit?: PageVisitor,
  elementSize = 0,
): void {
  const pageBytes = machine.preset.pageSize;
  // Page and element sizes are powers of two but for odd record dtypes: a multiply by the
  // exact inverse instead of a division per page (a floating-point divide is the slow part).
  const perPage = 1 / pageBytes;
  const perElement = elementSize > 0 && Number.isInteger(Math.log2(elementSize)) ? 1 / elementSize : 0;
  const end = start + length;
  let vaddr = start;
  while (vaddr < end) {
    const pageStart = Math.floor(vaddr * perPage) * pageBytes;
    const chunkEnd = Math.min(end, pageStart + pageBytes);
    const repeats =
      elementSize > 0 ? elementIndex(chunkEnd - 1 - start, elementSize, perElement) - elementIndex(vaddr - start, elementSize, perElement) + 1 : 1;
    const pfn = accessPage(machine, proc, vaddr, pageStart, kind, repeats);
    if (visit) visit(pfn, vaddr - pageStart, chunkEnd - vaddr, vaddr - start);
    vaddr = chunkEnd;
  }
}

/**
 * One page visit of an access run: `repeats` accesses to the base page at `pageStart` through the
 * MMU (faulting as needed), the accessed and dirty bookkeeping, and the page trace. Returns the
 * pfn of the base frame holding `vaddr`.
 */
export function accessPage(
  machine: Machine,
  proc: Process,
  vaddr: number,
  pageStart: number,
  kind: AccessKind,
  repeats: number,
): number {
  const pageBytes = machine.preset.pageSize;
  const leaf = machine.mmu.translate(proc.pid, proc.mm.pageTable, vaddr, kind, repeats, proc.faultHandler);
  if (machine.accessClock.enabled) machine.accessClock.mark(leaf.pfn); // the accessed bit reclaim reads (lru.ts)
  if (kind === "write" && machine.lazyFree.size > 0) machine.lazyFree.cancel(leaf.pfn); // a write re-dirties a MADV_FREE page
  const trace = machine.pageTrace;
  if (trace !== null && trace.pid === proc.pid && trace.pages.length < MAX_TRACE_LENGTH) trace.pages.push(pageStart / pageBytes);
  // The base frame inside the (possibly huge) leaf page: page sizes are powers of two.
  const leafBytes = POW2[leaf.pageShift];
  return leafBytes === pageBytes ? leaf.pfn : leaf.pfn + Math.floor((vaddr - Math.floor(vaddr / leafBytes) * leafBytes) / pageBytes);
}
