// glibc's malloc_par (mp_): the tunables mallopt changes, and the allocator's event counters.
import {
  DEFAULT_MMAP_MAX,
  DEFAULT_MMAP_THRESHOLD,
  DEFAULT_TOP_PAD,
  DEFAULT_TRIM_THRESHOLD,
} from "./constants";

export interface MallocParams {
  mmapThreshold: number;
  trimThreshold: number;
  topPad: number;
  mmapMax: number;
  /** Set by any mallopt of the four thresholds: free no longer moves them (REFERENCE §1.3). */
  noDynThreshold: boolean;
  /** 0 = derive from cores (8 per core, REFERENCE §1.6). */
  arenaMax: number;
}

/** glibc's startup values (REFERENCE §1.1). */
export function defaultParams(): MallocParams {
  return {
    mmapThreshold: DEFAULT_MMAP_THRESHOLD,
    trimThreshold: DEFAULT_TRIM_THRESHOLD,
    topPad: DEFAULT_TOP_PAD,
    mmapMax: DEFAULT_MMAP_MAX,
    noDynThreshold: false,
    arenaMax: 0,
  };
}

/** What the allocator did, cumulatively: calls, clearing, and the system calls it issued. */
export interface AllocatorCounters {
  /** malloc calls. */
  malloc: number;
  /** calloc calls. */
  calloc: number;
  /** realloc calls. */
  realloc: number;
  /** free calls. */
  free: number;
  /** Calls that returned NULL (ENOMEM). */
  failures: number;
  /** Bytes calloc cleared with memset (recycled memory: those pages are written). */
  callocMemsetBytes: number;
  /** Bytes calloc handed out without clearing because they were known to be fresh zero pages. */
  callocSkippedBytes: number;
  /** Requests served from a thread cache (tcache). */
  tcacheHits: number;
  /** mmap calls for chunks and heaps. */
  mmaps: number;
  /** munmap calls. */
  munmaps: number;
  /** Bytes currently or formerly obtained with mmap for chunks / heaps. */
  mmapBytes: number;
  /** Bytes given back with munmap. */
  munmapBytes: number;
  /** sbrk calls that moved the break (growth and trimming). */
  sbrkCalls: number;
  /** Bytes the brk heap grew by (sum of positive sbrk increments). */
  brkGrowthBytes: number;
  /** Bytes given back by trimming the brk heap (negative sbrk). */
  brkTrimBytes: number;
  /** mprotect calls (thread-arena heaps growing inside their reservation). */
  mprotects: number;
  /** Bytes returned with madvise(MADV_DONTNEED) (thread-arena heap shrinking). */
  madviseDontneedBytes: number;
}

/** All counters at zero. */
export function zeroCounters(): AllocatorCounters {
  return {
    malloc: 0, calloc: 0, realloc: 0, free: 0, failures: 0,
    callocMemsetBytes: 0, callocSkippedBytes: 0, tcacheHits: 0,
    mmaps: 0, munmaps: 0, mmapBytes: 0, munmapBytes: 0,
    sbrkCalls: 0, brkGrowthBytes: 0, brkTrimBytes: 0,
    mprotects: 0, madviseDontneedBytes: 0,
  };
}
