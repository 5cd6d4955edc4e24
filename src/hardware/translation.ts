// The contract between the kernel's page tables and the CPU's MMU.
// The kernel owns the page tables (it writes them); the MMU only reads them through a walk,
// caches what it finds in TLBs, and raises a fault back into the kernel when a walk finds no
// usable translation — as real hardware traps into the OS and retries the instruction.
import type { MmuCore } from "./mmu-core";
import type { WalkTables } from "./walk-tables";

/** What an access does to memory: reads it or writes it. */
export type AccessKind = "read" | "write";

/** What a walk finds at the leaf entry of a present translation. */
export interface Leaf {
  /** Frame number of the first base-size frame of the mapped page (huge pages: aligned run). */
  pfn: number;
  /** log2 of the mapped page size: 12 (4 KiB), 14 (16 KiB), 16 (64 KiB), 21 (2 MiB), ... */
  pageShift: number;
  /** The mapping permits writes. */
  writable: boolean;
  /** Maps the shared zero page (or huge zero page): read-only, never counted in RSS. */
  zeroPage: boolean;
}

/** The outcome of one page-table walk for one virtual address. */
export interface WalkResult {
  /** null when the walk found no present leaf (the MMU raises a fault). */
  leaf: Leaf | null;
  /** Page-table entries read, top level first (one memory reference each). */
  levelsRead: number;
}

/** A process's page tables as the MMU sees them. */
export interface PageTableWalker {
  /** Number of levels of a full walk (4 on x86-64, 5 with LA57; 3 or 2 for arm64 big granules). */
  readonly levels: number;
  /** log2 of the base page size (the granule). */
  readonly basePageShift: number;
  /** Index bits per level (9 for 4 KiB tables of 8-byte entries). */
  readonly bitsPerLevel: number;
  /** The result (and its leaf) may be reused by the next walk: read it before walking again. */
  walk(vaddr: number): WalkResult;
  /** The arrays `walk` reads, when they sit in an MMU core's memory: an MMU built on that core
   *  walks them itself (the same entries, the same result). @internal */
  readonly walkTables?: WalkTables;
}

/**
 * Called by the MMU when a walk finds no present translation, or a write finds a read-only one.
 * The kernel resolves it (maps a page, copies on write) or throws (segmentation fault, OOM kill).
 */
export type FaultHandler = (vaddr: number, kind: AccessKind) => void;

/** Address translation as the kernel drives it. */
export interface Mmu {
  /**
   * Translate `repeats` (>= 1) consecutive accesses of one kind to the page holding `vaddr`,
   * faulting into `onFault` and retrying until the translation permits the access.
   */
  translate(
    asid: number,
    pageTable: PageTableWalker,
    vaddr: number,
    kind: AccessKind,
    repeats: number,
    onFault: FaultHandler,
  ): Leaf;
  /** Drop every cached translation of [start, start + length) in this address space. */
  invalidateRange(asid: number, start: number, length: number): void;
  /** Drop every cached translation of an address space (exit, exec). */
  invalidateAsid(asid: number): void;
  /** The WebAssembly core holding this MMU's arrays, if it has one: the kernel puts its page
   *  tables' walk arrays there, so the MMU can walk them without leaving WebAssembly. @internal */
  readonly core?: MmuCore;
}
