// AssemblyScript, part of the MMU core (assembly/index.ts, compiled to WebAssembly by `npm run build`
// with asc from the registry): the set-associative arrays of one MMU — its TLBs and paging-structure
// caches — and the per-access lookups and fills over them. The JavaScript side (mmu-core.ts)
// owns one instance per MMU and decides what to look up; this file only stores and finds.
//
// Why WebAssembly: a random access probes and fills four or five of these arrays. In JavaScript
// each probe split the page number into two int32 halves, walked linked LRU lists and went
// through several small calls; here a key is one i64, a lookup of both TLB levels is one call,
// and so is a fault's flush (bench/README.md, "The translation core in WebAssembly").
//
// An entry's key is (page or prefix number << 6) | kind, where kind is the page shift of a TLB
// entry or the coverage shift of a walk-cache entry (1..63); an empty entry's key is -1, which
// no tag below 2**57 can produce. What a lookup reads of a set sits together in one record
// (its keys, then its address-space ids, then its replacement entries): a random access misses
// the host's caches on most sets it touches, so the cache lines a set spans cost more than the
// instructions (a first version kept 64-bit LRU stamps in an array of their own: scanning them
// for the victim cost about 120 ns per random access).
// True LRU keeps the set's ways in recency order, 16 bits each (most recent first; the last
// is the victim; an emptied way moves to the back, so it is refilled first, and at the start
// way 0 is the back). Tree pseudo-LRU keeps ways - 1 direction bytes there and refills
// an empty way first.
// The per-access helpers are @inline: this Node's V8 keeps every function of the module a call
// of its own (perf shows each as a frame), and a TLB miss made about a dozen such calls
// (inlined: a random access 0.90 of the time, np.add + sum + free 0.94, same process).

/** One set-associative array: its geometry, its set records and per-slot translations. */
@unmanaged
class SetArray {
  sets: i32;
  ways: i32;
  /** sets - 1 when sets is a power of two (the set is the tag's low bits), else -1. */
  setMask: i32;
  plru: bool;
  /** Valid entries of every kind. */
  valid: i32;
  /** Bytes per set record, and where its ids and replacement bytes start within it. */
  stride: i32;
  asidsAt: i32;
  orderAt: i32;
  /** The set records: ways i64 keys, ways i32 address-space ids, ways u16 recency entries (LRU)
   *  or ways - 1 direction bytes (PLRU). */
  records: usize;
  /** Per slot (set * ways + way): frame number (f64) and flags (u8), read only on a hit. */
  pfns: usize;
  flags: usize;
  /** Valid entries per kind (i32 x 64). */
  counts: usize;
}

/** The arrays of one TLB level probed for an access, and which array holds each page size. */
@unmanaged
class Level {
  probes: i32;
  /** The (array, shift) pairs, in lookup order. */
  arrays: usize;
  shifts: usize;
  /** For each page shift, the array holding it (0: none). */
  home: usize;
}

/** The paging-structure caches of an MMU, nearest the leaf first (the order a walk probes them). */
@unmanaged
class WalkCacheList {
  caches: i32;
  /** Up to MAX_DEPTH arrays and the depth of each (levels above the leaf tables). */
  arrays: usize;
  depths: usize;
}

/** Walk caches sit 1 to 5 levels above the leaf tables, one per depth (tlb-geometry). */
const MAX_DEPTH: i32 = 5;

/** A level holds each page shift at most once (tlb-geometry's checkTlbLevel). */
const MAX_PROBES: i32 = 64;
const EMPTY: i64 = -1;
/** The flag bit of a translation that permits writes (mmu-core.ts's WRITABLE). */
const WRITABLE: u8 = 1;

/** The translation the last successful lookup found: frame number, page shift, flags (and, after
 *  a walk in page-walk.ts, the walk's entries read and walk-cache depth). */
export const LEAF: usize = memory.data(24, 8);

/** Where the last lookup's translation is written (f64 pfn, then i32 shift and i32 flags). */
export function leafAddress(): usize {
  return LEAF;
}

/** Returns `bytes` zeroed bytes of this memory. */
export function allocate(bytes: usize): usize {
  const at = heap.alloc(bytes);
  memory.fill(at, 0, bytes);
  return at;
}

/** Builds an empty array of `sets` sets of `ways` ways (LRU, or tree pseudo-LRU if `plru`). */
export function newArray(sets: i32, ways: i32, plru: bool): usize {
  const a = changetype<SetArray>(allocate(offsetof<SetArray>()));
  const entries = <usize>(sets * ways);
  a.sets = sets;
  a.ways = ways;
  a.setMask = (sets & (sets - 1)) == 0 ? sets - 1 : -1;
  a.plru = plru;
  a.asidsAt = ways << 3;
  a.orderAt = ways * 12;
  a.stride = (ways * 14 + 7) & ~7;
  a.records = allocate(<usize>sets * <usize>a.stride);
  a.pfns = allocate(entries << 3);
  a.flags = allocate(entries);
  a.counts = allocate(64 << 2);
  for (let set = 0; set < sets; set++) {
    const record = recordOf(a, set);
    for (let way = 0; way < ways; way++) {
      store<i64>(record + (<usize>way << 3), EMPTY);
      if (!plru) store<u16>(record + <usize>(a.orderAt + (way << 1)), <u16>(ways - 1 - way)); // way 0 at the back
    }
  }
  return changetype<usize>(a);
}

@inline function keyOf(tag: u64, kind: i32): i64 {
  return <i64>((tag << 6) | <u64>kind);
}

@inline function setOf(a: SetArray, tag: u64): i32 {
  return a.setMask >= 0 ? <i32>(tag & <u64>a.setMask) : <i32>(tag % <u64>a.sets);
}

@inline function recordOf(a: SetArray, set: i32): usize {
  return a.records + <usize>set * <usize>a.stride;
}

@inline function keyAt(record: usize, way: i32): i64 {
  return load<i64>(record + (<usize>way << 3));
}

/** Way of (key, asid) in a set's record, or -1. */
@inline function findWay(a: SetArray, record: usize, key: i64, asid: i32): i32 {
  const ways = a.ways;
  const asids = record + <usize>a.asidsAt;
  for (let way = 0; way < ways; way++) {
    if (keyAt(record, way) == key) {
      if (load<i32>(asids + (<usize>way << 2)) == asid) return way;
    }
  }
  return -1;
}

/** Slot of (tag, kind, asid), or -1. */
@inline function findSlot(a: SetArray, tag: u64, kind: i32, asid: i32): i32 {
  const set = setOf(a, tag);
  const way = findWay(a, recordOf(a, set), keyOf(tag, kind), asid);
  return way < 0 ? -1 : set * a.ways + way;
}

/** LRU: moves `way` to position `to` (0: the front, ways - 1: the back) of the recency order. */
@inline function moveInOrder(a: SetArray, record: usize, way: i32, to: i32): void {
  const order = record + <usize>a.orderAt;
  let at = 0;
  while (<i32>load<u16>(order + (<usize>at << 1)) != way) at++;
  for (; at > to; at--) store<u16>(order + (<usize>at << 1), load<u16>(order + (<usize>(at - 1) << 1)));
  for (; at < to; at++) store<u16>(order + (<usize>at << 1), load<u16>(order + (<usize>(at + 1) << 1)));
  store<u16>(order + (<usize>to << 1), <u16>way);
}

@inline function touchWay(a: SetArray, record: usize, way: i32): void {
  if (!a.plru) {
    moveInOrder(a, record, way, 0);
    return;
  }
  const bits = record + <usize>a.orderAt;
  let node = 0;
  let lo = 0;
  let hi = a.ways;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (way < mid) {
      store<u8>(bits + <usize>node, 1); // used the left half: point the victim search right
      node = 2 * node + 1;
      hi = mid;
    } else {
      store<u8>(bits + <usize>node, 0);
      node = 2 * node + 2;
      lo = mid;
    }
  }
}

/** PLRU: an empty way, else the way the direction bits point to. */
@inline function victimWay(a: SetArray, record: usize): i32 {
  const ways = a.ways;
  for (let way = 0; way < ways; way++) if (keyAt(record, way) == EMPTY) return way;
  const bits = record + <usize>a.orderAt;
  let node = 0;
  let lo = 0;
  let hi = ways;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (load<u8>(bits + <usize>node) == 0) {
      node = 2 * node + 1;
      hi = mid;
    } else {
      node = 2 * node + 2;
      lo = mid;
    }
  }
  return lo;
}

@inline function countAt(a: SetArray, kind: i32): i32 {
  return load<i32>(a.counts + (<usize>kind << 2));
}

@inline function addCount(a: SetArray, kind: i32, n: i32): void {
  store<i32>(a.counts + (<usize>kind << 2), countAt(a, kind) + n);
}

/** Stores (tag, asid, kind), known absent, in the victim way of its set (`set`, which the caller
 *  has computed for its lookup), most recent now; returns its slot. */
@inline function insertTag(a: SetArray, set: i32, tag: u64, asid: i32, kind: i32): i32 {
  const record = recordOf(a, set);
  let way: i32;
  if (a.plru) {
    way = victimWay(a, record);
    touchWay(a, record, way);
  } else {
    // The victim is the last of the recency order: move it to the front without searching.
    const order = record + <usize>a.orderAt;
    const last = a.ways - 1;
    way = <i32>load<u16>(order + (<usize>last << 1));
    for (let at = last; at > 0; at--) store<u16>(order + (<usize>at << 1), load<u16>(order + (<usize>(at - 1) << 1)));
    store<u16>(order, <u16>way);
  }
  const old = keyAt(record, way);
  if (old == EMPTY) {
    a.valid++;
    addCount(a, kind, 1);
  } else if (<i32>(old & 63) != kind) {
    // a victim of another size (an array holding both): move one from its count to this one's
    addCount(a, <i32>(old & 63), -1);
    addCount(a, kind, 1);
  }
  store<i64>(record + (<usize>way << 3), keyOf(tag, kind));
  store<i32>(record + <usize>a.asidsAt + (<usize>way << 2), asid);
  return set * a.ways + way;
}

function emptyWay(a: SetArray, record: usize, way: i32): void {
  const key = keyAt(record, way);
  if (key == EMPTY) return;
  addCount(a, <i32>(key & 63), -1);
  a.valid--;
  store<i64>(record + (<usize>way << 3), EMPTY);
  if (!a.plru) moveInOrder(a, record, way, a.ways - 1);
}

@inline function recordOfSlot(a: SetArray, slot: i32): usize {
  return recordOf(a, slot / a.ways);
}

// ---- One array, for the JavaScript SetAssociativeArray and the cold paths ----

/** Slot of the entry (tag, asid, kind), or -1; replacement state unchanged. */
export function find(array: usize, tag: f64, asid: i32, kind: i32): i32 {
  return findSlot(changetype<SetArray>(array), <u64>tag, kind, asid);
}

/** Marks a slot most recently used. */
export function touch(array: usize, slot: i32): void {
  const a = changetype<SetArray>(array);
  touchWay(a, recordOfSlot(a, slot), slot % a.ways);
}

/** Stores (tag, asid, kind), which the caller knows is absent; returns its slot. */
export function insert(array: usize, tag: f64, asid: i32, kind: i32): i32 {
  const a = changetype<SetArray>(array);
  const t = <u64>tag;
  return insertTag(a, setOf(a, t), t, asid, kind);
}

/** Empties one slot (it becomes the next victim of its set). */
export function invalidate(array: usize, slot: i32): void {
  const a = changetype<SetArray>(array);
  emptyWay(a, recordOfSlot(a, slot), slot % a.ways);
}

/** Empties every entry of an address space. */
export function invalidateAsid(array: usize, asid: i32): void {
  const a = changetype<SetArray>(array);
  if (a.valid == 0) return; // every copy-on-write fault flushes walk caches it has mostly emptied
  for (let set = 0; set < a.sets; set++) {
    const record = recordOf(a, set);
    const asids = record + <usize>a.asidsAt;
    for (let way = 0; way < a.ways; way++) {
      if (keyAt(record, way) != EMPTY && load<i32>(asids + (<usize>way << 2)) == asid) emptyWay(a, record, way);
    }
  }
}

/** Empties the entries of `asid` and `kind` whose tags lie in [first, last]: probes the sets of
 *  those tags when they are fewer than the sets, else scans every entry. */
export function invalidateTags(array: usize, asid: i32, kind: i32, first: f64, last: f64): void {
  const a = changetype<SetArray>(array);
  if (countAt(a, kind) == 0) return;
  const lo = <u64>first;
  const hi = <u64>last;
  if (hi - lo + 1 < <u64>a.sets) {
    for (let tag = lo; tag <= hi; tag++) {
      const record = recordOf(a, setOf(a, tag));
      const way = findWay(a, record, keyOf(tag, kind), asid);
      if (way >= 0) emptyWay(a, record, way);
    }
    return;
  }
  for (let set = 0; set < a.sets; set++) {
    const record = recordOf(a, set);
    const asids = record + <usize>a.asidsAt;
    for (let way = 0; way < a.ways; way++) {
      const key = keyAt(record, way);
      if (key == EMPTY || <i32>(key & 63) != kind || load<i32>(asids + (<usize>way << 2)) != asid) continue;
      const tag = <u64>key >> 6;
      if (tag >= lo && tag <= hi) emptyWay(a, record, way);
    }
  }
}

/** Valid entries. */
export function occupancy(array: usize): i32 {
  return changetype<SetArray>(array).valid;
}

/** Valid entries of one kind. */
export function count(array: usize, kind: i32): i32 {
  return countAt(changetype<SetArray>(array), kind);
}

/** The kind of the entry in `slot` (0: empty). */
export function kindAt(array: usize, slot: i32): i32 {
  const a = changetype<SetArray>(array);
  const key = keyAt(recordOfSlot(a, slot), slot % a.ways);
  return key == EMPTY ? 0 : <i32>(key & 63);
}

// ---- TLB levels: the per-access lookups and fills ----

/** Builds an empty level; arrays are added with addToLevel in lookup order. */
export function newLevel(): usize {
  const level = changetype<Level>(allocate(offsetof<Level>()));
  level.arrays = allocate(<usize>MAX_PROBES << 2);
  level.shifts = allocate(<usize>MAX_PROBES << 2);
  level.home = allocate(64 << 2);
  return changetype<usize>(level);
}

/** Makes `array` the level's home for pages of 2**shift bytes, probed after those added before. */
export function addToLevel(level: usize, array: usize, shift: i32): void {
  const l = changetype<Level>(level);
  if (l.probes == MAX_PROBES) unreachable();
  store<u32>(l.arrays + (<usize>l.probes << 2), <u32>array);
  store<i32>(l.shifts + (<usize>l.probes << 2), shift);
  store<u32>(l.home + (<usize>shift << 2), <u32>array);
  l.probes++;
}

/** A level lookup's outcomes. */
const HIT = 0;
const MISS = 1;
const REFUSED = 2;

/** Looks `vaddr` up at every page size of a level. On a usable hit marks the entry most
 *  recently used, writes its translation to LEAF and returns HIT; a write finding a read-only
 *  entry is REFUSED (nothing changes); else MISS. */
@inline function lookup(level: usize, asid: i32, vaddr: f64, write: bool): i32 {
  const l = changetype<Level>(level);
  const v = <u64>vaddr;
  for (let i = 0; i < l.probes; i++) {
    const a = changetype<SetArray>(load<u32>(l.arrays + (<usize>i << 2)));
    const shift = load<i32>(l.shifts + (<usize>i << 2));
    if (countAt(a, shift) == 0) continue; // holds no page of this size: skip the probe
    const tag = v >> <u64>shift;
    const set = setOf(a, tag);
    const record = recordOf(a, set);
    const way = findWay(a, record, keyOf(tag, shift), asid);
    if (way < 0) continue;
    const slot = <usize>(set * a.ways + way);
    const flags = load<u8>(a.flags + slot);
    if (write && (flags & WRITABLE) == 0) return REFUSED;
    touchWay(a, record, way);
    store<f64>(LEAF, load<f64>(a.pfns + (slot << 3)));
    store<i32>(LEAF + 8, shift);
    store<i32>(LEAF + 12, flags);
    return HIT;
  }
  return MISS;
}

/** Caches a translation in the level's array for its page size (a no-op if none holds it).
 *  `absent`: the caller knows the level holds no entry for the page, which saves a probe;
 *  otherwise an existing entry is replaced in place. */
@inline export function fill(level: usize, asid: i32, vaddr: f64, pfn: f64, shift: i32, flags: i32, absent: bool): void {
  const array = load<u32>(changetype<Level>(level).home + (<usize>shift << 2));
  if (array == 0) return;
  const a = changetype<SetArray>(array);
  const tag = <u64>vaddr >> <u64>shift;
  const set = setOf(a, tag);
  const record = recordOf(a, set);
  const way = absent ? -1 : findWay(a, record, keyOf(tag, shift), asid);
  let slot: i32;
  if (way < 0) slot = insertTag(a, set, tag, asid, shift);
  else {
    touchWay(a, record, way);
    slot = set * a.ways + way;
  }
  store<f64>(a.pfns + (<usize>slot << 3), pfn);
  store<u8>(a.flags + <usize>slot, <u8>flags);
}

/** After a walk, caches its translation in L2 and then L1 (absent from both when `absent`). */
export function fillBoth(l2: usize, l1: usize, asid: i32, vaddr: f64, pfn: f64, shift: i32, flags: i32, absent: bool): void {
  fill(l2, asid, vaddr, pfn, shift, flags, absent);
  fill(l1, asid, vaddr, pfn, shift, flags, absent);
}

/** Outcomes of translate: where the translation was found, or why a walk is needed (the same
 *  numbers as mmu-core.ts's constants). */
const L1_HIT = 0;
const L2_HIT = 1;
const L1_REFUSED = 2;
export const L2_MISS = 3;
const L2_REFUSED = 4;

/** An access's lookup through both TLB levels: L1 first; on an L1 miss the L2, whose hit is
 *  copied into L1 (known absent there). LEAF holds the translation on a hit. */
@inline export function translate(l1: usize, l2: usize, asid: i32, vaddr: f64, write: bool): i32 {
  const inL1 = lookup(l1, asid, vaddr, write);
  if (inL1 == HIT) return L1_HIT;
  // A write finding a read-only entry faults without consulting L2 (see mmu.ts).
  if (inL1 == REFUSED) return L1_REFUSED;
  const inL2 = lookup(l2, asid, vaddr, write);
  if (inL2 == MISS) return L2_MISS;
  if (inL2 == REFUSED) return L2_REFUSED;
  fill(l1, asid, vaddr, load<f64>(LEAF), load<i32>(LEAF + 8), load<i32>(LEAF + 12), true);
  return L2_HIT;
}

/** Drops a level's translations of [start, end) (end exclusive) in one address space. */
function invalidateRange(level: usize, asid: i32, start: f64, end: f64): void {
  const l = changetype<Level>(level);
  const first = <u64>start;
  const last = <u64>end - 1;
  for (let i = 0; i < l.probes; i++) {
    const array = <usize>load<u32>(l.arrays + (<usize>i << 2));
    const shift = load<i32>(l.shifts + (<usize>i << 2));
    // nothing of this size cached (an instruction TLB during data faults): nothing to compute
    if (countAt(changetype<SetArray>(array), shift) == 0) continue;
    invalidateTags(array, asid, shift, <f64>(first >> <u64>shift), <f64>(last >> <u64>shift));
  }
}

// ---- Paging-structure caches ----

/** Looks up the walk-cache entry covering `vaddr` (prefix of `shift` bits) for a walk that read
 *  it: on a hit marks it most recently used and returns true; on a miss caches it (the walk has
 *  just read it from memory) and returns false. */
@inline function lookupOrFill(array: usize, asid: i32, vaddr: f64, shift: i32): bool {
  const a = changetype<SetArray>(array);
  const tag = <u64>vaddr >> <u64>shift;
  const set = setOf(a, tag);
  const record = recordOf(a, set);
  const way = findWay(a, record, keyOf(tag, shift), asid);
  if (way < 0) {
    insertTag(a, set, tag, asid, shift);
    return false;
  }
  touchWay(a, record, way);
  return true;
}

/** Builds an empty list of walk caches; caches are added with addWalkCache, nearest the leaf first. */
export function newWalkCacheList(): usize {
  const list = changetype<WalkCacheList>(allocate(offsetof<WalkCacheList>()));
  list.arrays = allocate(<usize>MAX_DEPTH << 2);
  list.depths = allocate(<usize>MAX_DEPTH << 2);
  return changetype<usize>(list);
}

/** Appends the cache of entries `depth` levels above the leaf tables. */
export function addWalkCache(list: usize, array: usize, depth: i32): void {
  const l = changetype<WalkCacheList>(list);
  if (l.caches == MAX_DEPTH) unreachable();
  store<u32>(l.arrays + (<usize>l.caches << 2), <u32>array);
  store<i32>(l.depths + (<usize>l.caches << 2), depth);
  l.caches++;
}

/**
 * The walk caches' part of one page-table walk of `vaddr` that read `levelsRead` entries of a
 * `levels`-level table (granule 2**baseShift, bitsPerLevel index bits per level): probes the
 * caches that may hold an entry the walk read (the entries read above the last one pointed to
 * tables, and only those are cached: depths levels - levelsRead + 1 to levels - 1), nearest the
 * leaf first. The first hit supplies every entry above it; each cache
 * that missed before it is filled with the entry the walk read (separate arrays, so filling as
 * each misses leaves the state filling after all lookups would). Returns the depth of the hit,
 * or `levels` when none hit.
 */
@inline export function probeWalkCaches(list: usize, asid: i32, vaddr: f64, levelsRead: i32, levels: i32, baseShift: i32, bitsPerLevel: i32): i32 {
  const l = changetype<WalkCacheList>(list);
  const nearest = levels - levelsRead + 1;
  for (let i = 0; i < l.caches; i++) {
    const depth = load<i32>(l.depths + (<usize>i << 2));
    if (depth < nearest) continue;
    if (depth >= levels) break;
    const array = <usize>load<u32>(l.arrays + (<usize>i << 2));
    if (lookupOrFill(array, asid, vaddr, baseShift + bitsPerLevel * depth)) return depth;
  }
  return levels;
}

/** Drops, in every walk cache, the entry a walk of `vaddr` would use. */
function invalidateWalkCaches(list: usize, asid: i32, vaddr: f64, baseShift: i32, bitsPerLevel: i32): void {
  const l = changetype<WalkCacheList>(list);
  for (let i = 0; i < l.caches; i++) {
    const depth = load<i32>(l.depths + (<usize>i << 2));
    invalidateAddress(<usize>load<u32>(l.arrays + (<usize>i << 2)), asid, vaddr, baseShift + bitsPerLevel * depth);
  }
}

/** A page fault's flush (Intel SDM Vol. 3A §4.10.4.1): drops the faulting address's translations
 *  from the given TLB levels (0: a level known to hold none) and, from every walk cache, the
 *  entry a walk of that address would use. */
export function flushForFault(l1d: usize, l1i: usize, l2: usize, list: usize, asid: i32, vaddr: f64, baseShift: i32, bitsPerLevel: i32): void {
  if (l1d != 0) invalidateRange(l1d, asid, vaddr, vaddr + 1);
  if (l1i != 0) invalidateRange(l1i, asid, vaddr, vaddr + 1);
  if (l2 != 0) invalidateRange(l2, asid, vaddr, vaddr + 1);
  invalidateWalkCaches(list, asid, vaddr, baseShift, bitsPerLevel);
}

/** INVLPG over a range: drops [start, end)'s translations from the given TLB levels (0: skip
 *  one) and every walk-cache entry of the address space. */
export function flushRange(l1d: usize, l1i: usize, l2: usize, list: usize, asid: i32, start: f64, end: f64): void {
  if (l1d != 0) invalidateRange(l1d, asid, start, end);
  if (l1i != 0) invalidateRange(l1i, asid, start, end);
  if (l2 != 0) invalidateRange(l2, asid, start, end);
  const l = changetype<WalkCacheList>(list);
  for (let i = 0; i < l.caches; i++) invalidateAsid(<usize>load<u32>(l.arrays + (<usize>i << 2)), asid);
}

/** Drops the entry a walk of `vaddr` would use. */
function invalidateAddress(array: usize, asid: i32, vaddr: f64, shift: i32): void {
  const a = changetype<SetArray>(array);
  const tag = <u64>vaddr >> <u64>shift;
  const record = recordOf(a, setOf(a, tag));
  const way = findWay(a, record, keyOf(tag, shift), asid);
  if (way >= 0) emptyWay(a, record, way);
}
