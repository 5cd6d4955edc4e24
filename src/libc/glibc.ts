// The glibc allocator of one simulated process, as a program calls it: malloc, calloc, realloc,
// free, mallopt and mallinfo on the main thread, and threadArena() for a thread of its own
// (with its own arena and tcache). REFERENCE §1 holds the rules; ptmalloc.ts runs them.
import { InvalidArgumentError, describeValue } from "../errors";
import type { Allocator, BlockInfo } from "./allocator";
import {
  HEAP_MAX_SIZE,
  M_ARENA_MAX,
  M_MMAP_MAX,
  M_MMAP_THRESHOLD,
  M_MXFAST,
  M_TOP_PAD,
  M_TRIM_THRESHOLD,
} from "./constants";
import type { VmHost } from "./host";
import { checkInvariants, listBlocks, mallinfo, type GlibcMallInfo } from "./inspect";
import type { AllocatorCounters } from "./params";
import { Ptmalloc, type ThreadState } from "./ptmalloc";
import { summarizeAllocator } from "./summary";
import { requireByteCount, requirePointer } from "./validate";

/**
 * How a {@link Glibc} is set up: cores (for the arena limit), thread caches, and whether startup
 * code already allocated.
 */
export interface GlibcOptions {
  /** Cores of the machine, for the arena limit (8 per core, REFERENCE §1.6). Default 1. */
  cores?: number;
  /** Thread caches on (default) or off (glibc.malloc.tcache_count=0). */
  tcache?: boolean;
  /**
   * The main thread has already called malloc (default true): its tcache struct sits at the
   * start of the brk heap, as in any program whose startup code allocated (Python always has).
   * With false, the first call creates the heap.
   */
  warm?: boolean;
}

// The mallopt parameters modelled, by their malloc.h names, and their codes.
const MALLOPT_CODES = { M_MXFAST, M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD, M_MMAP_MAX, M_ARENA_MAX } as const;

/** The mallopt parameters modelled, by their malloc.h names. */
export type MalloptParam = keyof typeof MALLOPT_CODES;
// glibc malloc.c: MAX_FAST_SIZE = 80 * SIZE_SZ / 4 on 64-bit
const MAX_FAST_SIZE = 160;
const INT_MAX = 2 ** 31 - 1;

/** The C calls of one thread, with glibc's argument handling. */
class ThreadCalls {
  constructor(
    protected readonly engine: Ptmalloc,
    protected readonly thread: ThreadState,
  ) {}

  /** malloc(size): a pointer to at least `size` bytes, or null (errno ENOMEM). */
  malloc(size: number): number | null {
    requireByteCount("malloc", "size", size);
    this.engine.counters.malloc++;
    return this.engine.malloc(this.thread, size);
  }

  /** calloc(count, size): zeroed memory for count * size bytes (calloc(n): n bytes), or null. */
  calloc(count: number, size = 1): number | null {
    requireByteCount("calloc", "count", count);
    requireByteCount("calloc", "size", size);
    this.engine.counters.calloc++;
    return this.engine.calloc(this.thread, count, size);
  }

  /** realloc(ptr, size): NULL ptr mallocs, size 0 frees and returns null, else resizes or moves. */
  realloc(ptr: number | null, size: number): number | null {
    const p = requirePointer("realloc", "ptr", ptr);
    requireByteCount("realloc", "size", size);
    // counted once it is known to be valid: a bad pointer throws before anything changes
    let result: number | null = null;
    if (p === null) result = this.engine.malloc(this.thread, size);
    // glibc REALLOC_ZERO_BYTES_FREES: realloc(p, 0) frees p and returns NULL
    else if (size === 0) this.engine.free(this.thread, p);
    else result = this.engine.realloc(this.thread, p, size);
    this.engine.counters.realloc++;
    return result;
  }

  /** free(ptr): NULL is a no-op; a bad or already freed pointer throws glibc's message. */
  free(ptr: number | null): void {
    const p = requirePointer("free", "ptr", ptr);
    if (p !== null) this.engine.free(this.thread, p);
    this.engine.counters.free++;
  }

  /** malloc_usable_size(ptr): the bytes usable at ptr (at least what was asked for). */
  usableSize(ptr: number): number {
    const p = requirePointer("malloc_usable_size", "ptr", ptr);
    return p === null ? 0 : this.engine.usableSize(p);
  }
}

/** Another thread of the process: its own tcache and (up to the arena limit) its own arena. */
export class GlibcThread extends ThreadCalls {
  /** Index of the arena this thread allocates from (null before its first call). */
  get arenaIndex(): number | null {
    return this.thread.arena ? this.thread.arena.index : null;
  }
}

/** glibc malloc (ptmalloc2) of one simulated process, called from its main thread. */
export class Glibc extends ThreadCalls implements Allocator {
  /** Which allocator this is: glibc's. */
  readonly kind = "glibc" as const;
  private threads = 0;

  /** @internal Public ways in: libcOf(proc), libc.createAllocator(host). */
  constructor(
    /** The process whose system calls this malloc issues. */
    readonly host: VmHost,
    options: GlibcOptions = {},
  ) {
    const cores = options.cores ?? 1;
    if (!Number.isInteger(cores) || cores < 1) {
      throw new InvalidArgumentError(`Glibc: options.cores must be a positive integer, got ${describeValue(cores)}`);
    }
    const engine = new Ptmalloc(host, { cores, tcache: options.tcache ?? true });
    super(engine, { id: 0, arena: null, tcache: null });
    if (options.warm ?? true) engine.initThread(this.thread);
  }

  /** What the allocator did so far: its calls and the system calls it issued. */
  get counters(): Readonly<AllocatorCounters> {
    return this.engine.counters;
  }

  get errno(): "ENOMEM" | null {
    return this.engine.errno;
  }

  set errno(value: "ENOMEM" | null) {
    this.engine.errno = value;
  }

  /**
   * The allocator of a child forked from this process (see Allocator.forkInto): the same arenas,
   * bins, tcache, mmapped chunks and tunables, called from the child's one thread, the copy of
   * this main thread (threads made with threadArena() do not exist in the child).
   */
  forkInto(child: VmHost): Glibc {
    const { cores, tcache } = this.engine.options;
    const copy = new Glibc(child, { cores, tcache, warm: false });
    copy.engine.inheritFrom(this.engine, this.thread, copy.thread);
    copy.threads = this.threads;
    return copy;
  }

  /** A new simulated thread; its first call attaches an arena (a new one while under the limit). */
  threadArena(): GlibcThread {
    this.threads++;
    return new GlibcThread(this.engine, { id: this.threads, arena: null, tcache: null });
  }

  /**
   * mallopt(param, value): sets a tunable and returns 1, or 0 when glibc refuses the value.
   * Any of the four thresholds freezes the dynamic mmap threshold (REFERENCE §1.3).
   */
  mallopt(param: MalloptParam | number, value: number): 0 | 1 {
    const code = typeof param === "string" ? MALLOPT_CODES[param] : param;
    if (typeof code !== "number" || !(Object.values(MALLOPT_CODES) as number[]).includes(code)) {
      throw new InvalidArgumentError(`mallopt: param must be one of ${Object.keys(MALLOPT_CODES).join(", ")} (or its number), got ${describeValue(param)}`);
    }
    if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > INT_MAX + 1) {
      throw new InvalidArgumentError(`mallopt: value must be a C int, got ${describeValue(value)}`);
    }
    const p = this.engine.params;
    switch (code) {
      case M_MXFAST:
        // fastbins are folded into the bins: the value is checked like glibc's, then has no effect
        return value >= 0 && value <= MAX_FAST_SIZE ? 1 : 0;
      case M_TRIM_THRESHOLD:
        // a negative int becomes a huge size_t: trimming is off
        p.trimThreshold = value < 0 ? Infinity : value;
        p.noDynThreshold = true;
        return 1;
      case M_TOP_PAD:
        if (value < 0) throw new InvalidArgumentError(`mallopt: M_TOP_PAD value must be >= 0, got ${describeValue(value)}`);
        p.topPad = value;
        p.noDynThreshold = true;
        return 1;
      case M_MMAP_THRESHOLD:
        // glibc do_set_mmap_threshold: refuses values above HEAP_MAX_SIZE / 2 (negative ints wrap above it)
        if (value < 0 || value > HEAP_MAX_SIZE / 2) return 0;
        p.mmapThreshold = value;
        p.noDynThreshold = true;
        return 1;
      case M_MMAP_MAX:
        p.mmapMax = value;
        p.noDynThreshold = true;
        return 1;
      default: // M_ARENA_MAX
        if (value > 0) p.arenaMax = value;
        return 1;
    }
  }

  /** mallinfo2() with readable names and the current tunables. */
  mallinfo(): GlibcMallInfo {
    return mallinfo(this.engine);
  }

  /** Every heap chunk, bookkeeping region and mmapped chunk, sorted by address. */
  blocks(): BlockInfo[] {
    return listBlocks(this.engine);
  }

  /** Start addresses of the 64 MiB thread-arena heap reservations currently held. */
  threadHeapReservations(): number[] {
    return [...this.engine.threadHeaps.values()].flatMap((h) => h.reservations);
  }

  /** Short text for util.inspect. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return summarizeAllocator("Glibc", this.mallinfo());
  }

  /** Checks the invariants (no overlap, every heap byte accounted for); throws on a violation. */
  check(): true {
    return checkInvariants(this.engine);
  }
}
