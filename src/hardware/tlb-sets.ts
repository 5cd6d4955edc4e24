// The storage shared by TLBs and walk caches: `sets` sets of `ways` entries, each entry a tag,
// an address-space id and a kind (page shift for a TLB, coverage shift for a walk cache; 0 marks
// an empty entry), all in typed arrays so a lookup allocates nothing. Replacement is true LRU
// (a recency list per set, most recent first, linked through the slots: a use moves an entry to
// the front, the victim is the last; an emptied entry moves to the back so it is refilled first)
// or tree pseudo-LRU (ways - 1 direction bits per set). A count of valid entries per kind lets
// callers skip probing for page sizes the array holds none of.

/** 2**-n for every shift: multiplying by a power of two is exact and cheaper than dividing. */
const INVERSE_POW2: Float64Array = Float64Array.from({ length: 64 }, (_, n) => 2 ** -n);

/** 2**n for every shift (V8 turns `2 ** n` with a variable n into a call of pow). */
export const POW2: Float64Array = Float64Array.from({ length: 64 }, (_, n) => 2 ** n);

const INVERSE_2_32 = 2 ** -32;

/** The number of the 2**shift-byte page (or prefix) holding `vaddr` (no bitwise ops: 57-bit
 *  addresses). */
export function pageNumber(vaddr: number, shift: number): number {
  return Math.floor(vaddr * INVERSE_POW2[shift]);
}

/**
 * A tag (a page or prefix number, below 2**46) split once into the two int32 halves the arrays
 * compare, so the arrays probed for one address and page size share that arithmetic: integer
 * compares are about twice as fast as double ones in V8, and each split costs two roundings.
 */
export class PageKey {
  /** The address this key was last computed for (-1: none). */
  address = -1;
  /** The tag as a double. */
  tag = 0;
  /** The tag's low 32 bits as an int32 (its low bits also pick a set of 2**k sets). */
  low = 0;
  /** The tag's bits above the low 32 (below 2**14). */
  high = 0;

  /** Makes this the key of `tag` and returns it. */
  ofTag(tag: number): PageKey {
    const high = Math.floor(tag * INVERSE_2_32);
    this.address = -1;
    this.tag = tag;
    this.high = high;
    this.low = (tag - high * 2 ** 32) | 0;
    return this;
  }
}

/** One reusable key per shift, remembering the address it was computed for. */
const KEYS: readonly PageKey[] = Array.from({ length: 64 }, () => new PageKey());

/**
 * Returns the key of the 2**shift-byte page holding `vaddr`. The object is shared and
 * overwritten by the next call for another address at this shift: use it before that. A
 * translation probes several arrays for one address and size, so the split is done once.
 */
export function pageKey(vaddr: number, shift: number): PageKey {
  const key = KEYS[shift];
  if (key.address !== vaddr) {
    key.ofTag(pageNumber(vaddr, shift));
    key.address = vaddr;
  }
  return key;
}

/** A key for callers that hold a tag rather than an address (tests, range invalidation). */
const TAG_KEY = new PageKey();

/** Fixed-size set-associative storage; callers pick the set (tag modulo sets) and the kind. */
export class SetAssociativeArray {
  /** Each slot's tag (page or prefix number), for range invalidation. */
  readonly tags: Float64Array;
  /** The tag's low 32 bits (as int32), and its high bits * 64 + kind (-1 when empty): tags stay
   *  below 2**46, and integer compares are about twice as fast as double ones in V8. */
  private readonly keyLow: Int32Array;
  private readonly keyHigh: Int32Array;
  /** Each slot's address-space id. */
  readonly asids: Int32Array;
  /** 0 = empty; otherwise the entry's page or coverage shift (1..63). */
  readonly kinds: Uint8Array;
  /** LRU lists: neighbours of each slot (towards the front / the back; -1 at the ends) and
   *  each set's first (most recently used) and last (the victim) slot. */
  private readonly newer: Int32Array;
  private readonly older: Int32Array;
  private readonly front: Int32Array;
  private readonly back: Int32Array;
  /** Tree-PLRU bits, heap-ordered per set: 0 = the victim is in the left half, 1 = right. */
  private readonly tree: Uint8Array;
  private readonly inverseSets: number;
  /** sets - 1 when sets is a power of two (the set is then the tag's low bits), else -1. */
  private readonly setMask: number;
  /** Valid entries per kind. */
  readonly counts: Int32Array = new Int32Array(64);
  /** Valid entries of every kind: an empty array skips invalidateAsid's scan. */
  private valid = 0;

  /** Builds `sets` empty sets of `ways` entries with LRU (or tree pseudo-LRU when `plru`). */
  constructor(
    /** Sets. */
    readonly sets: number,
    /** Entries per set. */
    readonly ways: number,
    /** Tree pseudo-LRU instead of true LRU. */
    readonly plru: boolean,
  ) {
    const entries = sets * ways;
    this.tags = new Float64Array(entries);
    this.keyLow = new Int32Array(entries);
    this.keyHigh = new Int32Array(entries).fill(-1);
    this.asids = new Int32Array(entries);
    this.kinds = new Uint8Array(entries);
    const listSets = plru ? 0 : sets; // pseudo-LRU keeps no lists
    this.newer = new Int32Array(listSets * ways);
    this.older = new Int32Array(listSets * ways);
    this.front = new Int32Array(listSets);
    this.back = new Int32Array(listSets);
    for (let set = 0; set < listSets; set++) {
      // Ways in order, way 0 at the back: empty entries fill from way 0.
      const base = set * ways;
      for (let way = 0; way < ways; way++) {
        this.newer[base + way] = way + 1 < ways ? base + way + 1 : -1;
        this.older[base + way] = way > 0 ? base + way - 1 : -1;
      }
      this.front[set] = base + ways - 1;
      this.back[set] = base;
    }
    this.tree = new Uint8Array(plru ? sets * (ways - 1) : 0);
    this.inverseSets = 1 / sets;
    this.setMask = Number.isInteger(Math.log2(sets)) ? sets - 1 : -1;
  }

  /** Set index of a key: its tag modulo sets. With 2**k sets that is the tag's low k bits;
   *  otherwise tags are page or prefix numbers up to 2**45, so no bitwise operators, and `%` on
   *  doubles is a slow library call in V8: multiply by 1/sets and fix up (q * sets is exact; the
   *  rounded quotient is off by at most one). */
  private setOf(key: PageKey): number {
    if (this.setMask >= 0) return key.low & this.setMask;
    const tag = key.tag;
    const sets = this.sets;
    const r = tag - Math.floor(tag * this.inverseSets) * sets;
    // A set index is a small integer: `| 0` lets V8 index the typed arrays with int32 arithmetic.
    return (r < 0 ? r + sets : r >= sets ? r - sets : r) | 0;
  }

  /** Slot of the entry (tag, asid, kind) in its set, or -1; does not change replacement state. */
  find(tag: number, asid: number, kind: number): number {
    return this.findKey(TAG_KEY.ofTag(tag), asid, kind);
  }

  /** `find` for a key already split (see pageKey). */
  findKey(key: PageKey, asid: number, kind: number): number {
    const base = this.setOf(key) * this.ways;
    const end = base + this.ways;
    const low = key.low;
    const high = key.high * 64 + kind;
    const keyLow = this.keyLow;
    const keyHigh = this.keyHigh;
    const asids = this.asids;
    for (let slot = base; slot < end; slot++) {
      if (keyLow[slot] === low && keyHigh[slot] === high && asids[slot] === asid) return slot;
    }
    return -1;
  }

  /** Marks a slot most recently used. */
  touch(slot: number): void {
    if (!this.plru) {
      this.moveToFront(slot);
      return;
    }
    const way = slot % this.ways;
    const base = ((slot - way) / this.ways) * (this.ways - 1);
    let node = 0;
    let lo = 0;
    let hi = this.ways;
    while (hi - lo > 1) {
      const mid = (lo + hi) / 2;
      if (way < mid) {
        this.tree[base + node] = 1; // used the left half: point the victim search right
        node = 2 * node + 1;
        hi = mid;
      } else {
        this.tree[base + node] = 0;
        node = 2 * node + 2;
        lo = mid;
      }
    }
  }

  /** Stores (tag, asid, kind), which the caller knows is absent, in its set — in the first empty
   *  way, else the policy's victim — marks it most recently used, and returns its slot. */
  insert(tag: number, asid: number, kind: number): number {
    return this.insertKey(TAG_KEY.ofTag(tag), asid, kind);
  }

  /** `insert` for a key already split (see pageKey). */
  insertKey(key: PageKey, asid: number, kind: number): number {
    const slot = this.victim(this.setOf(key));
    const old = this.kinds[slot];
    if (old !== 0) this.counts[old]--;
    else this.valid++;
    this.counts[kind]++;
    this.tags[slot] = key.tag;
    this.keyLow[slot] = key.low;
    this.keyHigh[slot] = key.high * 64 + kind;
    this.asids[slot] = asid;
    this.kinds[slot] = kind;
    this.touch(slot);
    return slot;
  }

  /** Takes a slot out of its set's LRU list; returns the set. */
  private unlink(slot: number): number {
    const set = (slot / this.ways) | 0;
    const newer = this.newer[slot];
    const older = this.older[slot];
    if (newer >= 0) this.older[newer] = older;
    else this.front[set] = older;
    if (older >= 0) this.newer[older] = newer;
    else this.back[set] = newer;
    return set;
  }

  /** Makes a slot the most recently used of its set. */
  private moveToFront(slot: number): void {
    this.moveToEnd(slot, this.newer, this.older, this.front);
  }

  /** Makes a slot the next victim of its set (an emptied entry is refilled first). */
  private moveToBack(slot: number): void {
    this.moveToEnd(slot, this.older, this.newer, this.back);
  }

  /** Moves a slot to one end of its set's list: `toward` links point to that end, `away` links
   *  to the other, `ends` holds each set's slot at that end. */
  private moveToEnd(slot: number, toward: Int32Array, away: Int32Array, ends: Int32Array): void {
    if (toward[slot] < 0) return; // already there
    const set = this.unlink(slot);
    const previous = ends[set];
    toward[previous] = slot;
    away[slot] = previous;
    toward[slot] = -1;
    ends[set] = slot;
  }

  private victim(set: number): number {
    // Empty entries sit at the back of the LRU list: an empty way, else the least recently used.
    if (!this.plru) return this.back[set];
    const base = set * this.ways;
    const end = base + this.ways;
    for (let slot = base; slot < end; slot++) if (this.kinds[slot] === 0) return slot;
    const treeBase = set * (this.ways - 1);
    let node = 0;
    let lo = 0;
    let hi = this.ways;
    while (hi - lo > 1) {
      const mid = (lo + hi) / 2;
      if (this.tree[treeBase + node] === 0) {
        node = 2 * node + 1;
        hi = mid;
      } else {
        node = 2 * node + 2;
        lo = mid;
      }
    }
    return base + lo;
  }

  /** Empties one slot. */
  invalidate(slot: number): void {
    const kind = this.kinds[slot];
    if (kind === 0) return;
    this.counts[kind]--;
    this.valid--;
    this.kinds[slot] = 0;
    this.keyHigh[slot] = -1;
    if (!this.plru) this.moveToBack(slot);
  }

  /** Empties every entry of an address space. */
  invalidateAsid(asid: number): void {
    // every COW fault flushes its address space's walk caches, which a fault has mostly emptied
    if (this.valid === 0) return;
    for (let slot = 0; slot < this.kinds.length; slot++) {
      if (this.kinds[slot] !== 0 && this.asids[slot] === asid) this.invalidate(slot);
    }
  }

  /** Empties the entries of `asid` and `kind` whose tags lie in [firstTag, lastTag]: probes the
   *  sets of those tags when they are fewer than the sets, else scans everything. */
  invalidateTags(asid: number, kind: number, firstTag: number, lastTag: number): void {
    if (this.counts[kind] === 0) return;
    if (lastTag - firstTag + 1 < this.sets) {
      for (let tag = firstTag; tag <= lastTag; tag++) {
        const slot = this.find(tag, asid, kind);
        if (slot >= 0) this.invalidate(slot);
      }
      return;
    }
    for (let slot = 0; slot < this.kinds.length; slot++) {
      const tag = this.tags[slot];
      if (this.kinds[slot] === kind && this.asids[slot] === asid && tag >= firstTag && tag <= lastTag) {
        this.invalidate(slot);
      }
    }
  }

  /** Number of valid entries (for tests and displays). */
  occupancy(): number {
    return this.valid;
  }
}
