// A thread arena's memory (glibc arena.c, REFERENCE §1.5): heaps of HEAP_MAX_SIZE (64 MiB) reserved PROT_NONE,
// aligned to 64 MiB, made read-write with mprotect as they grow; a full heap chains a new one.
// Freed memory goes back with madvise(MADV_DONTNEED), and a later heap that becomes entirely
// free is munmapped. The arena's first heap (it holds the arena itself) stays, as in glibc.
import type { Arena, ArenaGrowth } from "./arena";
import { absorbNext, createSegment, splitChunk, type Chunk, type ChunkCopy, type Segment } from "./chunk";
import {
  alignDown,
  alignUp,
  CHUNK_HDR_SZ,
  HEAP_INFO_SIZE,
  HEAP_MAX_SIZE,
  HEAP_MIN_SIZE,
  MALLOC_ALIGNMENT,
  MALLOC_STATE_SIZE,
  MINSIZE,
} from "./constants";
import type { MallocParams } from "./params";
import type { Syscalls } from "./syscalls";
import { storeWords } from "./words";

interface Heap {
  segment: Segment;
  /** glibc heap_info.mprotect_size: bytes ever made read-write (never lowered by shrinking). */
  mprotectSize: number;
}

export class ThreadHeaps implements ArenaGrowth {
  private readonly heaps: Heap[] = [];

  constructor(
    private readonly sys: Syscalls,
    private readonly params: MallocParams,
  ) {}

  /** fork(): the child's copy of `parent`'s heaps (the same reservations, segments from `copy`). */
  inheritFrom(parent: ThreadHeaps, copy: ChunkCopy): void {
    for (const heap of parent.heaps) this.heaps.push({ segment: copy.segment(heap.segment), mprotectSize: heap.mprotectSize });
  }

  /** Reservations currently held (start addresses), for display and checks. */
  get reservations(): number[] {
    return this.heaps.map((h) => h.segment.start);
  }

  /** sysmalloc for a thread arena: create the arena, grow its heap, or chain a new heap. */
  grow(arena: Arena, nb: number): boolean {
    const top = arena.top;
    if (!top) return this.createArena(arena, nb);
    const heap = this.heaps[this.heaps.length - 1];
    const oldTopSize = top.size;
    // glibc sysmalloc: grow_heap(h, MINSIZE + nb - old_size) — no top_pad when growing in place
    const grown = this.growHeap(heap, MINSIZE + nb - oldTopSize);
    if (grown > 0) {
      top.size += grown;
      arena.addSystemMem(grown);
      arena.writeHead(top);
      return true;
    }
    const fresh = this.newHeap(nb + MINSIZE + HEAP_INFO_SIZE);
    if (!fresh) return false;
    const newTop = createSegment(fresh.start, fresh.start + HEAP_INFO_SIZE, fresh.start + fresh.size, "top");
    this.heaps.push({ segment: newTop.segment, mprotectSize: fresh.size });
    arena.segments.push(newTop.segment);
    arena.addSystemMem(fresh.size);
    storeWords(this.sys.host, fresh.start, arena.index, heap.segment.start, fresh.size, fresh.size);
    arena.top = newTop;
    arena.writeHead(newTop);
    this.fencepostOldTop(arena, top);
    return true;
  }

  /**
   * glibc heap_trim: drop wholly free later heaps (munmap), then shrink the top heap past
   * trim_threshold with MADV_DONTNEED, keeping top_pad (REFERENCE §1.5).
   */
  trimAfterFree(arena: Arena): void {
    const pad = this.params.topPad;
    const page = this.sys.pageSize;
    while (this.heaps.length > 1 && arena.top && arena.top.addr === this.lastHeap().segment.firstChunk) {
      const heap = this.lastHeap();
      const prevHeap = this.heaps[this.heaps.length - 2];
      const fence = prevHeap.segment.tail;
      if (!fence) break;
      const before = fence.prev && fence.prev.state === "free" ? fence.prev : null;
      const newSize = fence.size + (before ? before.size : 0);
      const prevHeapSize = prevHeap.segment.end - prevHeap.segment.start;
      // glibc heap_trim: keep this heap if the previous one has too little room left to be worth it
      if (newSize + (HEAP_MAX_SIZE - prevHeapSize) < pad + MINSIZE + page) break;
      arena.systemMem -= heap.segment.end - heap.segment.start;
      this.sys.munmap(heap.segment.start, HEAP_MAX_SIZE);
      this.heaps.pop();
      arena.segments.splice(arena.segments.indexOf(heap.segment), 1);
      let newTop = fence;
      if (before) {
        arena.bins.remove(before);
        newTop = absorbNext(before);
      }
      newTop.state = "top";
      arena.top = newTop;
      arena.writeHead(newTop);
    }
    const top = arena.top;
    if (!top || top.size < this.params.trimThreshold) return;
    const topArea = top.size - MINSIZE - 1;
    if (topArea <= pad) return;
    const extra = alignDown(topArea - pad, page);
    if (extra === 0) return;
    // glibc shrink_heap: MADV_DONTNEED the tail; it stays read-write (mprotect_size unchanged)
    const segment = this.lastHeap().segment;
    segment.end -= extra;
    this.sys.dontneed(segment.end, extra);
    arena.systemMem -= extra;
    top.size -= extra;
    arena.writeHead(top);
  }

  /** glibc calloc: beyond heap + mprotect_size, memory was never writable, hence zero (REFERENCE §1.4). */
  everObtainedEnd(arena: Arena): number {
    const top = arena.top;
    const heap = top ? this.heaps.find((h) => h.segment === top.segment) : undefined;
    return heap ? heap.segment.start + heap.mprotectSize : 0;
  }

  // glibc _int_new_arena: the first heap holds heap_info, then malloc_state, then the top chunk.
  private createArena(arena: Arena, nb: number): boolean {
    const header = HEAP_INFO_SIZE + MALLOC_STATE_SIZE;
    const fresh = this.newHeap(nb + header + MALLOC_ALIGNMENT) ?? this.newHeap(header + MALLOC_ALIGNMENT);
    if (!fresh) return false;
    const firstChunk = alignUp(fresh.start + header + CHUNK_HDR_SZ, MALLOC_ALIGNMENT) - CHUNK_HDR_SZ;
    const top = createSegment(fresh.start, firstChunk, fresh.start + fresh.size, "top");
    this.heaps.push({ segment: top.segment, mprotectSize: fresh.size });
    arena.segments.push(top.segment);
    arena.addSystemMem(fresh.size);
    // malloc_init_state writes the whole arena struct (bins point at themselves)
    this.sys.memset(fresh.start + HEAP_INFO_SIZE, 0, MALLOC_STATE_SIZE);
    storeWords(this.sys.host, fresh.start, arena.index, 0, fresh.size, fresh.size);
    arena.top = top;
    arena.writeHead(top);
    return true;
  }

  // glibc new_heap: size rounded to HEAP_MIN_SIZE..HEAP_MAX_SIZE with top_pad, then a 2 x 64 MiB
  // PROT_NONE mapping trimmed to one 64 MiB-aligned reservation whose first `size` bytes become RW.
  private newHeap(request: number): { start: number; size: number } | null {
    const pad = this.params.topPad;
    let size: number;
    if (request + pad < HEAP_MIN_SIZE) size = HEAP_MIN_SIZE;
    else if (request + pad <= HEAP_MAX_SIZE) size = request + pad;
    else if (request > HEAP_MAX_SIZE) return null;
    else size = HEAP_MAX_SIZE;
    size = alignUp(size, this.sys.pageSize);
    const raw = this.sys.mmap(2 * HEAP_MAX_SIZE, "none", "glibc thread-arena heap");
    if (raw === null) return null;
    const start = alignUp(raw, HEAP_MAX_SIZE);
    if (start > raw) this.sys.munmap(raw, start - raw);
    const rawEnd = raw + 2 * HEAP_MAX_SIZE;
    if (rawEnd > start + HEAP_MAX_SIZE) this.sys.munmap(start + HEAP_MAX_SIZE, rawEnd - start - HEAP_MAX_SIZE);
    if (!this.sys.mprotect(start, size, "read-write")) {
      this.sys.munmap(start, HEAP_MAX_SIZE);
      return null;
    }
    return { start, size };
  }

  // glibc grow_heap: extend h->size (page-aligned), mprotecting RW past mprotect_size; returns the
  // bytes added, 0 when the 64 MiB reservation is exhausted or the kernel refuses.
  private growHeap(heap: Heap, diff: number): number {
    const segment = heap.segment;
    const oldSize = segment.end - segment.start;
    const newSize = alignUp(oldSize + diff, this.sys.pageSize);
    if (newSize > HEAP_MAX_SIZE) return 0;
    if (newSize > heap.mprotectSize) {
      if (!this.sys.mprotect(segment.start + heap.mprotectSize, newSize - heap.mprotectSize, "read-write")) return 0;
      heap.mprotectSize = newSize;
    }
    segment.end = segment.start + newSize;
    return newSize - oldSize;
  }

  // glibc sysmalloc: the old heap ends with fenceposts; what is left of its top is freed.
  private fencepostOldTop(arena: Arena, oldTop: Chunk): void {
    const usable = alignDown(oldTop.size - MINSIZE, MALLOC_ALIGNMENT);
    if (usable >= MINSIZE) {
      const fence = splitChunk(oldTop, usable);
      fence.state = "internal";
      arena.writeHead(fence);
      arena.release(oldTop);
    } else {
      oldTop.state = "internal";
      arena.writeHead(oldTop);
    }
  }

  private lastHeap(): Heap {
    return this.heaps[this.heaps.length - 1];
  }
}
