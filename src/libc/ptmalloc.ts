// The ptmalloc engine shared by every thread of one simulated process: arenas, mmapped chunks,
// the tunables, and the paths of malloc / calloc / realloc / free as glibc runs them
// (REFERENCE §1): tcache first, then bins and top, then sysmalloc (mmap at or above the
// threshold, else grow the heap).
import { HeapCorruptionError, InternalCheckError, describeValue } from "../errors";
import { Arena } from "./arena";
import { ChunkCopy, chunkToMem, type Chunk } from "./chunk";
import {
  ADDRESS_SPACE_LIMIT,
  ARENA_TEST,
  ARENAS_PER_CORE,
  CHUNK_HDR_SZ,
  DEFAULT_MMAP_THRESHOLD_MAX,
  FASTBIN_CONSOLIDATION_THRESHOLD,
  SIZE_SZ,
  TCACHE_STRUCT_SIZE,
  requestToChunkSize,
} from "./constants";
import type { VmHost } from "./host";
import { MainHeap } from "./main-heap";
import { MmappedChunks } from "./mmapped-chunks";
import { defaultParams, zeroCounters, type AllocatorCounters, type MallocParams } from "./params";
import { Syscalls } from "./syscalls";
import { Tcache } from "./tcache";
import { ThreadHeaps } from "./thread-heap";

/** One simulated thread: the arena it is attached to and its tcache (both made on first use). */
export interface ThreadState {
  readonly id: number;
  arena: Arena | null;
  tcache: Tcache | null;
}

export interface PtmallocOptions {
  /** Cores of the machine: the arena limit is 8 per core once 8 arenas exist (REFERENCE §1.6). */
  cores: number;
  /** glibc.malloc.tcache_count=0 turns the thread caches off. */
  tcache: boolean;
}

export class Ptmalloc {
  readonly params: MallocParams = defaultParams();
  readonly counters: AllocatorCounters = zeroCounters();
  readonly sys: Syscalls;
  readonly mmapped: MmappedChunks;
  readonly arenas: Arena[] = [];
  readonly threadHeaps = new Map<Arena, ThreadHeaps>();
  readonly tcaches: Tcache[] = [];
  /** Last failure, like C's errno: set when a call returns NULL, never cleared by success. */
  errno: "ENOMEM" | null = null;
  /** In-use and tcached heap chunks by user pointer. */
  private readonly live = new Map<number, Chunk>();
  private nextReused = 0;

  constructor(
    host: VmHost,
    readonly options: PtmallocOptions,
  ) {
    this.sys = new Syscalls(host, this.counters);
    this.mmapped = new MmappedChunks(this.sys);
    this.arenas.push(new Arena(0, host, new MainHeap(this.sys, this.params)));
  }

  /**
   * fork(): makes this engine, new and unused, a copy of `parent`'s state — its brk heap and
   * thread-arena heaps chunk by chunk, the bins, the tcaches, the mmapped chunks, the tunables
   * (the mmap threshold as free() moved it) and errno — sharing no object with it, so that
   * either can go on without the other seeing it. `thread`, the child's thread, becomes the
   * copy of `parentThread`, the thread that called fork (POSIX: the only one the child has; the
   * other threads' arenas and tcaches stay, as their memory does). The counters start at zero:
   * they count what this process's allocator does.
   */
  inheritFrom(parent: Ptmalloc, parentThread: ThreadState, thread: ThreadState): void {
    const main = this.arenas[0];
    if (this.arenas.length !== 1 || main.top !== null || this.live.size > 0 || this.tcaches.length > 0 || this.mmapped.count > 0) {
      throw new InternalCheckError("ptmalloc: only a new, unused engine can inherit a parent's state");
    }
    Object.assign(this.params, parent.params);
    this.errno = parent.errno;
    this.nextReused = parent.nextReused;
    const copy = new ChunkCopy();
    const arenas = new Map<Arena, Arena>();
    for (const from of parent.arenas) {
      let arena: Arena;
      const heaps = parent.threadHeaps.get(from);
      if (heaps === undefined) {
        if (!(main.growth instanceof MainHeap) || !(from.growth instanceof MainHeap)) throw new InternalCheckError("ptmalloc: the main arena grows with brk");
        main.growth.inheritFrom(from.growth);
        arena = main;
      } else {
        const childHeaps = new ThreadHeaps(this.sys, this.params);
        childHeaps.inheritFrom(heaps, copy);
        arena = new Arena(from.index, this.sys.host, childHeaps);
        this.threadHeaps.set(arena, childHeaps);
        this.arenas.push(arena);
      }
      arena.inheritFrom(from, copy);
      arenas.set(from, arena);
    }
    const tcaches = new Map<Tcache, Tcache>();
    for (const from of parent.tcaches) {
      const tcache = new Tcache(this.sys.host, from.structMem);
      tcache.inheritFrom(from, copy);
      this.tcaches.push(tcache);
      tcaches.set(from, tcache);
    }
    for (const [mem, chunk] of parent.live) this.live.set(mem, copy.chunk(chunk));
    this.mmapped.inheritFrom(parent.mmapped);
    thread.arena = parentThread.arena ? (arenas.get(parentThread.arena) ?? null) : null;
    thread.tcache = parentThread.tcache ? (tcaches.get(parentThread.tcache) ?? null) : null;
  }

  /** malloc(n): a user pointer, or null with errno ENOMEM. */
  malloc(t: ThreadState, n: number): number | null {
    const nb = this.checkedRequest(n);
    if (nb === null) return this.fail();
    this.initThread(t);
    return this.takeCached(t, nb) ?? this.intMalloc(this.arenaFor(t), nb) ?? this.fail();
  }

  /**
   * calloc(count, size): zeroed memory, clearing only what may hold old data (REFERENCE §1.4):
   * tcache hits and recycled chunks are memset, mmapped chunks and fresh top memory are not.
   */
  calloc(t: ThreadState, count: number, size: number): number | null {
    const bytes = count * size;
    const nb = this.checkedRequest(bytes);
    if (nb === null) return this.fail();
    this.initThread(t);
    const cached = this.takeCached(t, nb);
    if (cached !== null) {
      // glibc 2.41 __libc_calloc: a tcache hit is always cleared (REFERENCE §1.4)
      this.clear(cached, nb - SIZE_SZ);
      return cached;
    }
    const arena = this.arenaFor(t);
    const oldTop = arena.top;
    // glibc calloc: memory past everything ever obtained (sbrk / mprotect) is known zero (REFERENCE §1.4)
    const oldTopSize = oldTop ? Math.max(oldTop.size, arena.growth.everObtainedEnd(arena) - oldTop.addr) : 0;
    const oldTopAddr = oldTop ? oldTop.addr : null;
    const mem = this.intMalloc(arena, nb);
    if (mem === null) return this.fail();
    const mm = this.mmapped.get(mem);
    if (mm) {
      // glibc calloc: a fresh mmapped chunk is returned without clearing (REFERENCE §1.4)
      this.counters.callocSkippedBytes += mm.size - CHUNK_HDR_SZ;
      return mem;
    }
    const chunk = this.live.get(mem) as Chunk;
    let csz = chunk.size;
    // glibc calloc: a chunk carved from the old top clears only the part below the high-water mark
    if (chunk.addr === oldTopAddr && csz > oldTopSize) csz = oldTopSize;
    this.clear(mem, csz - SIZE_SZ);
    this.counters.callocSkippedBytes += chunk.size - csz;
    return mem;
  }

  /** free(ptr): tcache, bins/top with coalescing and trimming, or munmap for mmapped chunks. */
  free(t: ThreadState, ptr: number): void {
    // a heap chunk's pointer (by far the most common) is looked up first, an mmapped chunk's after
    const known = this.live.get(ptr);
    const mm = known === undefined ? this.mmapped.get(ptr) : undefined;
    if (mm) {
      // glibc free: an mmapped chunk raises the dynamic threshold to its size, trim to twice that (REFERENCE §1.3)
      if (!this.params.noDynThreshold && mm.size > this.params.mmapThreshold && mm.size <= DEFAULT_MMAP_THRESHOLD_MAX) {
        this.params.mmapThreshold = mm.size;
        this.params.trimThreshold = 2 * mm.size;
      }
      this.mmapped.unmap(mm);
      return;
    }
    const chunk = this.liveChunk("free", ptr, known);
    this.initThread(t);
    this.freeChunk(t, chunk);
  }

  /** realloc(ptr, n) for a non-null ptr and n > 0: in place when possible, else move and copy. */
  realloc(t: ThreadState, ptr: number, n: number): number | null {
    const mm = this.mmapped.get(ptr);
    const chunk = mm ? null : this.liveChunk("realloc", ptr);
    const nb = this.checkedRequest(n);
    if (nb === null) return this.fail();
    this.initThread(t);
    if (mm) {
      // glibc realloc of an mmapped chunk without mremap: keep it if it is already big enough
      if (mm.size - SIZE_SZ >= nb) return ptr;
      const moved = this.takeCached(t, nb) ?? this.intMalloc(this.arenaFor(t), nb);
      if (moved === null) return this.fail();
      this.sys.memcpy(moved, ptr, mm.size - CHUNK_HDR_SZ);
      this.mmapped.unmap(mm);
      return moved;
    }
    const c = chunk as Chunk;
    const arena = this.arenaOf(c);
    if (c.size >= nb) {
      this.trimIfLarge(arena, arena.shrinkInPlace(c, nb));
      return ptr;
    }
    if (arena.growInPlace(c, nb)) return ptr;
    const moved = this.intMalloc(arena, nb);
    if (moved === null) return this.fail();
    const movedChunk = this.live.get(moved);
    if (movedChunk && movedChunk === c.next) {
      // glibc _int_realloc: the new chunk is the one right after (top just grew): merge, no copy
      this.live.delete(moved);
      arena.mergeInUseNext(c);
      this.trimIfLarge(arena, arena.shrinkInPlace(c, nb));
      return ptr;
    }
    this.sys.memcpy(moved, ptr, c.size - SIZE_SZ);
    this.freeChunk(t, c);
    return moved;
  }

  /** malloc_usable_size(ptr): bytes the program may use at ptr. */
  usableSize(ptr: number): number {
    const mm = this.mmapped.get(ptr);
    if (mm) return mm.size - CHUNK_HDR_SZ;
    const chunk = this.live.get(ptr);
    if (!chunk || chunk.state !== "in-use") throw new HeapCorruptionError(`malloc_usable_size(): invalid pointer ${describeValue(ptr)}`);
    return chunk.size - SIZE_SZ;
  }

  /** The arena a heap chunk belongs to. */
  arenaOf(chunk: Chunk): Arena {
    const arena = this.arenas.find((a) => a.segments.includes(chunk.segment));
    if (!arena) throw new InternalCheckError(`chunk 0x${chunk.addr.toString(16)} belongs to no arena`);
    return arena;
  }

  /** The live (in-use or tcached) heap chunk at user pointer `mem`, if any. */
  liveAt(mem: number): Chunk | undefined {
    return this.live.get(mem);
  }

  /** Number of live heap chunk records (for check()). */
  get liveCount(): number {
    return this.live.size;
  }

  // _int_malloc then sysmalloc: bins, top, mmap at or above the threshold, grow, mmap as last resort.
  private intMalloc(arena: Arena, nb: number): number | null {
    const chunk = arena.takeFromBins(nb) ?? arena.takeFromTop(nb);
    if (chunk) return this.handOut(chunk);
    // glibc sysmalloc: nb >= mmap_threshold (and fewer than mmap_max chunks) gets its own mapping (REFERENCE §1.2)
    let triedMmap = false;
    if (nb >= this.params.mmapThreshold && this.mmapped.count < this.params.mmapMax) {
      triedMmap = true;
      const mm = this.mmapped.map(nb);
      if (mm) return chunkToMem(mm.addr);
    }
    // a fresh arena may come out just short of nb + MINSIZE: sysmalloc then runs once more
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!arena.growth.grow(arena, nb)) break;
      const carved = arena.takeFromTop(nb);
      if (carved) return this.handOut(carved);
    }
    // glibc sysmalloc: when the heap cannot grow, try mmap regardless of the threshold.
    // Simplified for the main arena: glibc maps a non-contiguous heap extension instead.
    if (!triedMmap && this.mmapped.count < this.params.mmapMax) {
      const mm = this.mmapped.map(nb);
      if (mm) return chunkToMem(mm.addr);
    }
    return null;
  }

  private handOut(chunk: Chunk): number {
    const mem = chunkToMem(chunk.addr);
    this.live.set(mem, chunk);
    return mem;
  }

  private takeCached(t: ThreadState, nb: number): number | null {
    const chunk = t.tcache ? t.tcache.take(nb) : null;
    if (!chunk) return null;
    this.counters.tcacheHits++;
    return chunkToMem(chunk.addr);
  }

  // _int_free of a heap chunk: the thread's tcache if its bin has room, else the chunk's arena.
  private freeChunk(t: ThreadState, chunk: Chunk): void {
    if (t.tcache && t.tcache.put(chunk)) return;
    this.live.delete(chunkToMem(chunk.addr));
    const arena = this.arenaOf(chunk);
    this.trimIfLarge(arena, arena.release(chunk));
  }

  // glibc _int_free: only a free that merged >= 64 KiB considers trimming (REFERENCE §1.5)
  private trimIfLarge(arena: Arena, mergedSize: number): void {
    if (mergedSize >= FASTBIN_CONSOLIDATION_THRESHOLD) arena.growth.trimAfterFree(arena);
  }

  private clear(mem: number, bytes: number): void {
    this.sys.memset(mem, 0, bytes);
    this.counters.callocMemsetBytes += bytes;
  }

  // checked_request2size; requests no address space can hold fail with ENOMEM before any call
  private checkedRequest(n: number): number | null {
    const nb = requestToChunkSize(n);
    return nb > ADDRESS_SPACE_LIMIT ? null : nb;
  }

  private fail(): null {
    this.counters.failures++;
    this.errno = "ENOMEM";
    return null;
  }

  // Finds the chunk a program hands back (`chunk`: the live record at ptr, when already looked up),
  // or throws glibc's diagnosis (before changing anything).
  private liveChunk(fn: "free" | "realloc", ptr: number, chunk = this.live.get(ptr)): Chunk {
    if (chunk && chunk.state === "in-use") return chunk;
    if (chunk && chunk.state === "tcache") {
      throw new HeapCorruptionError(`${fn === "free" ? "free()" : "realloc()"}: double free detected in tcache 2`);
    }
    if (fn === "free") {
      const addr = ptr - CHUNK_HDR_SZ;
      for (const arena of this.arenas) {
        if (arena.top && arena.top.addr === addr) throw new HeapCorruptionError("double free or corruption (top)");
        if (arena.bins.all().some((c) => c.addr === addr)) throw new HeapCorruptionError("double free or corruption (!prev)");
      }
    }
    throw new HeapCorruptionError(`${fn}(): invalid pointer ${describeValue(ptr)}`);
  }

  /** MAYBE_INIT_TCACHE: a thread's first call allocates its tcache_perthread_struct from its arena. */
  initThread(t: ThreadState): void {
    if (t.tcache || !this.options.tcache) return;
    const arena = this.arenaFor(t);
    const mem = this.intMalloc(arena, requestToChunkSize(TCACHE_STRUCT_SIZE));
    if (mem === null) return; // glibc carries on without a tcache
    const chunk = this.live.get(mem);
    if (chunk) {
      this.live.delete(mem);
      chunk.state = "internal";
    } // else served by mmap (a threshold tuned to almost 0): it stays a live mmapped chunk, as in glibc
    this.sys.memset(mem, 0, TCACHE_STRUCT_SIZE); // tcache_init: memset(tcache, 0, sizeof)
    t.tcache = new Tcache(this.sys.host, mem);
    this.tcaches.push(t.tcache);
  }

  // arena_get: the main thread uses the main arena; another thread gets a new arena while fewer
  // than the limit exist, else shares one round-robin (glibc reused_arena).
  private arenaFor(t: ThreadState): Arena {
    if (t.arena) return t.arena;
    if (t.id === 0) {
      t.arena = this.arenas[0];
      return t.arena;
    }
    const n = this.arenas.length;
    const limit = this.params.arenaMax > 0 ? this.params.arenaMax : n > ARENA_TEST ? ARENAS_PER_CORE * this.options.cores : Infinity;
    if (n < limit) {
      const heaps = new ThreadHeaps(this.sys, this.params);
      const arena = new Arena(n, this.sys.host, heaps);
      this.threadHeaps.set(arena, heaps);
      this.arenas.push(arena);
      t.arena = arena;
    } else {
      t.arena = this.arenas[this.nextReused % n];
      this.nextReused = (this.nextReused + 1) % n;
    }
    return t.arena;
  }
}
