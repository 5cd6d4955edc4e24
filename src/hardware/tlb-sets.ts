// The storage shared by TLBs and walk caches: `sets` sets of `ways` entries, each entry a tag,
// an address-space id and a kind (page shift for a TLB, coverage shift for a walk cache; 0 marks
// an empty entry), all in typed arrays so a lookup allocates nothing. Replacement is true LRU
// (a use stamp per entry) or tree pseudo-LRU (ways - 1 direction bits per set).

/** Fixed-size set-associative storage; callers pick the set (tag modulo sets) and the kind. */
export class SetAssociativeArray {
  readonly tags: Float64Array;
  readonly asids: Int32Array;
  /** 0 = empty; otherwise the entry's page or coverage shift (1..63). */
  readonly kinds: Uint8Array;
  private readonly stamps: Float64Array;
  /** Tree-PLRU bits, heap-ordered per set: 0 = the victim is in the left half, 1 = right. */
  private readonly tree: Uint8Array;
  private clock = 0;

  constructor(
    readonly sets: number,
    readonly ways: number,
    readonly plru: boolean,
  ) {
    const entries = sets * ways;
    this.tags = new Float64Array(entries);
    this.asids = new Int32Array(entries);
    this.kinds = new Uint8Array(entries);
    this.stamps = new Float64Array(plru ? 0 : entries);
    this.tree = new Uint8Array(plru ? sets * (ways - 1) : 0);
  }

  /** Set index of a tag (tags are page or prefix numbers, up to 2**57: no bitwise ops). */
  setOf(tag: number): number {
    return tag % this.sets;
  }

  /** Slot of the entry (tag, asid, kind) in its set, or -1; does not change replacement state. */
  find(tag: number, asid: number, kind: number): number {
    const base = (tag % this.sets) * this.ways;
    const end = base + this.ways;
    const { tags, asids, kinds } = this;
    for (let slot = base; slot < end; slot++) {
      if (tags[slot] === tag && kinds[slot] === kind && asids[slot] === asid) return slot;
    }
    return -1;
  }

  /** Marks a slot most recently used. */
  touch(slot: number): void {
    if (!this.plru) {
      this.stamps[slot] = ++this.clock;
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

  /** Stores (tag, asid, kind) in its set — in the first empty way, else the policy's victim —
   *  marks it most recently used, and returns its slot. */
  insert(tag: number, asid: number, kind: number): number {
    const slot = this.victim(tag % this.sets);
    this.tags[slot] = tag;
    this.asids[slot] = asid;
    this.kinds[slot] = kind;
    this.touch(slot);
    return slot;
  }

  private victim(set: number): number {
    const base = set * this.ways;
    for (let slot = base; slot < base + this.ways; slot++) if (this.kinds[slot] === 0) return slot;
    if (this.plru) {
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
    let oldest = base;
    for (let slot = base + 1; slot < base + this.ways; slot++) {
      if (this.stamps[slot] < this.stamps[oldest]) oldest = slot;
    }
    return oldest;
  }

  /** Empties one slot (its replacement state is left as is, like a hardware valid bit). */
  invalidate(slot: number): void {
    this.kinds[slot] = 0;
  }

  /** Empties every entry of an address space. */
  invalidateAsid(asid: number): void {
    for (let slot = 0; slot < this.kinds.length; slot++) {
      if (this.kinds[slot] !== 0 && this.asids[slot] === asid) this.kinds[slot] = 0;
    }
  }

  /** Empties the entries of `asid` and `kind` whose tags lie in [firstTag, lastTag]: probes the
   *  sets of those tags when they are fewer than the sets, else scans everything. */
  invalidateTags(asid: number, kind: number, firstTag: number, lastTag: number): void {
    if (lastTag - firstTag + 1 < this.sets) {
      for (let tag = firstTag; tag <= lastTag; tag++) {
        const slot = this.find(tag, asid, kind);
        if (slot >= 0) this.kinds[slot] = 0;
      }
      return;
    }
    for (let slot = 0; slot < this.kinds.length; slot++) {
      const tag = this.tags[slot];
      if (this.kinds[slot] === kind && this.asids[slot] === asid && tag >= firstTag && tag <= lastTag) {
        this.kinds[slot] = 0;
      }
    }
  }

  /** Number of valid entries (for tests and displays). */
  occupancy(): number {
    let n = 0;
    for (let slot = 0; slot < this.kinds.length; slot++) if (this.kinds[slot] !== 0) n++;
    return n;
  }
}
