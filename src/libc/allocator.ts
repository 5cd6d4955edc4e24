// What every C allocator model offers a runtime (numpy, Node) and a notebook: the four C calls,
// malloc_usable_size, mallinfo-style totals, a listing of blocks, and a self-check.
import type { VmHost } from "./host";
import type { AllocatorCounters } from "./params";

/** in-use / free / tcache / top / internal: heap chunks; mmapped: a chunk with its own mapping. */
export type BlockState = "in-use" | "free" | "tcache" | "top" | "internal" | "mmapped";

/**
 * One block of an allocator's memory, as {@link Allocator.blocks} lists it: a heap chunk or a chunk
 * with its own mapping.
 */
export interface BlockInfo {
  /** Chunk (header) address. */
  start: number;
  /** Bytes from start, header included. */
  size: number;
  /** User pointer of an in-use, tcached or mmapped block; null otherwise. */
  ptr: number | null;
  /** Bytes the program may use at ptr (0 when not handed out). */
  usable: number;
  /** What the block is: in use, free, in a thread cache, the top chunk, allocator bookkeeping, or mmapped. */
  state: BlockState;
  /** Arena index (0 = main), null for blocks outside any arena. */
  arena: number | null;
}

/** mallinfo2 totals in bytes, under readable names (glibc's field in brackets). */
export interface MallInfo {
  /** Bytes obtained for heaps: brk heap plus thread-arena heaps [arena]. */
  arena: number;
  /** Heap bytes not free: in use, tcached and bookkeeping [uordblks]. */
  inUse: number;
  /** Free heap bytes, top included [fordblks]. */
  free: number;
  /** Free chunks, top counted as one [ordblks]. */
  ordblks: number;
  /** Bytes in mmapped chunks [hblkhd]. */
  mmapped: number;
  /** Number of mmapped chunks [hblks]. */
  hblks: number;
  /** Top chunk of the main heap, what trimming could release [keepcost]. */
  keepcost: number;
  /** Requests of at least this many bytes get their own mapping. */
  mmapThreshold: number;
  /** A top chunk this large is given back to the kernel (Infinity: never). */
  trimThreshold: number;
}

/**
 * A process's C allocator, as numpy, Node and a notebook call it: malloc, calloc, realloc and free
 * with C's semantics (null and errno on failure), plus malloc_usable_size, mallinfo totals, a
 * listing of blocks and a self-check. Get the one of a process with {@link libcOf}: glibc's
 * ptmalloc on Linux and macOS, the Windows heap on windows-x86_64, the eager allocator without an
 * MMU.
 * @example
 * ```ts
 * const p = new Machine().spawn();
 * const libc = libcOf(p);
 * const ptr = libc.malloc(64);
 * console.log(libc.usableSize(ptr!), libc.mallinfo().inUse, libc.counters.sbrkCalls);
 * libc.free(ptr);
 * ```
 */
export interface Allocator {
  /** Which allocator this is. */
  readonly kind: "glibc" | "eager" | "windows";
  /** What the allocator did so far: its calls and the system calls it issued. */
  readonly counters: Readonly<AllocatorCounters>;
  /** Set to "ENOMEM" when a call returns null; like C's errno, success does not clear it. */
  errno: "ENOMEM" | null;
  /** malloc(size): a pointer to at least `size` bytes, or null with errno ENOMEM. */
  malloc(size: number): number | null;
  /** calloc(count, size) zeroed bytes; calloc(n) means n bytes. */
  calloc(count: number, size?: number): number | null;
  /** realloc(ptr, size): a null ptr mallocs, size 0 frees and returns null, else resizes in place or moves. */
  realloc(ptr: number | null, size: number): number | null;
  /** free(ptr): null is a no-op; a pointer never handed out or freed twice throws HeapCorruptionError. */
  free(ptr: number | null): void;
  /** malloc_usable_size(ptr): the bytes usable at ptr (at least what was asked for); 0 for null, except on Windows (_msize refuses NULL). */
  usableSize(ptr: number): number;
  /** mallinfo2's totals in bytes, under readable names. */
  mallinfo(): MallInfo;
  /** Every block the allocator manages, in address order. */
  blocks(): BlockInfo[];
  /** Verifies the allocator's invariants; throws a PagelabError naming the first violation. */
  check(): true;
  /**
   * The allocator a child forked from this process inherits: a copy of this one's whole state
   * (heaps, free lists, caches, large blocks, tunables), bound to `child` and independent of this
   * one from then on. It makes no system call: the memory it describes was copied by fork.
   * Its counters start at zero (they count the child's own calls).
   */
  forkInto(child: VmHost): Allocator;
}
