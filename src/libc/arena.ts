// One malloc arena (glibc struct malloc_state): its segments, its bins (a best-fit index), and its
// top chunk. It carves chunks from bins or top, and on free coalesces with free neighbours and
// top — storing the same header words glibc stores, so the pages they land on become resident.
// How the arena grows and shrinks (brk for the main arena, 64 MiB heaps for thread arenas) is the
// ArenaGrowth policy's business.
import { InternalCheckError } from "../errors";
import { absorbNext, splitChunk, type Chunk, type ChunkCopy, type Segment } from "./chunk";
import { MINSIZE } from "./constants";
import { FreeIndex } from "./free-index";
import type { VmHost } from "./host";
import { storeWords } from "./words";

// glibc malloc.c: the low bits of the size word
const PREV_INUSE = 1;
const NON_MAIN_ARENA = 4;

/** How an arena obtains and returns memory (sysmalloc's non-mmap part, systrim / heap_trim). */
export interface ArenaGrowth {
  /** Grows the arena so that its top chunk can serve `nb` bytes; false when the kernel refuses. */
  grow(arena: Arena, nb: number): boolean;
  /** Called after a free merged at least 64 KiB: gives memory back when top is large enough. */
  trimAfterFree(arena: Arena): void;
  /** End of the memory this arena ever had: bytes beyond it are fresh zero pages (calloc). */
  everObtainedEnd(arena: Arena): number;
}

export class Arena {
  top: Chunk | null = null;
  readonly bins = new FreeIndex();
  readonly segments: Segment[] = [];
  /** glibc av->system_mem and av->max_system_mem. */
  systemMem = 0;
  maxSystemMem = 0;

  constructor(
    /** 0 for the main arena, 1.. for thread arenas. */
    readonly index: number,
    private readonly host: VmHost,
    readonly growth: ArenaGrowth,
  ) {}

  /**
   * fork(): makes this new, empty arena of the child a copy of `parent` (segments, chunks, bins,
   * top, system_mem), its chunks taken from `copy` so that the allocator's other references to
   * them (tcache, pointers in use) land on the same copies.
   */
  inheritFrom(parent: Arena, copy: ChunkCopy): void {
    if (this.top !== null || this.segments.length > 0) throw new InternalCheckError(`arena ${this.index}: only an empty arena can inherit a parent's state`);
    for (const segment of parent.segments) this.segments.push(copy.segment(segment));
    this.top = parent.top ? copy.chunk(parent.top) : null;
    for (const chunk of parent.bins.all()) this.bins.add(copy.chunk(chunk));
    this.systemMem = parent.systemMem;
    this.maxSystemMem = parent.maxSystemMem;
  }

  /** Adds `bytes` to system_mem, keeping the high-water mark. */
  addSystemMem(bytes: number): void {
    this.systemMem += bytes;
    this.maxSystemMem = Math.max(this.maxSystemMem, this.systemMem);
  }

  /** Carves `nb` bytes from the best-fitting free chunk; returns the in-use chunk or null. */
  takeFromBins(nb: number): Chunk | null {
    const victim = this.bins.bestFit(nb);
    if (!victim) return null;
    this.bins.remove(victim);
    victim.state = "in-use";
    // glibc _int_malloc: split when the remainder can form a chunk, else hand out the whole chunk
    if (victim.size - nb >= MINSIZE) {
      const rest = splitChunk(victim, nb);
      rest.state = "free";
      this.bins.add(rest);
      this.writeHead(victim);
      this.writeFreeChunk(rest);
    } else if (victim.next) {
      this.writeHead(victim.next); // set_inuse_bit_at_offset: the next chunk's PREV_INUSE
    }
    return victim;
  }

  /** Carves `nb` bytes from the top chunk when it keeps at least MINSIZE; else null. */
  takeFromTop(nb: number): Chunk | null {
    const top = this.top;
    // glibc _int_malloc use_top: only if size >= nb + MINSIZE (top must survive as a chunk)
    if (!top || top.size < nb + MINSIZE) return null;
    top.state = "in-use";
    this.splitIntoTop(top, nb);
    return top;
  }

  /** Splits `chunk` at `nb` bytes; the rest becomes the top chunk. Writes both headers. */
  private splitIntoTop(chunk: Chunk, nb: number): void {
    const rest = splitChunk(chunk, nb);
    rest.state = "top";
    this.top = rest;
    this.writeHead(chunk);
    this.writeHead(rest);
  }

  /**
   * _int_free of a heap chunk: merges it with free neighbours (and top), bins what remains;
   * returns the size of the merged chunk (glibc compares it with the 64 KiB trim trigger).
   */
  release(chunk: Chunk): number {
    let p = chunk;
    p.state = "free";
    if (p.prev && p.prev.state === "free") {
      this.bins.remove(p.prev);
      p = absorbNext(p.prev);
    }
    const next = p.next;
    if (next && next.state === "top") {
      absorbNext(p);
      p.state = "top";
      this.top = p;
      this.writeHead(p);
      return p.size;
    }
    if (next && next.state === "free") {
      this.bins.remove(next);
      absorbNext(p);
    }
    this.bins.add(p);
    this.writeFreeChunk(p);
    return p.size;
  }

  /**
   * Shrinks an in-use chunk to `nb` bytes, freeing the tail when it can form a chunk; returns
   * the size of the chunk that tail merged into (0 when nothing was freed).
   */
  shrinkInPlace(chunk: Chunk, nb: number): number {
    if (chunk.size - nb < MINSIZE) return 0;
    const rest = splitChunk(chunk, nb);
    this.writeHead(chunk);
    return this.release(rest);
  }

  /** Merges the in-use chunk right after `chunk` into it (realloc found it adjacent). */
  mergeInUseNext(chunk: Chunk): void {
    absorbNext(chunk);
    this.writeHead(chunk);
    if (chunk.next) this.writeHead(chunk.next);
  }

  /** Grows an in-use chunk to `nb` bytes into top or a free next chunk; false if neither fits. */
  growInPlace(chunk: Chunk, nb: number): boolean {
    const next = chunk.next;
    if (!next) return false;
    // glibc _int_realloc: expand into top if it keeps MINSIZE, else absorb a free next chunk
    if (next.state === "top" && chunk.size + next.size >= nb + MINSIZE) {
      absorbNext(chunk);
      this.splitIntoTop(chunk, nb);
      return true;
    }
    if (next.state === "free" && chunk.size + next.size >= nb) {
      this.bins.remove(next);
      absorbNext(chunk);
      if (chunk.size - nb >= MINSIZE) {
        this.shrinkInPlace(chunk, nb);
      } else {
        this.writeHead(chunk);
        if (chunk.next) this.writeHead(chunk.next); // set_inuse_bit_at_offset
      }
      return true;
    }
    return false;
  }

  /** Rewrites the size word of `chunk` (set_head). */
  writeHead(chunk: Chunk): void {
    storeWords(this.host, chunk.addr + 8, this.headWord(chunk));
  }

  /** A free chunk's size, fd/bk links, footer and the next chunk's cleared PREV_INUSE. */
  private writeFreeChunk(chunk: Chunk): void {
    storeWords(this.host, chunk.addr + 8, this.headWord(chunk), 0, 0);
    if (chunk.next) storeWords(this.host, chunk.addr + chunk.size, chunk.size, this.headWord(chunk.next));
  }

  private headWord(chunk: Chunk): number {
    const prevInUse = !chunk.prev || chunk.prev.state !== "free";
    const foreign = this.index > 0 && chunk.state !== "top" && chunk.state !== "free";
    return chunk.size + (prevInUse ? PREV_INUSE : 0) + (foreign ? NON_MAIN_ARENA : 0);
  }
}
