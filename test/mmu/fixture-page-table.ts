// A small radix page table for MMU tests (the kernel's real one lives in src/kernel): leaves
// of any level's size, table pointers implied by the leaves below them, and a Linux-like fault
// handler (read -> zero page, write -> fresh writable page, write to zero page -> replace and
// invalidate the TLB).
import type { FaultHandler, Leaf, Mmu, PageTableWalker, WalkResult } from "../../src/hardware/translation";
import { SegmentationFault } from "../../src/errors";

export interface FixtureShape {
  levels?: number;
  basePageShift?: number;
  bitsPerLevel?: number;
}

export class FixturePageTable implements PageTableWalker {
  readonly levels: number;
  readonly basePageShift: number;
  readonly bitsPerLevel: number;
  walks = 0;
  private readonly leaves = new Map<string, Leaf>();
  private readonly tables = new Set<string>();

  constructor(shape: FixtureShape = {}) {
    this.levels = shape.levels ?? 4;
    this.basePageShift = shape.basePageShift ?? 12;
    this.bitsPerLevel = shape.bitsPerLevel ?? 9;
  }

  private coverShift(depth: number): number {
    return this.basePageShift + this.bitsPerLevel * depth;
  }

  /** Maps the page of 2**pageShift bytes holding vaddr. */
  map(vaddr: number, leaf: Leaf): void {
    const depth = (leaf.pageShift - this.basePageShift) / this.bitsPerLevel;
    if (!Number.isInteger(depth) || depth < 0 || depth >= this.levels) throw new Error(`bad page shift ${leaf.pageShift}`);
    this.leaves.set(`${depth}:${Math.floor(vaddr / 2 ** leaf.pageShift)}`, { ...leaf });
    for (let d = depth + 1; d < this.levels; d++) this.tables.add(`${d}:${Math.floor(vaddr / 2 ** this.coverShift(d))}`);
  }

  /** The leaf covering vaddr, if any. */
  leafAt(vaddr: number): Leaf | undefined {
    for (let depth = 0; depth < this.levels; depth++) {
      const leaf = this.leaves.get(`${depth}:${Math.floor(vaddr / 2 ** this.coverShift(depth))}`);
      if (leaf) return leaf;
    }
    return undefined;
  }

  walk(vaddr: number): WalkResult {
    this.walks++;
    for (let i = 0; i < this.levels; i++) {
      const depth = this.levels - 1 - i;
      const prefix = Math.floor(vaddr / 2 ** this.coverShift(depth));
      const leaf = this.leaves.get(`${depth}:${prefix}`);
      if (leaf) return { leaf: { ...leaf }, levelsRead: i + 1 };
      if (depth === 0 || !this.tables.has(`${depth}:${prefix}`)) return { leaf: null, levelsRead: i + 1 };
    }
    throw new Error("unreachable");
  }
}

export interface Region {
  start: number;
  length: number;
  pageShift: number;
}

/** A Linux-like fault handler over `regions` (each mapped with one page size). */
export function linuxLikeFaults(pt: FixturePageTable, mmu: Mmu, asid: number, regions: Region[]): FaultHandler & { pfns: number } {
  let nextPfn = 1000;
  const handler = ((vaddr, kind) => {
    const region = regions.find((r) => vaddr >= r.start && vaddr < r.start + r.length);
    if (!region) throw new SegmentationFault(`no mapping at ${vaddr}`, vaddr);
    const size = 2 ** region.pageShift;
    const existing = pt.leafAt(vaddr);
    const fresh = (): Leaf => {
      const pfn = nextPfn;
      nextPfn += size / 2 ** pt.basePageShift;
      handler.pfns = nextPfn;
      return { pfn, pageShift: region.pageShift, writable: true, zeroPage: false };
    };
    if (!existing) {
      // do_anonymous_page: a read maps the zero page, a write a fresh page (REFERENCE §3.1)
      pt.map(vaddr, kind === "read" ? { pfn: 0, pageShift: region.pageShift, writable: false, zeroPage: true } : fresh());
      return;
    }
    if (kind === "write" && !existing.writable) {
      // wp_page_copy replaces the zero-page PTE, then flushes the stale translation (REFERENCE §3.2)
      pt.map(vaddr, fresh());
      mmu.invalidateRange(asid, Math.floor(vaddr / size) * size, size);
    }
  }) as FaultHandler & { pfns: number };
  handler.pfns = nextPfn;
  return handler;
}
