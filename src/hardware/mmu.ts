// The MMU with TLBs: an L1 TLB level per access type (data, instructions), a unified second
// level, paging-structure caches in front of the page-table walk, and faults raised into the
// kernel. A call translates a run of `repeats` accesses to one page with one lookup: after the
// first access the translation sits in the TLB, so the rest are counted by arithmetic. The
// arrays live in WebAssembly (mmu-core.ts), and so do the walk arrays of page tables built on
// the same core: a TLB miss whose walk needs no fault is looked up, walked and filled in one
// call there. This class keeps the fault protocol, the other walks and the counts.
import { InvalidArgumentError, describeValue } from "../errors";
import type { AccessKind, FaultHandler, Leaf, Mmu, PageTableWalker, WalkResult } from "./translation";
import { DEFAULT_CPU, type CpuName, type CpuPreset } from "./cpu-presets";
import { CountingMmu } from "./counting-mmu";
import { L1D, L1I, L2 } from "./mmu-stats";
import { checkAsid, checkRange, checkTranslateArgs } from "./mmu-args";
import { TlbLevel } from "./tlb-level";
import { POW2, pageNumber } from "./page-numbers";
import { L1_HIT, L1_REFUSED, L2_HIT, L2_REFUSED, MmuCore, WALKED, WRITABLE, ZERO_PAGE, type MmuCoreExports } from "./mmu-core";
import { WalkCache, buildWalkCaches } from "./walk-cache";

/** A fault handler that returns without making the access possible this many times in a row
 *  is a kernel bug; real hardware would retry forever, the simulator stops. */
export const MAX_FAULTS_PER_ACCESS = 4;

/** Address translation through a TLB hierarchy, as a CPU preset describes it. */
export class TlbMmu extends CountingMmu implements Mmu {
  /** The first-level data TLB (one array per page size on Intel, one for all on Zen 2). */
  readonly l1d: TlbLevel;
  /** The first-level instruction TLB. */
  readonly l1i: TlbLevel;
  /** The unified second-level TLB (STLB), shared by data and instruction misses. */
  readonly l2: TlbLevel;
  /** Nearest the leaf first: the order a walk probes them. */
  readonly walkCaches: readonly WalkCache[];
  /** The WebAssembly instance holding every array above (and the walk arrays of page tables
   *  built on it); a lookup of both levels, with the walk and fills on a miss, is one call.
   *  @internal */
  readonly core: MmuCore;
  private readonly wasm: MmuCoreExports;
  /** The walk caches' list in the instance. */
  private readonly walkCacheList: number;
  /** The Leaf every translate returns, overwritten by the next call (no allocation per call). */
  private readonly leaf: Leaf = { pfn: 0, pageShift: 0, writable: false, zeroPage: false };
  /** References and walk-cache depth (0: none) of the last walk. */
  private lastWalkRefs = 0;
  private lastWalkCacheDepth = 0;
  /** TLB fills so far: if unchanged since a lookup missed, the entry is known to be absent
   *  (a fault handler that translates through this MMU could otherwise have added it). */
  private fills = 0;
  /** The base page a fault has just flushed, valid while `fills` still equals its `fills` (-1: none). */
  private readonly flushed = { asid: 0, pageStart: 0, pageEnd: 0, fills: -1 };

  /** Builds an MMU with empty TLBs; throws InvalidArgumentError for a bad preset or geometry. */
  constructor(cpu: CpuPreset | CpuName = DEFAULT_CPU) {
    super(cpu);
    this.core = new MmuCore();
    this.wasm = this.core.wasm;
    this.l1d = new TlbLevel("cpu.l1d", this.cpu.l1d, this.core);
    this.l1i = new TlbLevel("cpu.l1i", this.cpu.l1i, this.core);
    this.l2 = new TlbLevel("cpu.l2", this.cpu.l2, this.core);
    this.walkCaches = buildWalkCaches(this.cpu.walkCaches, this.core);
    this.walkCacheList = this.wasm.newWalkCacheList();
    for (const cache of this.walkCaches) this.wasm.addWalkCache(this.walkCacheList, cache.array.handle, cache.depth);
  }

  /**
   * Translates `repeats` consecutive data accesses to the page holding `vaddr`, faulting into
   * `onFault` until the translation permits the access. Returns the translation; the object is
   * reused by the next call, so copy what you keep.
   */
  translate(asid: number, pageTable: PageTableWalker, vaddr: number, kind: AccessKind, repeats: number, onFault: FaultHandler): Leaf {
    checkTranslateArgs(asid, pageTable, vaddr, kind, repeats, onFault);
    this.counters.accesses += repeats;
    return this.translateThrough(this.l1d, L1D, asid, pageTable, vaddr, kind, repeats, onFault);
  }

  /** Translates `repeats` instruction fetches from the page holding `vaddr` through the
   *  instruction TLB and the shared second level (faults are raised as reads). */
  translateFetch(asid: number, pageTable: PageTableWalker, vaddr: number, repeats: number, onFault: FaultHandler): Leaf {
    checkTranslateArgs(asid, pageTable, vaddr, "read", repeats, onFault);
    this.counters.fetches += repeats;
    return this.translateThrough(this.l1i, L1I, asid, pageTable, vaddr, "read", repeats, onFault);
  }

  private translateThrough(l1: TlbLevel, row: number, asid: number, pageTable: PageTableWalker, vaddr: number, kind: AccessKind, repeats: number, onFault: FaultHandler): Leaf {
    const counters = this.counters;
    const fills = this.fills;
    // L1, then on a miss the L2, whose hit is copied into L1, then (page tables in this core)
    // the walk and both fills: one call into the core.
    const tables = pageTable.walkTables;
    const walkable = tables !== undefined && tables.core === this.core ? tables.handle : 0;
    const found = this.wasm.translateOrWalk(l1.handle, this.l2.handle, this.walkCacheList, walkable, asid, vaddr, kind === "write" ? 1 : 0);
    if (found === L1_HIT) {
      const leaf = this.readLeaf();
      counters.hits[row * 64 + leaf.pageShift] += repeats;
      return leaf;
    }
    if (found === L2_HIT || found === WALKED) {
      // an L1 miss filled from the L2, or from the core's walk after the L2 missed too
      const leaf = this.readLeaf();
      counters.misses[row * 64 + leaf.pageShift] += 1;
      if (found === L2_HIT) counters.hits[L2 * 64 + leaf.pageShift] += 1;
      else {
        counters.misses[L2 * 64 + leaf.pageShift] += 1;
        this.countWalk(this.core.walkRefs(), this.core.walkCacheDepth(), pageTable.levels);
      }
      this.fills++;
      this.countRepeats(l1, row, asid, pageTable, vaddr, leaf.pageShift, repeats - 1);
      return leaf;
    }
    // A write that finds a read-only entry faults from the TLB without a walk (x86 does; it
    // is why Linux has flush_tlb_fix_spurious_fault): counted as a miss, L2 not consulted.
    if (found === L1_REFUSED) return this.resolveByWalk(l1, row, false, true, fills, asid, pageTable, vaddr, kind, repeats, onFault);
    return this.resolveByWalk(l1, row, true, found === L2_REFUSED, fills, asid, pageTable, vaddr, kind, repeats, onFault);
  }

  /** Copies the translation the last lookup found into `this.leaf` and returns it. */
  private readLeaf(): Leaf {
    const leaf = this.leaf;
    const core = this.core;
    const flags = core.leafFlags();
    leaf.pfn = core.leafPfn();
    leaf.pageShift = core.leafShift();
    leaf.writable = (flags & WRITABLE) !== 0;
    leaf.zeroPage = (flags & ZERO_PAGE) !== 0;
    return leaf;
  }

  /** Walks (faulting first if a TLB entry refused the access) until the page table permits the
   *  access, fills both TLB levels, counts the run, and returns the translation. `fills` is the
   *  fill count when the lookups missed. */
  private resolveByWalk(
    l1: TlbLevel, row: number, l2Probed: boolean, faultFirst: boolean, fills: number,
    asid: number, pageTable: PageTableWalker, vaddr: number, kind: AccessKind, repeats: number, onFault: FaultHandler,
  ): Leaf {
    const write = kind === "write";
    let faults = 0;
    // The fill count at which `l1` and the L2 are known to hold nothing for vaddr (both lookups
    // missed, or a fault just dropped it); -1 when unknown. Nothing to drop then on the next fault.
    let cleanAt = l2Probed && !faultFirst ? fills : -1;
    if (faultFirst) {
      cleanAt = this.raiseFault(l1, false, asid, pageTable, vaddr, kind, onFault);
      faults = 1;
    }
    let found = this.walk(asid, pageTable, vaddr).leaf;
    while (found === null || (write && !found.writable)) {
      if (faults === MAX_FAULTS_PER_ACCESS) {
        throw new InvalidArgumentError(
          `onFault returned ${faults} times without making a ${kind} of ${describeValue(vaddr)} possible ` +
            `(asid ${asid}): the fault handler must map the page or throw`,
        );
      }
      cleanAt = this.raiseFault(l1, cleanAt === this.fills, asid, pageTable, vaddr, kind, onFault);
      faults++;
      found = this.walk(asid, pageTable, vaddr).leaf;
    }
    const leaf = this.leaf;
    leaf.pfn = found.pfn;
    leaf.pageShift = found.pageShift;
    leaf.writable = found.writable;
    leaf.zeroPage = found.zeroPage;
    const counters = this.counters;
    counters.misses[row * 64 + leaf.pageShift] += 1;
    if (l2Probed) counters.misses[L2 * 64 + leaf.pageShift] += 1;
    // Both levels missed (or the fault dropped the refusing entry): absent unless something
    // translated through this MMU meanwhile.
    const absent = this.fills === fills;
    const flags = (found.writable ? WRITABLE : 0) | (found.zeroPage ? ZERO_PAGE : 0);
    this.wasm.fillBoth(this.l2.handle, l1.handle, asid, vaddr, found.pfn, found.pageShift, flags, absent ? 1 : 0);
    this.fills++;
    this.countRepeats(l1, row, asid, pageTable, vaddr, leaf.pageShift, repeats - 1);
    return leaf;
  }

  /** Counts `n` more accesses to a page just translated: L1 hits if an L1 array holds its
   *  size, else L2 hits, else one walk each (no TLB keeps the translation). */
  private countRepeats(l1: TlbLevel, row: number, asid: number, pageTable: PageTableWalker, vaddr: number, shift: number, n: number): void {
    if (n <= 0) return;
    const counters = this.counters;
    if (l1.holds(shift)) {
      counters.hits[row * 64 + shift] += n;
      return;
    }
    counters.misses[row * 64 + shift] += n;
    if (this.l2.holds(shift)) {
      counters.hits[L2 * 64 + shift] += n;
      return;
    }
    counters.misses[L2 * 64 + shift] += n;
    // The first repeat walk hits the walk-cache entry the resolving walk left and changes
    // nothing else, so every later walk repeats its counts exactly.
    this.walk(asid, pageTable, vaddr);
    const rest = n - 1;
    counters.walks += rest;
    counters.walkRefs += rest * this.lastWalkRefs;
    if (this.lastWalkCacheDepth > 0) counters.walkCacheHits[this.lastWalkCacheDepth] += rest;
  }

  /** One page-table walk: reads the entries the walk caches cannot supply, caches the upper
   *  entries it read, counts the references, and returns the walker's result. */
  private walk(asid: number, pageTable: PageTableWalker, vaddr: number): WalkResult {
    const result = pageTable.walk(vaddr);
    const levels = pageTable.levels;
    const read = result.levelsRead;
    const hitDepth = this.wasm.probeWalkCaches(this.walkCacheList, asid, vaddr, read, levels, pageTable.basePageShift, pageTable.bitsPerLevel);
    // A hit at depth d supplies the entries of the top `levels - d` levels.
    this.countWalk(read - (levels - hitDepth), hitDepth, levels);
    return result;
  }

  /** Counts one walk of a `levels`-level table that read `refs` entries from memory, with the
   *  walk cache at `hitDepth` supplying the rest (`levels`: none did). */
  private countWalk(refs: number, hitDepth: number, levels: number): void {
    const counters = this.counters;
    counters.walks++;
    counters.walkRefs += refs;
    if (hitDepth < levels) counters.walkCacheHits[hitDepth]++;
    this.lastWalkRefs = refs;
    this.lastWalkCacheDepth = hitDepth < levels ? hitDepth : 0;
  }

  /** Raises a fault into the kernel after dropping the page's cached translations (skipping
   *  `l1` and the L2 when `clean`: they are known to hold none); returns the fill count at which
   *  the TLBs were clean, just before the handler ran. */
  private raiseFault(l1: TlbLevel, clean: boolean, asid: number, pageTable: PageTableWalker, vaddr: number, kind: AccessKind, onFault: FaultHandler): number {
    this.counters.faults++;
    // Intel SDM Vol. 3A §4.10.4.1: a page fault invalidates the TLB entries for the faulting
    // page and the paging-structure-cache entries a walk of that address would use.
    // One call: a level known to hold nothing for vaddr is passed as 0 (skipped).
    this.wasm.flushForFault(
      !clean || l1 !== this.l1d ? this.l1d.handle : 0,
      !clean || l1 !== this.l1i ? this.l1i.handle : 0,
      clean ? 0 : this.l2.handle,
      this.walkCacheList, asid, vaddr, pageTable.basePageShift, pageTable.bitsPerLevel,
    );
    const cleanAt = this.fills;
    // While the handler runs, the faulting base page is known absent from every TLB (until a fill).
    const flushed = this.flushed;
    flushed.asid = asid;
    const pageBytes = POW2[pageTable.basePageShift]; // a table, not `2 **` (a pow call per fault)
    flushed.pageStart = pageNumber(vaddr, pageTable.basePageShift) * pageBytes;
    flushed.pageEnd = flushed.pageStart + pageBytes;
    flushed.fills = cleanAt;
    try {
      onFault(vaddr, kind);
    } finally {
      flushed.fills = -1;
    }
    return cleanAt;
  }

  /** Drops every cached translation of [start, start + length) in address space `asid`, and
   *  all its walk-cache entries (INVLPG drops every paging-structure-cache entry of the PCID,
   *  Intel SDM Vol. 3A §4.10.4.1). */
  invalidateRange(asid: number, start: number, length: number): void {
    checkRange(asid, start, length);
    if (length === 0) return;
    const end = start + length;
    const f = this.flushed;
    // The kernel flushing the page whose fault it is handling: the fault already dropped every TLB
    // entry covering that base page and nothing was filled since, so only the walk caches remain.
    const alreadyFlushed = f.fills === this.fills && asid === f.asid && start >= f.pageStart && end <= f.pageEnd;
    const wasm = this.wasm;
    if (alreadyFlushed) wasm.flushRange(0, 0, 0, this.walkCacheList, asid, start, end);
    else wasm.flushRange(this.l1d.handle, this.l1i.handle, this.l2.handle, this.walkCacheList, asid, start, end);
  }

  /** Drops every cached translation and walk-cache entry of address space `asid`. */
  invalidateAsid(asid: number): void {
    checkAsid(asid);
    this.l1d.invalidateAsid(asid);
    this.l1i.invalidateAsid(asid);
    this.l2.invalidateAsid(asid);
    for (const cache of this.walkCaches) cache.invalidateAsid(asid);
  }
}
