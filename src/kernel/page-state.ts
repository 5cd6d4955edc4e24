// Page-state queries for charts: what backs each base page of a range (untouched, zero page,
// resident, huge...), per page for small ranges and as per-cell counts for huge sparse ones.

import { InvalidArgumentError, describeValue } from "../errors";
import type { Machine } from "./machine";
import { userSpaceEnd } from "./mmap";
import type { Process } from "./process";
import { isSwapEntry, isZeroEntry } from "./pte";
import { requireInteger } from "./validate";

/** What backs one base page of virtual memory. */
export enum PageState {
  /** Inside a mapping, never touched (or dropped): no entry. */
  Untouched = 0,
  /** Maps the shared zero page (read before any write): no RSS. */
  ZeroPage = 1,
  /** Backed by a private frame (counted in RSS). */
  Resident = 2,
  /** Part of a huge page mapped by one PMD entry (counted in RSS and AnonHugePages). */
  Huge = 3,
  /** Part of the huge zero page: no RSS. */
  HugeZero = 4,
  /** Written out to swap by reclaim: no RSS, counted in VmSwap; the next access is a major fault. */
  Swapped = 5,
  /** Outside any mapping. */
  Unmapped = 6,
}

/** Number of PageState values (the length of residencySummary's counts). */
export const PAGE_STATE_COUNT = 7;
/** Largest range pageStates answers, in pages; residencySummary has no such limit. */
export const MAX_PAGE_STATES = 2 ** 24;

/**
 * Page counts of every {@link PageState} over a range, cell by cell (a heatmap's data): what {@link
 * Process.residencySummary} returns.
 */
export interface ResidencySummary {
  /** First address summarized (addr rounded down to a page). */
  start: number;
  /** Bytes per cell (a whole number of pages); the last cell may be shorter. */
  cellBytes: number;
  /** Number of cells. */
  cells: number;
  /** The base page size in bytes. */
  pageBytes: number;
  /** counts[state][cell] = pages of that state in that cell. */
  counts: Uint32Array[];
}

interface PageRange {
  firstPage: number;
  pages: number;
}

function pageRange(machine: Machine, call: string, addr: unknown, length: unknown): PageRange {
  const pageBytes = machine.preset.pageSize;
  const start = requireInteger(call, "addr", addr, 0, userSpaceEnd(machine) - 1);
  const len = requireInteger(call, "length", length, 1, userSpaceEnd(machine) - start);
  const firstPage = Math.floor(start / pageBytes);
  return { firstPage, pages: Math.ceil((start + len) / pageBytes) - firstPage };
}

/**
 * Calls `paint(state, fromPage, toPage)` (page numbers relative to the range) for every span of
 * the range: gaps Unmapped, VMAs Untouched, then present entries on top.
 */
function paintRange(machine: Machine, proc: Process, range: PageRange, paint: (state: PageState, from: number, to: number, over: PageState) => void): void {
  const pageBytes = machine.preset.pageSize;
  const start = range.firstPage * pageBytes;
  const end = start + range.pages * pageBytes;
  const rel = (vaddr: number) => Math.min(range.pages, Math.max(0, Math.floor(vaddr / pageBytes) - range.firstPage));
  let cursor = 0;
  for (const vma of proc.mm.vmas.overlapping(start, end)) {
    const from = rel(vma.start);
    const to = rel(vma.end);
    if (from > cursor) paint(PageState.Unmapped, cursor, from, PageState.Unmapped);
    paint(PageState.Untouched, from, to, PageState.Untouched);
    cursor = to;
  }
  if (cursor < range.pages) paint(PageState.Unmapped, cursor, range.pages, PageState.Unmapped);
  const hugeBytes = machine.hugePageBytes;
  proc.mm.pageTable.forEachLeaf(start, end, (vaddr, entry, _node, index) => {
    const zero = isZeroEntry(entry);
    if (isSwapEntry(entry)) paint(PageState.Swapped, rel(vaddr), rel(vaddr) + 1, PageState.Untouched);
    else if (index < 0) paint(zero ? PageState.HugeZero : PageState.Huge, rel(vaddr), rel(vaddr + hugeBytes), PageState.Untouched);
    else {
      const page = rel(vaddr);
      paint(zero ? PageState.ZeroPage : PageState.Resident, page, page + 1, PageState.Untouched);
    }
  });
}

/** Returns one PageState byte per base page of [addr, addr + length) (at most 2**24 pages). */
export function pageStatesOf(machine: Machine, proc: Process, addr: unknown, length: unknown): Uint8Array {
  const range = pageRange(machine, "pageStates", addr, length);
  if (range.pages > MAX_PAGE_STATES) {
    throw new InvalidArgumentError(
      `pageStates: length ${describeValue(length)} spans ${range.pages} pages, more than ${MAX_PAGE_STATES}; use residencySummary for large ranges`,
    );
  }
  const states = new Uint8Array(range.pages);
  paintRange(machine, proc, range, (state, from, to) => states.fill(state, from, to));
  return states;
}

/**
 * Counts pages per state in `cells` equal cells of [addr, addr + length), in time proportional
 * to the mappings and present entries, never to the range's size in pages.
 */
export function residencySummaryOf(machine: Machine, proc: Process, addr: unknown, length: unknown, cells: unknown): ResidencySummary {
  const range = pageRange(machine, "residencySummary", addr, length);
  const wanted = requireInteger("residencySummary", "cells", cells, 1, 1_000_000);
  const pagesPerCell = Math.ceil(range.pages / wanted);
  const count = Math.ceil(range.pages / pagesPerCell);
  const counts = Array.from({ length: PAGE_STATE_COUNT }, () => new Uint32Array(count));
  const add = (state: PageState, from: number, to: number, sign: number) => {
    for (let page = from; page < to; ) {
      const cell = Math.floor(page / pagesPerCell);
      const next = Math.min(to, (cell + 1) * pagesPerCell);
      counts[state][cell] += sign * (next - page);
      page = next;
    }
  };
  paintRange(machine, proc, range, (state, from, to, over) => {
    add(state, from, to, 1);
    if (state !== over) add(over, from, to, -1);
  });
  const pageBytes = machine.preset.pageSize;
  return { start: range.firstPage * pageBytes, cellBytes: pagesPerCell * pageBytes, cells: count, pageBytes, counts };
}
