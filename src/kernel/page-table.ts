// Multi-level page tables (x86-64: 4 levels of 512 entries; arm64 granules 4K/16K/64K).
// Each table page is a frame from physical memory, counted per process (VmPTE) and per machine
// (PageTables). Leaf tables keep their entries side by side in one Float64Array per page table
// (the pool, table number t at t * entriesPerTable), so a walk reads one array; a slot of the
// level above the leaves (the PMD) may instead map a huge page, in which case its table page is
// kept deposited for a later split, as Linux does (pgtable_trans_huge_deposit). The arrays a walk
// reads sit in the memory of the MMU core that walks them (hardware/walk-tables.ts), as real page
// tables sit in the RAM the MMU reads: a TlbMmu walks them there without leaving WebAssembly.
//
// This file owns every slot, as xv6's walk/mappages own theirs: the kernel finds a leaf table
// (leafTable), reads it (entryOf, ptesNone, huge) and changes it only through the operations
// below (setPte, clearPte, setPtes, setPteAt, installHuge, replaceHuge, clearHuge, splitHuge),
// which keep each table's count of used slots right by construction.

import { InternalCheckError } from "../errors";
import type { Leaf, PageTableWalker, WalkResult } from "../hardware/translation";
import { MmuCore } from "../hardware/mmu-core";
import { DIRECTORY_SLOTS, WalkTables } from "../hardware/walk-tables";
import { PTE_PRESENT, PTE_PROTNONE, PTE_WRITE, PTE_ZERO, entryFlags, entryPfn, makeEntry } from "./pte";

/** Entry size of every level: 8 bytes, so a table page of N bytes holds N / 8 entries. */
const ENTRY_BYTES = 8;

/** The directory slot of a PMD number (4096 slots span 8 GiB of 4 KiB pages): its low bits
 *  (`| 0` takes them modulo 2**32 for any safe integer). */
function directorySlot(pmd: number): number {
  return (pmd | 0) & (DIRECTORY_SLOTS - 1);
}

/** Leaf tables the pool holds at first; it doubles when full. */
const FIRST_POOL_TABLES = 4;

// Linux's names for the page-table levels, top first, by number of levels.
const LEVEL_NAMES: Record<number, string[]> = {
  2: ["PGD", "PTE"],
  3: ["PGD", "PMD", "PTE"],
  4: ["PGD", "PUD", "PMD", "PTE"],
  5: ["PGD", "P4D", "PUD", "PMD", "PTE"],
};

/**
 * A leaf (PTE-level) table as the rest of the kernel sees it: read-only. Its slots are read with
 * `PageTable.entryOf` and changed only through `PageTable`'s operations.
 */
export interface LeafTable {
  /** The frame holding this table page. */
  readonly pfn: number;
  /** Slots holding a non-zero entry (0 while `huge` is set). */
  readonly used: number;
  /** The huge entry when this table's PMD slot maps a huge page, else 0 (the slots are then empty). */
  readonly huge: number;
}

/** One table page. Interior tables hold children; leaf tables hold entries or map one huge page. */
interface TableNode {
  readonly pfn: number;
  /** Non-empty slots: children of an interior table, non-zero entries of a leaf table. */
  used: number;
  children: (TableNode | undefined)[] | undefined;
  entries: Float64Array | undefined;
  /** Non-zero when this leaf table's PMD slot maps a huge page (the entry); entries are then unused. */
  huge: number;
  /** A leaf table's number in the pool (its entries are pool[table * entriesPerTable ...]); -1 above. */
  table: number;
}

/** A leaf table inside this file: always has its slots (all empty while a huge page maps it). */
interface LeafNode extends TableNode {
  children: undefined;
  entries: Float64Array;
}

/** Every LeafTable handed out is a LeafNode: this is the one place the kernel's view is widened. */
function own(node: LeafTable): LeafNode {
  return node as LeafNode;
}

/** Throws: a caller broke an operation's contract (a kernel bug, never a user error). */
function misuse(message: string): never {
  throw new InternalCheckError(`page table: ${message}`);
}

export interface PageTableGeometry {
  /** log2 of the base page size (12, 14 or 16). */
  pageShift: number;
  /** Virtual address bits the tables translate (48 on x86-64 with 4 levels). */
  vaBits: number;
}

/** A visit of one present leaf: a base-page entry, or a huge entry covering `hugeBytes`. */
export type LeafVisitor = (vaddr: number, entry: number, node: LeafTable, index: number) => void;
/** A LeafVisitor that may end the scan: returning false stops it (reclaim's clock hand). */
export type LeafScanner = (vaddr: number, entry: number, node: LeafTable, index: number) => boolean;

/** Returns the levels and index bits of a geometry: ceil((vaBits - pageShift) / bitsPerLevel) levels. */
export function tableShape(geometry: PageTableGeometry): { levels: number; bitsPerLevel: number } {
  const bitsPerLevel = geometry.pageShift - Math.log2(ENTRY_BYTES);
  return { levels: Math.ceil((geometry.vaBits - geometry.pageShift) / bitsPerLevel), bitsPerLevel };
}

export class PageTable implements PageTableWalker {
  readonly levels: number;
  readonly basePageShift: number;
  readonly bitsPerLevel: number;
  readonly pageBytes: number;
  /** Bytes mapped by one PMD-level huge entry. */
  readonly hugeBytes: number;
  /** Table pages, the root included. */
  tablePages = 0;
  private readonly entriesPerTable: number;
  private readonly rootEntries: number;
  /** Bytes one entry covers at each level (precomputed: the walk is the hot path). */
  private readonly spans: number[];
  private readonly inverseSpans: number[];
  private readonly inverseEntriesPerTable: number;
  private readonly inverseRootEntries: number;
  private readonly walkResult: WalkResult = { leaf: null, levelsRead: 0 };
  private readonly walkLeaf: Leaf = { pfn: 0, pageShift: 0, writable: false, zeroPage: false };
  private readonly root: TableNode;
  /** The arrays below, in the MMU core's memory (what a TlbMmu of that core walks). @internal */
  readonly walkTables: WalkTables;
  /** Every leaf table's entries, table t at [t * entriesPerTable, (t + 1) * entriesPerTable);
   *  each leaf's `entries` is a view of its range (remade when the pool grows). */
  private pool!: Float64Array;
  /** Each table number's huge entry (0: none), the walk's copy of `huge` (set only by setHuge). */
  private hugeOf!: Float64Array;
  /** Leaf tables by number (undefined: free), and the free numbers below `nextTable`. */
  private readonly leaves: (LeafNode | undefined)[] = [];
  private readonly freeTables: number[] = [];
  private nextTable = 0;
  /**
   * The leaf-table directory: a direct-mapped software cache from a PMD number (vaddr / hugeBytes)
   * to its leaf table's number, so a walk reads two small arrays and one entry instead of chasing
   * every level's node. The simulator's own shortcut, not a model of hardware: a hit returns
   * exactly what the full walk returns, levelsRead included. Filled by walks, emptied when a leaf
   * table is freed. A tag is the PMD number + 1, so the zeroed array is empty.
   */
  private directoryTags!: Float64Array;
  private directoryTables!: Int32Array;
  private readonly inverseHugeBytes: number;

  /**
   * `allocTable` returns a frame for a new table page (it may throw, e.g. when the OOM killer
   * picks this process); `freeTable` returns one. The walk's arrays go in `core` (the machine's
   * MMU's, so that it walks them; by default a core of their own).
   */
  constructor(
    geometry: PageTableGeometry,
    private readonly allocTable: () => number,
    private readonly freeTable: (pfn: number) => void,
    core: MmuCore = new MmuCore(),
  ) {
    const shape = tableShape(geometry);
    this.levels = shape.levels;
    this.bitsPerLevel = shape.bitsPerLevel;
    this.basePageShift = geometry.pageShift;
    this.pageBytes = 2 ** geometry.pageShift;
    this.entriesPerTable = 2 ** shape.bitsPerLevel;
    this.hugeBytes = this.pageBytes * this.entriesPerTable;
    this.rootEntries = 2 ** (geometry.vaBits - geometry.pageShift - shape.bitsPerLevel * (shape.levels - 1));
    this.spans = Array.from({ length: shape.levels }, (_, level) => this.pageBytes * this.entriesPerTable ** (shape.levels - 1 - level));
    this.inverseSpans = this.spans.map((span) => 1 / span);
    this.inverseEntriesPerTable = 1 / this.entriesPerTable;
    this.inverseRootEntries = 1 / this.rootEntries;
    this.walkTables = new WalkTables(core, shape.levels, geometry.pageShift, shape.bitsPerLevel, FIRST_POOL_TABLES);
    this.adoptViews();
    this.inverseHugeBytes = 1 / this.hugeBytes;
    this.root = this.newNode(0);
  }

  /** Bytes of table pages other than the root: Linux's mm_pgtables_bytes, shown as VmPTE. */
  get pgtablesBytes(): number {
    return (this.tablePages - 1) * this.pageBytes;
  }

  /** Walks the tables for `vaddr` as the MMU does and returns the usable leaf, if any. */
  walk(vaddr: number): WalkResult {
    // One result and one leaf object are reused by every walk (the walk is the hot path): they
    // are valid until the next walk of this table, as the PageTableWalker contract says.
    const result = this.walkResult;
    const last = this.levels - 1;
    const pmd = this.pmdOf(vaddr);
    const slot = directorySlot(pmd);
    let table: number;
    if (this.directoryTags[slot] === pmd + 1) table = this.directoryTables[slot];
    else {
      let node = this.root;
      for (let level = 0; level < last; level++) {
        const child = (node.children as (TableNode | undefined)[])[this.indexAt(vaddr, level)];
        if (child === undefined) return this.finish(result, null, level + 1);
        node = child;
      }
      table = node.table;
      this.directoryTags[slot] = pmd + 1;
      this.directoryTables[slot] = table;
    }
    const huge = this.hugeOf[table];
    if (huge !== 0) return this.finish(result, this.leafOf(huge, this.basePageShift + this.bitsPerLevel), last);
    const entry = this.pool[table * this.entriesPerTable + this.indexAt(vaddr, last)];
    return this.finish(result, entry === 0 ? null : this.leafOf(entry, this.basePageShift), last + 1);
  }

  private finish(result: WalkResult, leaf: Leaf | null, levelsRead: number): WalkResult {
    result.leaf = leaf;
    result.levelsRead = levelsRead;
    return result;
  }

  /** Returns the leaf table covering `vaddr`, creating missing tables when `create`; null otherwise. */
  leafTable(vaddr: number, create: true): LeafTable;
  leafTable(vaddr: number, create: boolean): LeafTable | null;
  leafTable(vaddr: number, create: boolean): LeafTable | null {
    // The walk's directory names the leaf table of a recently walked PMD (a fault follows the
    // MMU's walk of the same address): no descent then.
    const pmd = this.pmdOf(vaddr);
    const slot = directorySlot(pmd);
    if (this.directoryTags[slot] === pmd + 1) return this.leaves[this.directoryTables[slot]] as LeafNode;
    let node = this.root;
    for (let level = 0; level < this.levels - 1; level++) {
      const children = node.children as (TableNode | undefined)[];
      const index = this.indexAt(vaddr, level);
      let child = children[index];
      if (!child) {
        if (!create) return null;
        child = this.newNode(level + 1);
        children[index] = child;
        node.used++;
      }
      node = child;
    }
    return node;
  }

  /** Returns the index of `vaddr` inside its leaf table. */
  leafIndex(vaddr: number): number {
    return this.indexAt(vaddr, this.levels - 1);
  }

  /** Returns the base-page entry in slot `index` (0 when empty, and while a huge page maps the table). */
  entryOf(node: LeafTable, index: number): number {
    return own(node).entries[index];
  }

  /** Returns true when slots [first, first + count) are all empty (Linux pte_range_none). */
  ptesNone(node: LeafTable, first: number, count: number): boolean {
    const entries = own(node).entries;
    for (let i = first; i < first + count; i++) if (entries[i] !== 0) return false;
    return true;
  }

  /** Sets slot `index` of a table that maps no huge page to `entry` (0 clears it); `used` follows. */
  setPte(node: LeafTable, index: number, entry: number): void {
    const leaf = own(node);
    if (leaf.huge !== 0) misuse("setPte on a table that maps a huge page");
    const entries = leaf.entries;
    if (entries[index] === 0 && entry !== 0) leaf.used++;
    else if (entries[index] !== 0 && entry === 0) leaf.used--;
    entries[index] = entry;
  }

  /** Empties slot `index` (Linux pte_clear); `used` follows. */
  clearPte(node: LeafTable, index: number): void {
    this.setPte(node, index, 0);
  }

  /**
   * Maps `count` slots from `first` to consecutive frames from `entry`'s pfn, each with `entry`'s
   * flags (Linux set_ptes, a multi-size THP folio); `used` follows.
   */
  setPtes(node: LeafTable, first: number, entry: number, count: number): void {
    const pfn = entryPfn(entry);
    const flags = entryFlags(entry);
    for (let i = 0; i < count; i++) this.setPte(node, first + i, makeEntry(pfn + i, flags));
  }

  /** Sets the base-page entry of `vaddr` (0 clears it), creating tables as needed. */
  setPteAt(vaddr: number, entry: number): void {
    this.setPte(this.leafTable(vaddr, true), this.leafIndex(vaddr), entry);
  }

  /** Maps a huge page (non-zero `entry`) at the PMD slot of an empty table, which stays deposited. */
  installHuge(node: LeafTable, entry: number): void {
    const leaf = own(node);
    if (leaf.huge !== 0 || leaf.used !== 0) misuse("installHuge over a table already in use");
    if (entry === 0) misuse("installHuge of an empty entry");
    this.setHuge(leaf, entry); // its slots are all empty (used is 0) and stay so while huge
  }

  /** Replaces the huge entry of a huge-mapped table by another non-zero one (permissions, frames). */
  replaceHuge(node: LeafTable, entry: number): void {
    const leaf = own(node);
    if (leaf.huge === 0 || entry === 0) misuse("replaceHuge needs a huge mapping and a non-zero entry");
    this.setHuge(leaf, entry);
  }

  /** Replaces a huge mapping by `entriesPerTable` base-page entries from `entryOf(i)` (a PMD split). */
  splitHuge(node: LeafTable, entryOf: (index: number) => number): void {
    const leaf = own(node);
    if (leaf.huge === 0) misuse("splitHuge of a table that maps no huge page");
    const entries = leaf.entries; // empty while huge
    let used = 0;
    for (let i = 0; i < entries.length; i++) {
      entries[i] = entryOf(i);
      if (entries[i] !== 0) used++;
    }
    leaf.used = used;
    this.setHuge(leaf, 0);
  }

  /** Clears a huge mapping, leaving the (now empty) deposited table page in place. */
  clearHuge(node: LeafTable): void {
    const leaf = own(node);
    if (leaf.huge === 0) misuse("clearHuge of a table that maps no huge page");
    this.setHuge(leaf, 0); // its slots stayed empty while huge
    leaf.used = 0;
  }

  /** Calls `visit` for every present entry in [start, end); a huge entry once, with its aligned vaddr. */
  forEachLeaf(start: number, end: number, visit: LeafVisitor): void {
    if (end > start) this.visitNode(this.root, 0, 0, start, end, visit);
  }

  /** Like forEachLeaf (swap entries included), but stops at the first visit that returns false; returns false then. */
  scanLeaves(start: number, end: number, visit: LeafScanner): boolean {
    return end <= start || this.visitNode(this.root, 0, 0, start, end, visit);
  }

  /** Frees table pages left empty in [start, end) (munmap's free_pgtables); the root stays. */
  pruneEmpty(start: number, end: number): void {
    if (end > start) this.pruneNode(this.root, 0, 0, start, end);
  }

  /** Frees every table page (process exit) and the walk's arrays. Entries must already be
   *  released by the caller. */
  destroy(): void {
    this.pruneNode(this.root, 0, 0, 0, this.rootEntries * this.spanAt(0), true);
    this.freeTable(this.root.pfn);
    this.tablePages--;
    this.walkTables.free();
    this.adoptViews();
  }

  /** Takes the walk tables' current views as this table's own (the walk reads them directly). */
  private adoptViews(): void {
    ({ pool: this.pool, hugeOf: this.hugeOf, directoryTags: this.directoryTags, directoryTables: this.directoryTables } = this.walkTables);
  }

  /** Bytes of virtual address space one entry at `level` covers. */
  spanAt(level: number): number {
    return this.spans[level];
  }

  /**
   * Returns, per level (top first, Linux's names), the table pages that exist and the entries in
   * use across them, with the entries a table holds and its size in bytes.
   */
  occupancy(): { name: string; tables: number; entriesUsed: number; entriesPerTable: number; tableBytes: number }[] {
    const names = LEVEL_NAMES[this.levels] ?? Array.from({ length: this.levels }, (_, i) => `L${i}`);
    const levels = names.map((name, i) => ({
      name,
      tables: 0,
      entriesUsed: 0,
      entriesPerTable: i === 0 ? this.rootEntries : this.entriesPerTable,
      tableBytes: this.pageBytes,
    }));
    const visit = (node: TableNode, depth: number): void => {
      levels[depth].tables++;
      levels[depth].entriesUsed += node.huge !== 0 ? 0 : node.used;
      if (node.children) for (const child of node.children) if (child) visit(child, depth + 1);
    };
    visit(this.root, 0);
    return levels;
  }

  /** Returns how many table pages exist, counted by walking them (for invariant checks). */
  countTablePages(): number {
    const count = (node: TableNode): number =>
      1 + (node.children ? node.children.reduce((sum: number, child) => sum + (child ? count(child) : 0), 0) : 0);
    return count(this.root);
  }

  /**
   * Returns where a table's count of used slots differs from its non-empty slots (or a huge-mapped
   * table shows entries), or null when every count is right (for invariant checks).
   */
  findCountMismatch(): string | null {
    const last = this.levels - 1;
    const check = (node: TableNode, level: number): string | null => {
      let present = 0;
      if (level === last) {
        const entries = node.entries as Float64Array;
        for (let i = 0; i < entries.length; i++) if (entries[i] !== 0) present++;
        if (node.huge !== 0 && present !== 0) return `the huge-mapped table in frame ${node.pfn} shows ${present} entries`;
      } else {
        for (const child of node.children as (TableNode | undefined)[]) {
          if (!child) continue;
          present++;
          const found = check(child, level + 1);
          if (found !== null) return found;
        }
      }
      return node.used === present ? null : `the ${level === last ? "leaf" : "level " + level} table in frame ${node.pfn} counts ${node.used} used slots, ${present} are`;
    };
    return check(this.root, 0);
  }

  /** Calls `visit` with every table page's frame (for invariant checks). */
  forEachTableFrame(visit: (pfn: number) => void): void {
    const walkNode = (node: TableNode): void => {
      visit(node.pfn);
      if (node.children) for (const child of node.children) if (child) walkNode(child);
    };
    walkNode(this.root);
  }

  /** Visits the entries of [start, end) under `node`; returns false when a scanner stopped the visit. */
  private visitNode(node: TableNode, level: number, base: number, start: number, end: number, visit: LeafVisitor | LeafScanner): boolean {
    const span = this.spanAt(level);
    const count = level === 0 ? this.rootEntries : this.entriesPerTable;
    const first = Math.max(0, Math.floor((start - base) / span));
    const last = Math.min(count - 1, Math.floor((end - 1 - base) / span));
    if (level === this.levels - 1) {
      if (node.huge !== 0) return visit(base, node.huge, node, -1) !== false;
      const entries = node.entries as Float64Array;
      for (let i = first; i <= last; i++) if (entries[i] !== 0 && visit(base + i * span, entries[i], node, i) === false) return false;
      return true;
    }
    const children = node.children as (TableNode | undefined)[];
    for (let i = first; i <= last; i++) {
      const child = children[i];
      if (child && !this.visitNode(child, level + 1, base + i * span, start, end, visit)) return false;
    }
    return true;
  }

  private pruneNode(node: TableNode, level: number, base: number, start: number, end: number, all = false): void {
    if (level === this.levels - 1) return;
    const span = this.spanAt(level);
    const count = level === 0 ? this.rootEntries : this.entriesPerTable;
    const first = Math.max(0, Math.floor((start - base) / span));
    const last = Math.min(count - 1, Math.floor((end - 1 - base) / span));
    const children = node.children as (TableNode | undefined)[];
    for (let i = first; i <= last; i++) {
      const child = children[i];
      if (!child) continue;
      this.pruneNode(child, level + 1, base + i * span, start, end, all);
      if (all || (child.used === 0 && child.huge === 0)) {
        if (level + 1 === this.levels - 1) this.freeLeaf(child as LeafNode, base + i * span);
        children[i] = undefined;
        node.used--;
        this.freeTable(child.pfn);
        this.tablePages--;
      }
    }
  }

  /** Sets a leaf table's huge entry (0: none), and the walk's copy of it. */
  private setHuge(leaf: LeafNode, entry: number): void {
    leaf.huge = entry;
    this.hugeOf[leaf.table] = entry;
  }

  /** Returns the pool range of leaf table `leaf` (at `vaddr`), emptied, to the free numbers and
   *  drops its directory entry. */
  private freeLeaf(leaf: LeafNode, vaddr: number): void {
    leaf.entries.fill(0); // process exit frees tables whose slots the caller left set
    this.setHuge(leaf, 0);
    this.leaves[leaf.table] = undefined;
    this.freeTables.push(leaf.table);
    const pmd = this.pmdOf(vaddr);
    const slot = directorySlot(pmd);
    if (this.directoryTags[slot] === pmd + 1) this.directoryTags[slot] = 0;
  }

  /** Returns a free table number, doubling the pool (and remaking every leaf's view) when full. */
  private takeTable(): number {
    const free = this.freeTables.pop();
    if (free !== undefined) return free;
    const tables = this.hugeOf.length;
    if (this.nextTable === tables) {
      const n = this.entriesPerTable;
      this.walkTables.grow(Math.min(2 * tables, this.walkTables.maxCapacity)); // throws when already at the most
      this.adoptViews();
      for (const leaf of this.leaves) if (leaf !== undefined) leaf.entries = this.pool.subarray(leaf.table * n, (leaf.table + 1) * n);
    }
    return this.nextTable++;
  }

  private newNode(level: number): TableNode {
    // A leaf's number first: taking it may throw (no room left), and nothing has changed then.
    const table = level === this.levels - 1 ? this.takeTable() : -1;
    let pfn: number;
    try {
      pfn = this.allocTable();
    } catch (error) {
      if (table >= 0) this.freeTables.push(table); // the OOM killer chose this process: give the number back
      throw error;
    }
    this.tablePages++;
    // Every node has the same fields in the same order, so the walk's property loads see one
    // object shape (V8 keeps them monomorphic and fast).
    if (table >= 0) {
      const n = this.entriesPerTable;
      const leaf: LeafNode = { pfn, used: 0, children: undefined, entries: this.pool.subarray(table * n, (table + 1) * n), huge: 0, table };
      this.leaves[table] = leaf;
      return leaf;
    }
    const entries = level === 0 ? this.rootEntries : this.entriesPerTable;
    return { pfn, used: 0, children: new Array<TableNode | undefined>(entries), entries: undefined, huge: 0, table: -1 };
  }

  private indexAt(vaddr: number, level: number): number {
    // Spans and counts are powers of two, so multiplying by their inverses is exact (and avoids
    // the slow double division and modulo of the hot path).
    const q = Math.floor(vaddr * this.inverseSpans[level]);
    const count = level === 0 ? this.rootEntries : this.entriesPerTable;
    // An index is a small integer: `| 0` lets V8 index the table arrays with int32 arithmetic.
    return (q - Math.floor(q * (level === 0 ? this.inverseRootEntries : this.inverseEntriesPerTable)) * count) | 0;
  }

  /** The number of the PMD-sized region holding `vaddr` (the directory's key). */
  private pmdOf(vaddr: number): number {
    return Math.floor(vaddr * this.inverseHugeBytes);
  }

  private leafOf(entry: number, pageShift: number): Leaf | null {
    const flags = entryFlags(entry);
    if ((flags & PTE_PRESENT) === 0 || (flags & PTE_PROTNONE) !== 0) return null;
    const leaf = this.walkLeaf;
    leaf.pfn = entryPfn(entry);
    leaf.pageShift = pageShift;
    leaf.writable = (flags & PTE_WRITE) !== 0;
    leaf.zeroPage = (flags & PTE_ZERO) !== 0;
    return leaf;
  }
}
