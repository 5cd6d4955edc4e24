// How numpy obtains and returns an array's data buffer (REFERENCE §2), on top of a C allocator.
// np.zeros -> calloc, np.empty -> malloc, both through numpy's small-buffer cache; buffers of
// 4 MiB or more get a MADV_HUGEPAGE hint on Linux (only the malloc path before numpy 2.2).
import { InvalidArgumentError, describeValue } from "../errors";

/** The C allocator numpy calls (the libc model provides it). */
export interface CAllocator {
  malloc(size: number): number | null;
  calloc(size: number): number | null;
  free(ptr: number): void;
}

/** The syscall numpy issues itself: the huge-page hint. */
export interface HintHost {
  madvise(addr: number, length: number, advice: "hugepage"): void;
}

export interface NumpyAllocOptions {
  /** numpy version, e.g. "1.24" or "2.2": decides whether the calloc path gets the hint. */
  version: string;
  /** NUMPY_MADVISE_HUGEPAGE (default on: kernels >= 4.6). */
  madviseHugepage: boolean;
  /** The platform issues the hint only on Linux. */
  linux: boolean;
}

// numpy alloc.c: NBUCKETS = 1024 one-byte buckets, NCACHE = 7 pointers each (REFERENCE §2.4)
const NBUCKETS = 1024;
const NCACHE = 7;
// numpy alloc.c indicate_hugepages: only buffers of at least 4 MiB get the hint (REFERENCE §2.5)
const HUGEPAGE_HINT_MIN = 4 * 1024 * 1024;

/** Parses "1.24", "2.2.1" into a comparable [major, minor]. */
export function parseVersion(version: string): [number, number] {
  const m = typeof version === "string" ? /^(\d+)\.(\d+)/.exec(version) : null;
  if (!m) throw new InvalidArgumentError(`numpy version must be a string like "1.24" or "2.2" (version), got ${describeValue(version)}`);
  return [Number(m[1]), Number(m[2])];
}

export class NumpyAllocator {
  private readonly cache = new Map<number, number[]>();
  private readonly hintOnCalloc: boolean;
  /** Hints numpy issued, for the notebooks to show. */
  hugepageHints = 0;

  constructor(
    private readonly libc: CAllocator,
    private readonly host: HintHost,
    private readonly options: NumpyAllocOptions,
  ) {
    // a truthy string such as "no" must not switch the hint on
    for (const name of ["madviseHugepage", "linux"] as const) {
      if (typeof options?.[name] !== "boolean") {
        throw new InvalidArgumentError(`NumpyAllocator(libc, host, options): options.${name} must be true or false, got ${describeValue(options?.[name])}`);
      }
    }
    const [major, minor] = parseVersion(options.version);
    // numpy PR #27808 (released in 2.2) added the hint to the calloc path (REFERENCE §2.5)
    this.hintOnCalloc = major > 2 || (major === 2 && minor >= 2);
  }

  /** fork(): this new allocator of the child holds the same cached buffers as `parent` (a copy). */
  inheritFrom(parent: NumpyAllocator): void {
    for (const [size, bucket] of parent.cache) this.cache.set(size, [...bucket]);
  }

  /** np.empty's buffer: numpy's cache for small sizes, else malloc + the huge-page hint. */
  allocEmpty(nbytes: number): number | null {
    const size = Math.max(nbytes, 1); // numpy: a zero-size array still gets a 1-byte buffer (REFERENCE §2.1)
    const cached = this.takeCached(size);
    if (cached !== null) return cached;
    const p = this.libc.malloc(size);
    if (p !== null) this.indicateHugepages(p, size);
    return p;
  }

  /** np.zeros's buffer: small sizes from the cache, memset by the caller; else calloc. */
  allocZeroed(nbytes: number): { ptr: number | null; mustClear: boolean } {
    const size = Math.max(nbytes, 1);
    if (size < NBUCKETS) {
      // numpy npy_alloc_cache_zero: small buffers come from the cache (or malloc) and are memset
      const p = this.takeCached(size) ?? this.libc.malloc(size);
      return { ptr: p, mustClear: true };
    }
    const p = this.libc.calloc(size);
    if (p !== null && this.hintOnCalloc) this.indicateHugepages(p, size);
    return { ptr: p, mustClear: false };
  }

  /** Returns a buffer: small ones to numpy's cache while a bucket has room, others to free(). */
  release(ptr: number, nbytes: number): void {
    const size = Math.max(nbytes, 1);
    if (size < NBUCKETS) {
      const bucket = this.cache.get(size) ?? [];
      if (bucket.length < NCACHE) {
        bucket.push(ptr);
        this.cache.set(size, bucket);
        return;
      }
    }
    this.libc.free(ptr);
  }

  /** Pointers held in numpy's small cache (not freed to libc), for display and checks. */
  cachedBuffers(): number {
    let n = 0;
    for (const b of this.cache.values()) n += b.length;
    return n;
  }

  private takeCached(size: number): number | null {
    if (size >= NBUCKETS) return null;
    const bucket = this.cache.get(size);
    return bucket && bucket.length > 0 ? (bucket.pop() as number) : null;
  }

  // numpy indicate_hugepages: madvise(p + (4096 - p % 4096), size - that offset, MADV_HUGEPAGE)
  // — the offset is a full page even when p is already page-aligned (REFERENCE §2.5).
  private indicateHugepages(p: number, size: number): void {
    if (!this.options.linux || !this.options.madviseHugepage || size < HUGEPAGE_HINT_MIN) return;
    const offset = 4096 - (p % 4096);
    this.host.madvise(p + offset, size - offset, "hugepage");
    this.hugepageHints++;
  }
}
