// The main arena's memory: one contiguous brk heap, grown with sbrk by what a request needs plus
// top_pad, and trimmed back with a negative sbrk when a free leaves a large top chunk.
import { UnsupportedError } from "../errors";
import type { Arena, ArenaGrowth } from "./arena";
import { createSegment } from "./chunk";
import { alignDown, alignUp, MALLOC_ALIGNMENT, MINSIZE } from "./constants";
import type { MallocParams } from "./params";
import type { Syscalls } from "./syscalls";

export class MainHeap implements ArenaGrowth {
  /** glibc mp_.sbrk_base: where the heap began (null until the first sbrk). */
  sbrkBase: number | null = null;

  constructor(
    private readonly sys: Syscalls,
    private readonly params: MallocParams,
  ) {}

  /** fork(): the child's main heap starts where the parent's did. */
  inheritFrom(parent: MainHeap): void {
    this.sbrkBase = parent.sbrkBase;
  }

  /** sysmalloc, main arena: sbrk(page_align(nb + top_pad + MINSIZE - old_top_size)) (REFERENCE §1.2). */
  grow(arena: Arena, nb: number): boolean {
    const page = this.sys.pageSize;
    const top = arena.top;
    if (!top) return this.createHeap(arena, nb);
    const end = top.addr + top.size;
    // glibc copes with foreign sbrk by starting a non-contiguous region; this model owns the break
    if (this.sys.currentBreak() !== end) {
      throw new UnsupportedError(`glibc model: the program break moved behind malloc's back (heap ends at 0x${end.toString(16)})`);
    }
    const size = alignUp(nb + this.params.topPad + MINSIZE - top.size, page);
    if (this.sys.sbrk(size) === null) return false;
    top.size += size;
    top.segment.end += size;
    arena.addSystemMem(size);
    arena.writeHead(top);
    return true;
  }

  /** glibc systrim: after a free, a top chunk >= trim_threshold shrinks to top_pad (REFERENCE §1.5). */
  trimAfterFree(arena: Arena): void {
    const top = arena.top;
    if (!top || top.size < this.params.trimThreshold) return;
    const topArea = top.size - MINSIZE - 1;
    if (topArea <= this.params.topPad) return;
    const extra = alignDown(topArea - this.params.topPad, this.sys.pageSize);
    if (extra === 0 || this.sys.currentBreak() !== top.addr + top.size) return;
    if (this.sys.sbrk(-extra) === null) return;
    top.size -= extra;
    top.segment.end -= extra;
    arena.systemMem -= extra;
    arena.writeHead(top);
  }

  /** glibc calloc: memory beyond sbrk_base + max_system_mem was never handed out (REFERENCE §1.4). */
  everObtainedEnd(arena: Arena): number {
    return (this.sbrkBase ?? 0) + arena.maxSystemMem;
  }

  // The first sbrk: the heap starts at the current break (aligned) and ends page-aligned.
  private createHeap(arena: Arena, nb: number): boolean {
    const base = this.sys.currentBreak();
    const start = alignUp(base, MALLOC_ALIGNMENT);
    const end = alignUp(start + nb + this.params.topPad + MINSIZE, this.sys.pageSize);
    if (this.sys.sbrk(end - base) === null) return false;
    this.sbrkBase = base;
    const top = createSegment(base, start, end, "top");
    arena.segments.push(top.segment);
    arena.top = top;
    arena.addSystemMem(end - base);
    arena.writeHead(top);
    return true;
  }
}
