// The swap area: numbered page-sized slots holding the contents of anonymous pages that reclaim
// wrote out, each with a count of the page-table entries that point at it (Linux's swap_map).
// A slot stores what the frame held as a frame does (hardware/frame-contents.ts): its repeated
// 8-byte pattern in a chunk shared by many slots, or a copy of its bytes only when it holds no
// pattern, so swapping out 2 GiB of filled arrays costs megabytes of host memory, not an object per page.

import { InternalCheckError, UnsupportedError } from "../errors";
import { FrameContents, PATTERN_BYTES } from "../hardware/frame-contents";
import type { PhysicalMemory } from "../hardware/physical-memory";
import type { Machine } from "./machine";
import type { LeafTable } from "./page-table";
import type { Process } from "./process";
import { PTE_PRESENT, PTE_WRITE, makeEntry, swapSlotOf } from "./pte";
import type { Vma } from "./vma";

/** Slots per chunk of stored patterns (8 bytes each: 32 KiB a chunk, allocated on the first
 *  non-zero pattern written to one of its slots). */
const SLOTS_PER_CHUNK = 4096;

/** The machine's swap space: slots, their entry counts and the contents written to them. */
export class SwapArea {
  /** Slots in the area: swapBytes / page size. */
  readonly totalSlots: number;
  /** Page-table entries per slot (0 = free); created on the first swap-out. */
  private counts: Uint16Array | null = null;
  /** Contents per slot, kept like frames' (a free slot is all zero and costs nothing). */
  private readonly contents: FrameContents;
  /** One pattern in transit between a frame and a slot (no allocation per page). */
  private readonly pattern = new Uint8Array(PATTERN_BYTES);
  private readonly freed: number[] = [];
  private nextFresh = 0;
  private used = 0;

  constructor(swapBytes: number, readonly pageBytes: number) {
    this.totalSlots = Math.floor(swapBytes / pageBytes);
    this.contents = new FrameContents(pageBytes, SLOTS_PER_CHUNK, Math.ceil(this.totalSlots / SLOTS_PER_CHUNK));
  }

  /** Slots holding a page. */
  get usedSlots(): number {
    return this.used;
  }

  /** Slots still free. */
  get freeSlots(): number {
    return this.totalSlots - this.used;
  }

  /**
   * Writes frame `pfn`'s contents to a free slot (count 1) and returns the slot, or null when the
   * area is full. Slots are handed out in order, freed ones first (Linux scans its swap_map from a
   * cluster; the order does not change what a process sees).
   */
  writeOut(memory: PhysicalMemory, pfn: number): number | null {
    if (this.used >= this.totalSlots) return null;
    const slot = this.freed.length > 0 ? (this.freed.pop() as number) : this.nextFresh++;
    const counts = (this.counts ??= new Uint16Array(this.totalSlots));
    if (memory.patternInto(pfn, this.pattern)) this.contents.setPattern(slot, this.pattern);
    else memory.readBytes(pfn, 0, this.contents.denseBytes(slot), 0, this.pageBytes);
    counts[slot] = 1;
    this.used++;
    return slot;
  }

  /** Copies the slot's contents into frame `pfn`. */
  readIn(memory: PhysicalMemory, slot: number, pfn: number): void {
    if (this.countOf(slot) === 0) throw new InternalCheckError(`swap: slot ${slot} is free`);
    if (this.contents.patternInto(slot, this.pattern)) memory.setPattern(pfn, this.pattern);
    else memory.writeBytes(pfn, 0, this.contents.denseBytes(slot), 0, this.pageBytes);
  }

  /** Adds one entry pointing at the slot (fork copies a swap entry: Linux swap_duplicate). */
  duplicate(slot: number): void {
    const counts = this.countsFor(slot, "duplicate");
    if (counts[slot] === 0xffff) throw new UnsupportedError(`swap: slot ${slot} is shared by more than 65,534 page-table entries (Linux chains more counts; the model does not)`);
    counts[slot]++;
  }

  /** Drops one entry pointing at the slot, freeing it at 0 (Linux swap_free); returns the new count. */
  release(slot: number): number {
    const counts = this.countsFor(slot, "release");
    counts[slot]--;
    if (counts[slot] === 0) {
      this.contents.zero(slot);
      this.freed.push(slot);
      this.used--;
    }
    return counts[slot];
  }

  /** Returns the number of entries pointing at the slot (0 when free). */
  countOf(slot: number): number {
    return this.counts === null || slot < 0 || slot >= this.totalSlots ? 0 : this.counts[slot];
  }

  private countsFor(slot: number, call: string): Uint16Array {
    const counts = this.counts;
    if (counts === null || !Number.isInteger(slot) || slot < 0 || slot >= this.totalSlots || counts[slot] === 0) {
      throw new InternalCheckError(`swap.${call}: slot ${slot} is not in use`);
    }
    return counts;
  }
}

/**
 * A fault on a swap entry (Linux do_swap_page): reads the page back into a new private frame, a
 * major fault (pgmajfault, pswpin). The slot is released; simplified: no swap cache, so each
 * process that shared the slot after fork reads its own copy (REFERENCE §9.2).
 */
export function doSwapPage(machine: Machine, proc: Process, vma: Vma, node: LeafTable, index: number, entry: number): void {
  const swap = machine.swap;
  if (swap === null) throw new InternalCheckError(`pid ${proc.pid}: a swap entry on a machine without swap`);
  const slot = swapSlotOf(entry);
  machine.count(proc, "majorFaults");
  machine.reclaim.stats.pgmajfault++;
  const pfn = machine.allocFrameFor(proc);
  swap.readIn(machine.memory, slot, pfn);
  swap.release(slot);
  machine.reclaim.stats.pswpin++;
  proc.mm.pageTable.setPte(node, index, makeEntry(pfn, vma.prot === "read-write" ? PTE_PRESENT | PTE_WRITE : PTE_PRESENT));
  proc.mm.swapPages--;
  proc.mm.addRss(1);
}
