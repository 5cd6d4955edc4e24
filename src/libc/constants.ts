// glibc malloc's x86-64 constants and size arithmetic (bminor/glibc malloc/malloc.c, arena.c).
// Sizes are plain numbers: never use bitwise operators on them (they truncate to 32 bits).
import { requireInteger } from "../validate";

const KiB = 1024;
const MiB = 1024 * KiB;

// glibc malloc.c: SIZE_SZ = sizeof(size_t) = 8 on 64-bit; one header word
export const SIZE_SZ = 8;
// glibc malloc.c: chunk header (prev_size + size) is 16 bytes; user pointer = chunk + 16 (REFERENCE §1.1)
export const CHUNK_HDR_SZ = 16;
// glibc malloc.c: MALLOC_ALIGNMENT 16 on x86-64 (REFERENCE §1.1)
export const MALLOC_ALIGNMENT = 16;
// glibc malloc.c: MINSIZE 32, the smallest chunk (REFERENCE §1.1)
export const MINSIZE = 32;
// glibc malloc.c: DEFAULT_MMAP_THRESHOLD_MIN, the initial mmap threshold 128 KiB (REFERENCE §1.1)
export const DEFAULT_MMAP_THRESHOLD = 128 * KiB;
// glibc malloc.c: DEFAULT_MMAP_THRESHOLD_MAX = 4 MiB * sizeof(long) = 32 MiB on 64-bit (REFERENCE §1.1)
export const DEFAULT_MMAP_THRESHOLD_MAX = 32 * MiB;
// glibc malloc.c: DEFAULT_TRIM_THRESHOLD 128 KiB (REFERENCE §1.1)
export const DEFAULT_TRIM_THRESHOLD = 128 * KiB;
// glibc malloc-machine.h / tunable glibc.malloc.top_pad: effective top pad 128 KiB (REFERENCE §1.1)
export const DEFAULT_TOP_PAD = 128 * KiB;
// glibc malloc.c: DEFAULT_MMAP_MAX 65536 mmapped chunks (REFERENCE §1.1)
export const DEFAULT_MMAP_MAX = 65536;
// glibc malloc.c: FASTBIN_CONSOLIDATION_THRESHOLD 64 KiB: a free must merge this much before trimming (REFERENCE §1.5)
export const FASTBIN_CONSOLIDATION_THRESHOLD = 64 * KiB;
// glibc arena.c: HEAP_MAX_SIZE = 2 * DEFAULT_MMAP_THRESHOLD_MAX = 64 MiB per thread-arena heap (REFERENCE §1.5)
export const HEAP_MAX_SIZE = 64 * MiB;
// glibc arena.c: HEAP_MIN_SIZE 32 KiB, the smallest thread-arena heap
export const HEAP_MIN_SIZE = 32 * KiB;
// glibc malloc.c: TCACHE_MAX_BINS 64 (chunk sizes 32..1040) and TCACHE_FILL_COUNT 7 per bin
export const TCACHE_MAX_BINS = 64;
export const TCACHE_FILL_COUNT = 7;
export const TCACHE_MAX_CHUNK = MINSIZE + (TCACHE_MAX_BINS - 1) * MALLOC_ALIGNMENT;
// glibc 2.30-2.41 tcache_perthread_struct: 64 uint16_t counts + 64 pointers = 640 bytes, so the
// first heap chunk is 0x290 bytes and the first user pointer sits at heap start + 0x2a0.
export const TCACHE_STRUCT_SIZE = 2 * TCACHE_MAX_BINS + 8 * TCACHE_MAX_BINS;
// glibc arena.c heap_info (2.35+: ar_ptr, prev, size, mprotect_size, pagesize + 8 pad) = 48 bytes.
// ASSUMPTION: derived from the struct layout on x86-64, not measured.
export const HEAP_INFO_SIZE = 48;
// glibc malloc.c struct malloc_state on x86-64 (mutex, flags, fastbins[10], top, last_remainder,
// bins[254], binmap[4], next, next_free, attached_threads, system_mem, max_system_mem) = 2200 bytes.
// ASSUMPTION: derived from the struct layout, not measured.
export const MALLOC_STATE_SIZE = 2200;
// glibc arena.c NARENAS_FROM_NCORES: 8 arenas per core on 64-bit (REFERENCE §1.6); arena_test 8
export const ARENAS_PER_CORE = 8;
export const ARENA_TEST = 8;
// x86-64 user address space with 4-level paging is 128 TiB: no request beyond it can succeed.
export const ADDRESS_SPACE_LIMIT = 2 ** 47;

// glibc malloc.h mallopt parameter numbers
/** mallopt's M_MXFAST: the largest request served from the fastbins. */
export const M_MXFAST = 1;
/** mallopt's M_TRIM_THRESHOLD: a free top chunk this large is given back to the kernel. */
export const M_TRIM_THRESHOLD = -1;
/** mallopt's M_TOP_PAD: extra bytes asked of sbrk beyond each request. */
export const M_TOP_PAD = -2;
/** mallopt's M_MMAP_THRESHOLD: requests of at least this many bytes get their own mapping. */
export const M_MMAP_THRESHOLD = -3;
/** mallopt's M_MMAP_MAX: the most chunks that may have their own mapping at once. */
export const M_MMAP_MAX = -4;
/** mallopt's M_ARENA_MAX: the most arenas threads may use. */
export const M_ARENA_MAX = -8;

/** Rounds `x` up to a multiple of `align` (any positive integer), without bitwise operators. */
export function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}

/** Rounds `x` down to a multiple of `align`. */
export function alignDown(x: number, align: number): number {
  return Math.floor(x / align) * align;
}

/**
 * Chunk size for a request of `n` bytes: nb = max(32, (n + 8 + 15) & ~15), computed with
 * arithmetic so that sizes above 2**31 stay exact (REFERENCE §1.2).
 */
export function requestToChunkSize(n: number): number {
  requireInteger("requestToChunkSize", "n", n, 0, Infinity, "[0, ∞)"); // huge requests pass: malloc refuses them with ENOMEM
  return Math.max(MINSIZE, alignDown(n + SIZE_SZ + MALLOC_ALIGNMENT - 1, MALLOC_ALIGNMENT));
}

/** Length of the mapping sysmalloc's try_mmap makes for chunk size `nb`: ALIGN_UP(nb + SIZE_SZ, pagesize) (REFERENCE §1.2). */
export function mmapChunkBytes(nb: number, pageSize: number): number {
  return alignUp(nb + SIZE_SZ, pageSize);
}

/** Index of the tcache bin for chunk size `nb`, or -1 when the size is beyond the tcache. */
export function tcacheIndex(nb: number): number {
  if (nb > TCACHE_MAX_CHUNK) return -1;
  return (nb - MINSIZE) / MALLOC_ALIGNMENT;
}
