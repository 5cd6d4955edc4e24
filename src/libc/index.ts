// The C library layer: allocator models that run on a simulated process (REFERENCE §1, §3.8, §6).
export type { Allocator, BlockInfo, BlockState, MallInfo } from "./allocator";
export type { AllocatorCounters } from "./params";
export type { VmHost } from "./host";
export type { GlibcMallInfo } from "./inspect";
export { Glibc, GlibcThread, type GlibcOptions, type MalloptParam } from "./glibc";
export { EagerAllocator } from "./eager";
export { WindowsHeap } from "./windows-heap";
export { createAllocator } from "./create";
export { requestToChunkSize, M_MXFAST, M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD, M_MMAP_MAX, M_ARENA_MAX } from "./constants";
