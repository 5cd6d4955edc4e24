// A reference MMU written for obviousness, not speed: TLB entries are objects, sets are arrays,
// LRU is a recency list, pseudo-LRU a map of tree nodes, and a run of `repeats` accesses is
// translated one access at a time. Tests check that TlbMmu's typed arrays and run arithmetic
// count exactly what this one counts.
import { InvalidArgumentError, describeValue } from "../errors";
import type { AccessKind, FaultHandler, Leaf, Mmu, PageTableWalker } from "./translation";
import { DEFAULT_CPU, type CpuName, type CpuPreset } from "./cpu-presets";
import { CountingMmu } from "./counting-mmu";
import { L1D, L1I, L2 } from "./mmu-stats";
import { checkAsid, checkRange, checkTranslateArgs } from "./mmu-args";
import { MAX_FAULTS_PER_ACCESS } from "./mmu";
import { checkTlbLevel, checkWalkCaches, pageShiftOf } from "./tlb-geometry";

interface Entry {
  tag: number;
  asid: number;
  /** Page shift (TLB) or coverage shift (walk cache). */
  kind: number;
  leaf: Leaf | null;
}

/** One set: `ways` positions, a recency list (most recent first) and pseudo-LRU tree nodes. */
class NaiveSet {
  readonly slots: (Entry | null)[];
  recency: number[] = [];
  readonly victimIsRight = new Map<string, boolean>();

  constructor(readonly ways: number, readonly plru: boolean) {
    this.slots = new Array<Entry | null>(ways).fill(null);
  }

  use(way: number): void {
    this.recency = [way, ...this.recency.filter((w) => w !== way)];
    this.point(0, this.ways, way);
  }

  // Each node on the way's path now points the victim search at the other half.
  private point(lo: number, hi: number, way: number): void {
    if (hi - lo <= 1) return;
    const mid = (lo + hi) / 2;
    this.victimIsRight.set(`${lo}-${hi}`, way < mid);
    if (way < mid) this.point(lo, mid, way);
    else this.point(mid, hi, way);
  }

  victim(): number {
    const empty = this.slots.indexOf(null);
    if (empty >= 0) return empty;
    if (!this.plru) return this.recency[this.recency.length - 1];
    let lo = 0;
    let hi = this.ways;
    while (hi - lo > 1) {
      const mid = (lo + hi) / 2;
      if (this.victimIsRight.get(`${lo}-${hi}`) === true) lo = mid;
      else hi = mid;
    }
    return lo;
  }
}

class NaiveCache {
  readonly sets: NaiveSet[];

  constructor(entries: number, ways: number, plru: boolean, readonly kinds: readonly number[]) {
    this.sets = Array.from({ length: entries / ways }, () => new NaiveSet(ways, plru));
  }

  private setFor(tag: number): NaiveSet {
    return this.sets[tag % this.sets.length];
  }

  /** The entry for (tag, asid, kind) and its way, if present. */
  find(tag: number, asid: number, kind: number): { set: NaiveSet; way: number; entry: Entry } | null {
    const set = this.setFor(tag);
    const way = set.slots.findIndex((e) => e !== null && e.tag === tag && e.asid === asid && e.kind === kind);
    return way < 0 ? null : { set, way, entry: set.slots[way]! };
  }

  put(entry: Entry): void {
    const found = this.find(entry.tag, entry.asid, entry.kind);
    if (found) {
      found.set.slots[found.way] = entry;
      found.set.use(found.way);
      return;
    }
    const set = this.setFor(entry.tag);
    const way = set.victim();
    set.slots[way] = entry;
    set.use(way);
  }

  removeWhere(test: (e: Entry) => boolean): void {
    for (const set of this.sets) {
      set.slots.forEach((e, way) => {
        if (e !== null && test(e)) set.slots[way] = null;
      });
    }
  }
}

/** A reference implementation of the Mmu contract with TlbMmu's counting rules, one access at
 *  a time. Slow by design; use it to check TlbMmu, not to run experiments. */
export class NaiveMmu extends CountingMmu implements Mmu {
  private readonly levels: NaiveCache[][];
  private readonly walkCaches = new Map<number, NaiveCache>();

  /** Builds the reference MMU for a preset; throws InvalidArgumentError on a bad geometry. */
  constructor(cpu: CpuPreset | CpuName = DEFAULT_CPU) {
    super(cpu);
    const build = (configs: CpuPreset["l1d"], name: string) => {
      checkTlbLevel(configs, name);
      return configs.map((c) => new NaiveCache(c.entries, c.ways, c.replacement === "plru",
        c.pageSizes.map((s) => pageShiftOf(s, "pageSizes"))));
    };
    this.levels = [build(this.cpu.l1d, "cpu.l1d"), build(this.cpu.l1i, "cpu.l1i"), build(this.cpu.l2, "cpu.l2")];
    checkWalkCaches(this.cpu.walkCaches, "cpu.walkCaches");
    for (const w of this.cpu.walkCaches) this.walkCaches.set(w.depth, new NaiveCache(w.entries, w.ways, w.replacement === "plru", []));
  }

  /** Translates `repeats` data accesses, each with a full lookup; returns a fresh Leaf. */
  translate(asid: number, pageTable: PageTableWalker, vaddr: number, kind: AccessKind, repeats: number, onFault: FaultHandler): Leaf {
    checkTranslateArgs(asid, pageTable, vaddr, kind, repeats, onFault);
    let leaf: Leaf | null = null;
    for (let i = 0; i < repeats; i++) {
      this.counters.accesses++;
      leaf = this.accessOnce(L1D, asid, pageTable, vaddr, kind, onFault);
    }
    return leaf!;
  }

  /** Translates `repeats` instruction fetches through the instruction TLB. */
  translateFetch(asid: number, pageTable: PageTableWalker, vaddr: number, repeats: number, onFault: FaultHandler): Leaf {
    checkTranslateArgs(asid, pageTable, vaddr, "read", repeats, onFault);
    let leaf: Leaf | null = null;
    for (let i = 0; i < repeats; i++) {
      this.counters.fetches++;
      leaf = this.accessOnce(L1I, asid, pageTable, vaddr, "read", onFault);
    }
    return leaf!;
  }

  private lookup(level: number, asid: number, vaddr: number) {
    for (const cache of this.levels[level]) {
      for (const shift of cache.kinds) {
        const found = cache.find(Math.floor(vaddr / 2 ** shift), asid, shift);
        if (found) return found;
      }
    }
    return null;
  }

  private fill(level: number, asid: number, vaddr: number, leaf: Leaf): void {
    const cache = this.levels[level].find((c) => c.kinds.includes(leaf.pageShift));
    cache?.put({ tag: Math.floor(vaddr / 2 ** leaf.pageShift), asid, kind: leaf.pageShift, leaf: { ...leaf } });
  }

  private accessOnce(row: number, asid: number, pt: PageTableWalker, vaddr: number, kind: AccessKind, onFault: FaultHandler): Leaf {
    const c = this.counters;
    const permits = (leaf: Leaf) => kind === "read" || leaf.writable;
    const inL1 = this.lookup(row, asid, vaddr);
    if (inL1 && permits(inL1.entry.leaf!)) {
      inL1.set.use(inL1.way);
      c.hits[row * 64 + inL1.entry.kind]++;
      return { ...inL1.entry.leaf! };
    }
    let l2Probed = false;
    let refused = inL1 !== null;
    if (!inL1) {
      l2Probed = true;
      const inL2 = this.lookup(L2, asid, vaddr);
      if (inL2 && permits(inL2.entry.leaf!)) {
        inL2.set.use(inL2.way);
        c.misses[row * 64 + inL2.entry.kind]++;
        c.hits[L2 * 64 + inL2.entry.kind]++;
        this.fill(row, asid, vaddr, inL2.entry.leaf!);
        return { ...inL2.entry.leaf! };
      }
      refused = inL2 !== null;
    }
    let faults = 0;
    if (refused) {
      this.raise(asid, pt, vaddr, kind, onFault);
      faults++;
    }
    let leaf = this.walk(asid, pt, vaddr);
    while (leaf === null || !permits(leaf)) {
      if (faults === MAX_FAULTS_PER_ACCESS) {
        throw new InvalidArgumentError(`onFault returned ${faults} times without making a ${kind} of ${describeValue(vaddr)} possible`);
      }
      this.raise(asid, pt, vaddr, kind, onFault);
      faults++;
      leaf = this.walk(asid, pt, vaddr);
    }
    c.misses[row * 64 + leaf.pageShift]++;
    if (l2Probed) c.misses[L2 * 64 + leaf.pageShift]++;
    this.fill(L2, asid, vaddr, leaf);
    this.fill(row, asid, vaddr, leaf);
    return { ...leaf };
  }

  private walk(asid: number, pt: PageTableWalker, vaddr: number): Leaf | null {
    const result = pt.walk(vaddr);
    const leaf = result.leaf === null ? null : { ...result.leaf };
    const tagAt = (depth: number) => Math.floor(vaddr / 2 ** (pt.basePageShift + pt.bitsPerLevel * depth));
    const kindAt = (depth: number) => pt.basePageShift + pt.bitsPerLevel * depth;
    // Entries at depths levelsRead-levels+1 .. levels-1 were pointers this walk went through.
    const readDepths: number[] = [];
    for (let depth = pt.levels - result.levelsRead + 1; depth <= pt.levels - 1; depth++) readDepths.push(depth);
    let skipped = 0;
    let hitDepth: number | null = null;
    for (const depth of readDepths) {
      const found = this.walkCaches.get(depth)?.find(tagAt(depth), asid, kindAt(depth));
      if (found) {
        found.set.use(found.way);
        hitDepth = depth;
        skipped = pt.levels - depth;
        break;
      }
    }
    this.counters.walks++;
    this.counters.walkRefs += result.levelsRead - skipped;
    if (hitDepth !== null) this.counters.walkCacheHits[hitDepth]++;
    for (const depth of readDepths) {
      if (hitDepth !== null && depth >= hitDepth) break;
      this.walkCaches.get(depth)?.put({ tag: tagAt(depth), asid, kind: kindAt(depth), leaf: null });
    }
    return leaf;
  }

  private raise(asid: number, pt: PageTableWalker, vaddr: number, kind: AccessKind, onFault: FaultHandler): void {
    this.counters.faults++;
    this.drop(asid, vaddr, vaddr + 1);
    for (const [depth, cache] of this.walkCaches) {
      const shift = pt.basePageShift + pt.bitsPerLevel * depth;
      cache.removeWhere((e) => e.asid === asid && e.kind === shift && e.tag === Math.floor(vaddr / 2 ** shift));
    }
    onFault(vaddr, kind);
  }

  private drop(asid: number, start: number, end: number): void {
    for (const level of this.levels) {
      for (const cache of level) {
        cache.removeWhere((e) => e.asid === asid && e.tag * 2 ** e.kind < end && (e.tag + 1) * 2 ** e.kind > start);
      }
    }
  }

  /** Drops the translations of [start, start + length) and all walk-cache entries of `asid`. */
  invalidateRange(asid: number, start: number, length: number): void {
    checkRange(asid, start, length);
    if (length === 0) return;
    this.drop(asid, start, start + length);
    for (const cache of this.walkCaches.values()) cache.removeWhere((e) => e.asid === asid);
  }

  /** Drops everything cached for `asid`. */
  invalidateAsid(asid: number): void {
    checkAsid(asid);
    for (const level of this.levels) for (const cache of level) cache.removeWhere((e) => e.asid === asid);
    for (const cache of this.walkCaches.values()) cache.removeWhere((e) => e.asid === asid);
  }
}
