// Virtual memory areas: a sorted list of non-overlapping [start, end) ranges with their
// protection and flags, split and merged the way Linux's mmap/munmap/mprotect/madvise do.

/** A mapping's protection: PROT_NONE (a reservation), PROT_READ, or PROT_READ | PROT_WRITE. */
export type Prot = "none" | "read" | "read-write";

export interface Vma {
  start: number;
  end: number;
  prot: Prot;
  /** MADV_HUGEPAGE was applied (VmFlags "hg"). */
  hugepage: boolean;
  /** MADV_NOHUGEPAGE was applied (VmFlags "nh"). */
  nohugepage: boolean;
  /** VM_ACCOUNT: the VMA's size is charged to Committed_AS (private writable at some point). */
  accounted: boolean;
  /** "[heap]" for the brk area, a caller-given label otherwise. */
  name?: string;
}

/** Returns true when two VMAs could be one (Linux's is_mergeable_vma for anonymous memory). */
function compatible(a: Vma, b: Vma): boolean {
  return (
    a.prot === b.prot &&
    a.hugepage === b.hugepage &&
    a.nohugepage === b.nohugepage &&
    a.accounted === b.accounted &&
    a.name === b.name
  );
}

export class VmaList {
  private list: Vma[] = [];

  /** Returns the VMAs in address order (live objects: do not mutate). */
  all(): readonly Vma[] {
    return this.list;
  }

  /** Returns the VMA containing `addr`, if any. */
  find(addr: number): Vma | undefined {
    const i = this.indexAfter(addr) - 1;
    const vma = this.list[i];
    return vma && addr < vma.end ? vma : undefined;
  }

  /** Returns the VMAs that overlap [start, end), in order. */
  overlapping(start: number, end: number): Vma[] {
    const out: Vma[] = [];
    for (let i = Math.max(0, this.indexAfter(start) - 1); i < this.list.length && this.list[i].start < end; i++) {
      if (this.list[i].end > start) out.push(this.list[i]);
    }
    return out;
  }

  /** Returns the first address in [start, end) not covered by a VMA satisfying `ok`, or null. */
  firstGap(start: number, end: number, ok: (vma: Vma) => boolean = () => true): number | null {
    // The common case, one VMA holding the whole range (every checked access), without listing
    // the overlapping ones
    const holder = this.find(start);
    if (holder !== undefined && end <= holder.end && ok(holder)) return null;
    let cursor = start;
    for (const vma of this.overlapping(start, end)) {
      if (vma.start > cursor || !ok(vma)) return cursor;
      cursor = vma.end;
    }
    return cursor < end ? cursor : null;
  }

  /** Adds a VMA that overlaps none. */
  insert(vma: Vma): void {
    this.list.splice(this.indexAfter(vma.start), 0, vma);
  }

  /** Splits the VMA strictly containing `addr` into two at `addr`. */
  splitAt(addr: number): void {
    const vma = this.find(addr);
    if (!vma || vma.start === addr) return;
    const upper: Vma = { ...vma, start: addr };
    vma.end = addr;
    this.insert(upper);
  }

  /** Splits VMAs at `start` and `end` and returns those now lying inside [start, end). */
  isolate(start: number, end: number): Vma[] {
    this.splitAt(start);
    this.splitAt(end);
    return this.overlapping(start, end);
  }

  /** Removes the VMAs inside [start, end) (call isolate first) and returns them. */
  remove(start: number, end: number): Vma[] {
    const removed = this.overlapping(start, end);
    this.list = this.list.filter((vma) => vma.end <= start || vma.start >= end);
    return removed;
  }

  /** Merges compatible neighbours touching [start, end) (vma_merge). */
  mergeAround(start: number, end: number): void {
    const merged: Vma[] = [];
    for (const vma of this.list) {
      const last = merged[merged.length - 1];
      const touchesRange = vma.start <= end && vma.end >= start;
      if (last && touchesRange && last.end === vma.start && last.end >= start && compatible(last, vma)) last.end = vma.end;
      else merged.push(vma);
    }
    this.list = merged;
  }

  /**
   * Returns the highest `align`-aligned start of a free range of `length` bytes inside
   * [floor, ceiling) (top-down placement, Linux's unmapped_area_topdown), or null.
   */
  findGapTopDown(length: number, align: number, floor: number, ceiling: number): number | null {
    let gapEnd = ceiling;
    for (let i = this.list.length - 1; i >= -1; i--) {
      const vma = this.list[i];
      if (vma && vma.start >= gapEnd) continue;
      const gapStart = vma ? Math.max(vma.end, floor) : floor;
      const candidate = Math.floor((gapEnd - length) / align) * align;
      if (candidate >= gapStart) return candidate;
      if (!vma) return null;
      gapEnd = Math.min(gapEnd, vma.start);
      if (gapEnd <= floor) return null;
    }
    return null;
  }

  private indexAfter(addr: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.list[mid].start <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
