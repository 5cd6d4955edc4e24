// Chunks and the contiguous segments they tile. A segment is one region an arena obtained from
// the kernel (the brk heap, or one thread-arena heap); its chunks are kept in address order as a
// doubly linked list, like glibc walks them with next_chunk/prev_chunk. One object per chunk
// (not per byte), so a 2 GiB block costs the simulator one object.
import { InternalCheckError } from "../errors";
import { CHUNK_HDR_SZ } from "./constants";

/**
 * in-use: handed to the program; free: in the arena's bins; tcache: freed into a thread cache
 * (still "in use" for the arena, as in glibc); top: the wilderness at the end of the arena;
 * internal: allocator bookkeeping (the tcache struct, fenceposts).
 */
export type ChunkState = "in-use" | "free" | "tcache" | "top" | "internal";

export interface Chunk {
  addr: number;
  size: number;
  state: ChunkState;
  prev: Chunk | null;
  next: Chunk | null;
  segment: Segment;
}

export interface Segment {
  /** First byte obtained from the kernel for this segment. */
  readonly start: number;
  /** Where the first chunk starts (after heap_info / malloc_state in thread heaps). */
  readonly firstChunk: number;
  /** End of the usable part: chunks tile [firstChunk, end) exactly. */
  end: number;
  head: Chunk | null;
  tail: Chunk | null;
}

/** Creates a segment whose single chunk covers [firstChunk, end); returns that chunk. */
export function createSegment(start: number, firstChunk: number, end: number, state: ChunkState): Chunk {
  const segment: Segment = { start, firstChunk, end, head: null, tail: null };
  const chunk: Chunk = { addr: firstChunk, size: end - firstChunk, state, prev: null, next: null, segment };
  segment.head = chunk;
  segment.tail = chunk;
  return chunk;
}

/** Splits `chunk` after its first `size` bytes; returns the new remainder chunk (same state). */
export function splitChunk(chunk: Chunk, size: number): Chunk {
  const rest: Chunk = {
    addr: chunk.addr + size,
    size: chunk.size - size,
    state: chunk.state,
    prev: chunk,
    next: chunk.next,
    segment: chunk.segment,
  };
  if (chunk.next) chunk.next.prev = rest;
  else chunk.segment.tail = rest;
  chunk.next = rest;
  chunk.size = size;
  return rest;
}

/** Merges `chunk.next` into `chunk` (the caller has taken it out of any bin); returns `chunk`. */
export function absorbNext(chunk: Chunk): Chunk {
  const next = chunk.next;
  if (!next) throw new InternalCheckError("absorbNext: no next chunk");
  chunk.size += next.size;
  chunk.next = next.next;
  if (next.next) next.next.prev = chunk;
  else chunk.segment.tail = chunk;
  return chunk;
}

/** User pointer of a chunk: 16 bytes past its header (REFERENCE §1.2). */
export function chunkToMem(addr: number): number {
  return addr + CHUNK_HDR_SZ;
}

/**
 * Copies of segments and their chunks for a forked child's allocator: each segment is copied
 * once, with its whole chunk list, and every chunk of the original maps to its copy.
 */
export class ChunkCopy {
  private readonly segments = new Map<Segment, Segment>();
  private readonly chunks = new Map<Chunk, Chunk>();

  /** The copy of `segment` (made on first request, with all its chunks). */
  segment(segment: Segment): Segment {
    const known = this.segments.get(segment);
    if (known) return known;
    const copy: Segment = { start: segment.start, firstChunk: segment.firstChunk, end: segment.end, head: null, tail: null };
    this.segments.set(segment, copy);
    let prev: Chunk | null = null;
    for (let c = segment.head; c; c = c.next) {
      const chunk: Chunk = { addr: c.addr, size: c.size, state: c.state, prev, next: null, segment: copy };
      if (prev) prev.next = chunk;
      else copy.head = chunk;
      this.chunks.set(c, chunk);
      prev = chunk;
    }
    copy.tail = prev;
    return copy;
  }

  /** The copy of `chunk` (its segment is copied if it was not yet). */
  chunk(chunk: Chunk): Chunk {
    this.segment(chunk.segment);
    const copy = this.chunks.get(chunk);
    if (!copy) throw new InternalCheckError(`chunk copy: chunk 0x${chunk.addr.toString(16)} is not in its segment's list`);
    return copy;
  }
}
