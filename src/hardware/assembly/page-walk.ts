// The part of a page-table walk that runs beside the TLB arrays in the MMU's WebAssembly memory:
// a process's page table keeps the arrays its walk reads here (kernel/page-table.ts writes them
// through views), so a TLB miss is looked up, walked, cached and filled in one call. The
// arrays are those of the kernel's walk: the leaf-table directory (a PMD number's leaf table),
// each leaf table's huge entry, and the leaf tables' entries side by side. A walk the directory
// cannot start (its PMD not seen since the table was made) or that needs a fault is left to
// JavaScript, which walks the tables' nodes and fills the directory.
import { L2_MISS, LEAF, allocate, fill, probeWalkCaches, translate } from "./tlb-arrays";

/** Slots of the leaf-table directory (hardware/walk-tables.ts's DIRECTORY_SLOTS). */
const DIRECTORY_SLOTS: i32 = 4096;

// Page-table entry bits (kernel/pte.ts): an entry is pfn * 16 + flags, in an f64.
const PTE_PRESENT: i32 = 1;
const PTE_WRITE: i32 = 2;
const PTE_ZERO: i32 = 4;
const PTE_PROTNONE: i32 = 8;
// The flag bits of a cached translation (mmu-core.ts's WRITABLE and ZERO_PAGE).
const WRITABLE: i32 = 1;
const ZERO_PAGE: i32 = 2;

/** translateOrWalk's outcome when it walked and filled both levels (after tlb-arrays' outcomes). */
const WALKED: i32 = 5;

/** One page table's walk arrays and shape. */
@unmanaged
class WalkTables {
  /** Per directory slot: the PMD number + 1 it holds (f64; 0: empty), and that PMD's leaf table. */
  directoryTags: usize;
  directoryTables: usize;
  /** Per leaf table: its huge entry (f64; 0: none). */
  hugeOf: usize;
  /** The leaf tables' entries (f64), table t at t << bitsPerLevel. */
  pool: usize;
  /** Leaf tables the arrays hold. */
  capacity: i32;
  levels: i32;
  baseShift: i32;
  bitsPerLevel: i32;
}

/** Builds the walk arrays of a `levels`-level table (granule 2**baseShift) with room for
 *  `capacity` leaf tables, all empty; returns its handle. */
export function newWalkTables(levels: i32, baseShift: i32, bitsPerLevel: i32, capacity: i32): usize {
  const t = changetype<WalkTables>(allocate(offsetof<WalkTables>()));
  t.levels = levels;
  t.baseShift = baseShift;
  t.bitsPerLevel = bitsPerLevel;
  t.directoryTags = allocate(<usize>DIRECTORY_SLOTS << 3);
  t.directoryTables = allocate(<usize>DIRECTORY_SLOTS << 2);
  t.capacity = capacity;
  t.hugeOf = allocate(<usize>capacity << 3);
  t.pool = allocate(<usize>capacity << <usize>(bitsPerLevel + 3));
  return changetype<usize>(t);
}

/** Makes room for `capacity` leaf tables (more than now), keeping every entry. */
export function growWalkTables(tables: usize, capacity: i32): void {
  const t = changetype<WalkTables>(tables);
  const hugeOf = allocate(<usize>capacity << 3);
  memory.copy(hugeOf, t.hugeOf, <usize>t.capacity << 3);
  heap.free(t.hugeOf);
  t.hugeOf = hugeOf;
  const pool = allocate(<usize>capacity << <usize>(t.bitsPerLevel + 3));
  memory.copy(pool, t.pool, <usize>t.capacity << <usize>(t.bitsPerLevel + 3));
  heap.free(t.pool);
  t.pool = pool;
  t.capacity = capacity;
}

/** Returns a page table's walk arrays to the allocator (process exit). */
export function freeWalkTables(tables: usize): void {
  const t = changetype<WalkTables>(tables);
  heap.free(t.directoryTags);
  heap.free(t.directoryTables);
  heap.free(t.hugeOf);
  heap.free(t.pool);
  heap.free(tables);
}

/** Where each array starts, for the JavaScript views: 0 directory tags, 1 directory tables,
 *  2 huge entries, 3 entries. */
export function walkArrayAddress(tables: usize, which: i32): usize {
  const t = changetype<WalkTables>(tables);
  if (which == 0) return t.directoryTags;
  if (which == 1) return t.directoryTables;
  return which == 2 ? t.hugeOf : t.pool;
}

/**
 * An access's translation through both TLB levels and, when both miss, the page-table walk of
 * `tables`: the walk caches are probed and filled, and the translation fills both levels, as
 * TlbMmu's walk does. Returns tlb-arrays' outcomes for a TLB hit or refusal; WALKED when it
 * walked (LEAF then also holds the entries read beyond the walk caches, at +16, and the depth of
 * the walk cache that hit, at +20, or `levels` if none did); L2_MISS, with nothing changed
 * since the lookups, when the walk is JavaScript's: `tables` is 0, the directory has no entry
 * for the address, or the entry does not permit the access (a fault).
 */
export function translateOrWalk(l1: usize, l2: usize, walkCaches: usize, tables: usize, asid: i32, vaddr: f64, write: bool): i32 {
  const found = translate(l1, l2, asid, vaddr, write);
  if (found != L2_MISS || tables == 0) return found;
  const t = changetype<WalkTables>(tables);
  const v = <u64>vaddr;
  const baseShift = t.baseShift;
  const bits = t.bitsPerLevel;
  const pmd = v >> <u64>(baseShift + bits);
  const slot = <usize>(<i32>pmd & (DIRECTORY_SLOTS - 1));
  if (load<f64>(t.directoryTags + (slot << 3)) != <f64>(pmd + 1)) return L2_MISS;
  const table = <usize>load<i32>(t.directoryTables + (slot << 2));
  const huge = load<f64>(t.hugeOf + (table << 3));
  let entry = huge;
  let shift = baseShift + bits;
  let levelsRead = t.levels - 1;
  if (huge == 0) {
    const index = <usize>((v >> <u64>baseShift) & <u64>((1 << bits) - 1));
    entry = load<f64>(t.pool + (((table << <usize>bits) + index) << 3));
    shift = baseShift;
    levelsRead = t.levels;
  }
  const e = <u64>entry;
  const flags = <i32>(e & 15);
  if ((flags & PTE_PRESENT) == 0 || (flags & PTE_PROTNONE) != 0) return L2_MISS;
  if (write && (flags & PTE_WRITE) == 0) return L2_MISS;
  const pfn = <f64>(e >> 4);
  const depth = probeWalkCaches(walkCaches, asid, vaddr, levelsRead, t.levels, baseShift, bits);
  const cached = ((flags & PTE_WRITE) != 0 ? WRITABLE : 0) | ((flags & PTE_ZERO) != 0 ? ZERO_PAGE : 0);
  // Both levels just missed: the translation is absent from both.
  fill(l2, asid, vaddr, pfn, shift, cached, true);
  fill(l1, asid, vaddr, pfn, shift, cached, true);
  store<f64>(LEAF, pfn);
  store<i32>(LEAF + 8, shift);
  store<i32>(LEAF + 12, cached);
  store<i32>(LEAF + 16, levelsRead - (t.levels - depth));
  store<i32>(LEAF + 20, depth);
  return WALKED;
}
