// The arrays a page-table walk reads, kept in an MMU core's memory so that the core can walk
// them without leaving WebAssembly (assembly/page-walk.ts): the leaf-table directory (a PMD
// number's leaf table), each leaf table's huge entry, and the leaf tables' entries side by side.
// The kernel's page table (kernel/page-table.ts) owns them and reads and writes them through
// these views; the views stay valid when the core's memory grows (mmu-core.ts: it is shared).
import { UnsupportedError } from "../errors";
import type { MmuCore } from "./mmu-core";

/** Slots of the leaf-table directory (a power of two; assembly/page-walk.ts has the same). */
export const DIRECTORY_SLOTS = 4096;

/** The largest block the core's allocator hands out (AssemblyScript's TLSF: just under 1 GiB),
 *  with room to spare: the leaf tables' entries are one block. */
const MAX_ARRAY_BYTES = 2 ** 30 - 2 ** 16;

/** Which array walkArrayAddress returns (assembly/page-walk.ts). */
const DIRECTORY_TAGS = 0;
const DIRECTORY_TABLES = 1;
const HUGE_ENTRIES = 2;
const ENTRIES = 3;

/** One page table's walk arrays, allocated in an MMU core. */
export class WalkTables {
  /** The directory: per slot, the PMD number + 1 it holds (0: empty) and that PMD's leaf table. */
  directoryTags: Float64Array;
  directoryTables: Int32Array;
  /** Per leaf table: its huge entry (0: none). Replaced by `grow`. */
  hugeOf: Float64Array;
  /** The leaf tables' entries, table t at [t * entriesPerTable, (t + 1) * entriesPerTable). Replaced by `grow`. */
  pool: Float64Array;
  /** The arrays' handle in the core (0 once freed: no walk in the core then). */
  handle: number;
  /** The most leaf tables the arrays can hold (their entries form one block of the core's memory). */
  readonly maxCapacity: number;
  private readonly entriesPerTable: number;
  private readonly baseShift: number;

  /** Allocates empty arrays for `capacity` leaf tables of a `levels`-level table with
   *  2**baseShift-byte pages and `bitsPerLevel` index bits per level, in `core`. */
  constructor(readonly core: MmuCore, levels: number, baseShift: number, bitsPerLevel: number, capacity: number) {
    this.entriesPerTable = 2 ** bitsPerLevel;
    this.baseShift = baseShift;
    this.maxCapacity = Math.floor(MAX_ARRAY_BYTES / (8 * this.entriesPerTable));
    this.handle = core.wasm.newWalkTables(levels, baseShift, bitsPerLevel, capacity);
    const buffer = core.buffer;
    this.directoryTags = new Float64Array(buffer, this.address(DIRECTORY_TAGS), DIRECTORY_SLOTS);
    this.directoryTables = new Int32Array(buffer, this.address(DIRECTORY_TABLES), DIRECTORY_SLOTS);
    [this.hugeOf, this.pool] = this.leafViews(capacity);
  }

  private address(which: number): number {
    return this.core.wasm.walkArrayAddress(this.handle, which);
  }

  private leafViews(capacity: number): [Float64Array, Float64Array] {
    const buffer = this.core.buffer;
    return [new Float64Array(buffer, this.address(HUGE_ENTRIES), capacity), new Float64Array(buffer, this.address(ENTRIES), capacity * this.entriesPerTable)];
  }

  /** Makes room for `capacity` leaf tables (more than now), keeping every entry; `hugeOf` and
   *  `pool` are new views afterwards. Throws UnsupportedError, changing nothing, when the arrays
   *  already hold `maxCapacity` tables. */
  grow(capacity: number): void {
    if (capacity <= this.hugeOf.length) { // one huge entry per table: hugeOf's length is the capacity
      const mapped = this.maxCapacity * this.entriesPerTable * 2 ** this.baseShift;
      throw new UnsupportedError(
        `page table: one process's page table holds at most ${this.maxCapacity} leaf tables in the simulator ` +
          `(${Math.floor(mapped / 2 ** 30)} GiB of mapped address space), and this one needs more: its entries ` +
          "must fit one block of the MMU core's 32-bit WebAssembly memory; map less in one process",
      );
    }
    this.core.wasm.growWalkTables(this.handle, capacity);
    [this.hugeOf, this.pool] = this.leafViews(capacity);
  }

  /** Returns the arrays to the core (the page table is gone); the views become empty, so a
   *  walk of a freed table finds nothing rather than memory reused by another. */
  free(): void {
    if (this.handle === 0) return;
    this.core.wasm.freeWalkTables(this.handle);
    this.handle = 0;
    this.directoryTags = new Float64Array(0);
    this.directoryTables = new Int32Array(0);
    this.hugeOf = new Float64Array(0);
    this.pool = new Float64Array(0);
  }
}
