// The Windows process heap (ntdll's NT heap behind the UCRT's malloc) on the windows preset:
// small blocks come from heap segments — address space reserved, then committed as the heap
// grows (commit charge at commit time, working set on touch, REFERENCE §6.1) — and blocks above
// the VirtualMemoryThreshold get their own VirtualAlloc(MEM_RESERVE | MEM_COMMIT), which the
// kernel's windows preset commits at once. calloc is HeapAlloc(HEAP_ZERO_MEMORY).
// Sources: learn.microsoft.com RTL_HEAP_PARAMETERS (SegmentReserve 1 MB, SegmentCommit two pages,
// DeCommitFreeBlockThreshold one page, DeCommitTotalFreeThreshold 64 KiB, VirtualMemoryThreshold
// at most 0x7F000); "Large Win32 heap allocations go directly to VirtualAlloc" (S. Goldshtein,
// 2015: blocks of 512 KiB and more). Simplified: no low-fragmentation heap (LFH), best-fit free
// lists as in the glibc model.
import { HeapCorruptionError, InternalCheckError, InvalidArgumentError, describeValue } from "../errors";
import type { Allocator, BlockInfo, MallInfo } from "./allocator";
import { Arena, type ArenaGrowth } from "./arena";
import { ChunkCopy, chunkToMem, createSegment, type Chunk } from "./chunk";
import { ADDRESS_SPACE_LIMIT, alignDown, alignUp, MINSIZE } from "./constants";
import type { VmHost } from "./host";
import { zeroCounters, type AllocatorCounters } from "./params";
import { Syscalls } from "./syscalls";
import { summarizeAllocator } from "./summary";
import { requireByteCount, requirePointer } from "./validate";
import { storeWords } from "./words";
import sumBy from "lodash/sumBy";

const KiB = 1024;
// RTL_HEAP_PARAMETERS: VirtualMemoryThreshold defaults to the maximum heap block size 0x7F000
const VIRTUAL_MEMORY_THRESHOLD = 0x7f000;
// RTL_HEAP_PARAMETERS: SegmentReserve 1 MB; SegmentCommit PAGE_SIZE * 2
const SEGMENT_RESERVE = 1024 * KiB;
const SEGMENT_COMMIT_PAGES = 2;
// RTL_HEAP_PARAMETERS: DeCommitTotalFreeThreshold 64 KiB, DeCommitFreeBlockThreshold one page
const DECOMMIT_TOTAL_FREE = 64 * KiB;
// ASSUMPTION: _HEAP_ENTRY is 16 bytes on x64 (the 16-byte granularity of Windows Internals);
// _HEAP_SEGMENT header 0x80 bytes; _HEAP_VIRTUAL_ALLOC_ENTRY 0x40 bytes before a large block.
const BLOCK_HEADER = 16;
const SEGMENT_HEADER = 0x80;
const VIRTUAL_ALLOC_HEADER = 0x40;

interface Segment {
  start: number;
  reserve: number;
}

/** Heap segments: reserve, commit on demand, decommit a large free tail. */
class WindowsSegments implements ArenaGrowth {
  readonly segments: Segment[] = [];

  constructor(private readonly sys: Syscalls) {}

  grow(arena: Arena, nb: number): boolean {
    const page = this.sys.pageSize;
    const top = arena.top;
    const last = this.segments[this.segments.length - 1];
    if (top && last) {
      const commit = alignUp(nb + MINSIZE - top.size, SEGMENT_COMMIT_PAGES * page);
      const end = top.segment.end;
      if (end + commit <= last.start + last.reserve && this.sys.mprotect(end, commit, "read-write")) {
        top.size += commit;
        top.segment.end += commit;
        arena.addSystemMem(commit);
        arena.writeHead(top);
        return true;
      }
    }
    // ASSUMPTION: each new segment reserves twice the previous one (at least what the block needs)
    const need = alignUp(SEGMENT_HEADER + nb + MINSIZE, SEGMENT_COMMIT_PAGES * page);
    const reserve = alignUp(Math.max(last ? 2 * last.reserve : SEGMENT_RESERVE, need), 64 * KiB);
    const start = this.sys.mmap(reserve, "none", "windows heap segment");
    if (start === null) return false;
    if (!this.sys.mprotect(start, need, "read-write")) {
      this.sys.munmap(start, reserve);
      return false;
    }
    this.segments.push({ start, reserve });
    const newTop = createSegment(start, start + SEGMENT_HEADER, start + need, "top");
    arena.segments.push(newTop.segment);
    arena.addSystemMem(need);
    storeWords(this.sys.host, start, reserve, need);
    arena.top = newTop;
    arena.writeHead(newTop);
    if (top) arena.release(top); // the old segment's free tail stays in the free lists
    return true;
  }

  // ASSUMPTION (simplified NT heap decommit): once the free tail of the last segment's committed
  // part reaches DeCommitTotalFreeThreshold, its pages beyond the first are decommitted.
  trimAfterFree(arena: Arena): void {
    const top = arena.top;
    const page = this.sys.pageSize;
    if (!top || top.size < DECOMMIT_TOTAL_FREE) return;
    const keepEnd = alignUp(top.addr + MINSIZE, page) + page;
    const extra = alignDown(top.segment.end - keepEnd, page);
    if (extra <= 0) return;
    const from = top.segment.end - extra;
    this.sys.dontneed(from, extra);
    this.sys.mprotect(from, extra, "none");
    top.segment.end = from;
    top.size -= extra;
    arena.systemMem -= extra;
  }

  everObtainedEnd(): number {
    return 0; // HEAP_ZERO_MEMORY clears every heap block (ASSUMPTION): nothing is assumed zero
  }
}

interface VirtualBlock {
  start: number;
  length: number;
}

/**
 * The Windows process heap behind the UCRT's malloc: small blocks from heap segments that are
 * reserved and then committed as the heap grows, large blocks from their own VirtualAlloc.
 */
export class WindowsHeap implements Allocator {
  /** Which allocator this is: the Windows heap. */
  readonly kind = "windows" as const;
  /** What the allocator did so far: its calls and the system calls it issued. */
  readonly counters: AllocatorCounters = zeroCounters();
  errno: "ENOMEM" | null = null;
  private readonly sys: Syscalls;
  private readonly arena: Arena;
  private readonly growth: WindowsSegments;
  private readonly live = new Map<number, Chunk>();
  private readonly virtualBlocks = new Map<number, VirtualBlock>();
  private virtualBytes = 0;

  /** @param host - The process whose system calls the heap issues. */
  constructor(readonly host: VmHost) {
    this.sys = new Syscalls(host, this.counters);
    this.growth = new WindowsSegments(this.sys);
    this.arena = new Arena(0, host, this.growth);
  }

  /** malloc -> HeapAlloc(size): a heap block, or its own VirtualAlloc above the threshold. */
  malloc(size: number): number | null {
    requireByteCount("malloc", "size", size);
    this.counters.malloc++;
    return this.allocate(size);
  }

  /** calloc -> HeapAlloc(HEAP_ZERO_MEMORY): heap blocks are cleared, fresh VirtualAlloc pages are not. */
  calloc(count: number, size = 1): number | null {
    requireByteCount("calloc", "count", count);
    requireByteCount("calloc", "size", size);
    this.counters.calloc++;
    const bytes = count * size;
    const ptr = this.allocate(bytes);
    if (ptr === null) return null;
    const chunk = this.live.get(ptr);
    if (chunk) {
      this.sys.memset(ptr, 0, chunk.size - BLOCK_HEADER);
      this.counters.callocMemsetBytes += chunk.size - BLOCK_HEADER;
    } else {
      // ASSUMPTION: the heap skips clearing a fresh VirtualAlloc block (demand-zero pages)
      this.counters.callocSkippedBytes += bytes;
    }
    return ptr;
  }

  /** realloc -> HeapReAlloc: in place when the block or its free neighbour suffices, else move. */
  realloc(ptr: number | null, size: number): number | null {
    const p = requirePointer("realloc", "ptr", ptr);
    requireByteCount("realloc", "size", size);
    const usable = p === null ? 0 : this.usableOf("realloc", p);
    this.counters.realloc++;
    if (p === null) return this.allocate(size);
    if (size === 0) {
      this.release(p);
      return null;
    }
    const chunk = this.live.get(p);
    const nb = this.blockSize(size);
    if (chunk && nb <= VIRTUAL_MEMORY_THRESHOLD) {
      if (chunk.size >= nb) {
        this.arena.shrinkInPlace(chunk, nb);
        return p;
      }
      if (this.arena.growInPlace(chunk, nb)) return p;
    } else if (!chunk && usable >= size) {
      return p;
    }
    const moved = this.allocate(size);
    if (moved === null) return null;
    this.sys.memcpy(moved, p, Math.min(usable, size));
    this.release(p);
    return moved;
  }

  /** free -> HeapFree: heap blocks coalesce; a VirtualAlloc block is released (MEM_RELEASE). */
  free(ptr: number | null): void {
    const p = requirePointer("free", "ptr", ptr);
    if (p !== null) {
      this.usableOf("free", p);
      this.release(p);
    }
    this.counters.free++;
  }

  /** _msize: usable bytes at ptr. */
  usableSize(ptr: number): number {
    // _msize(NULL) is an invalid parameter in the CRT (it returns -1 and sets EINVAL)
    const p = requirePointer("_msize", "ptr", ptr);
    if (p === null) throw new InvalidArgumentError("_msize: ptr must not be NULL (the CRT's invalid-parameter case)");
    return this.usableOf("_msize", p);
  }

  /** Totals in mallinfo's terms: heap segments committed, VirtualAlloc blocks as "mmapped". */
  mallinfo(): MallInfo {
    const free = sumBy(this.arena.bins.all(), "size") + (this.arena.top ? this.arena.top.size : 0);
    return {
      arena: this.arena.systemMem,
      inUse: this.arena.systemMem - free,
      free,
      ordblks: this.arena.bins.count + (this.arena.top ? 1 : 0),
      mmapped: this.virtualBytes,
      hblks: this.virtualBlocks.size,
      keepcost: this.arena.top ? this.arena.top.size : 0,
      mmapThreshold: VIRTUAL_MEMORY_THRESHOLD,
      trimThreshold: DECOMMIT_TOTAL_FREE,
    };
  }

  /** Segment headers, heap blocks and VirtualAlloc blocks, by address. */
  blocks(): BlockInfo[] {
    const out: BlockInfo[] = [];
    for (const seg of this.arena.segments) {
      out.push({ start: seg.start, size: seg.firstChunk - seg.start, ptr: null, usable: 0, state: "internal", arena: 0 });
      for (let c = seg.head; c; c = c.next) {
        const inUse = c.state === "in-use";
        out.push({ start: c.addr, size: c.size, ptr: inUse ? chunkToMem(c.addr) : null, usable: inUse ? c.size - BLOCK_HEADER : 0, state: c.state, arena: 0 });
      }
    }
    for (const [ptr, v] of this.virtualBlocks) {
      out.push({ start: v.start, size: v.length, ptr, usable: v.length - VIRTUAL_ALLOC_HEADER, state: "mmapped", arena: null });
    }
    return out.sort((a, b) => a.start - b.start);
  }

  /** Blocks tile each segment's committed part and nothing overlaps. */
  check(): true {
    const fail = (msg: string): never => {
      throw new InternalCheckError(`check(): ${msg}`);
    };
    let committed = 0;
    for (const seg of this.arena.segments) {
      committed += seg.end - seg.start;
      let expect = seg.firstChunk;
      for (let c = seg.head; c; c = c.next) {
        if (c.addr !== expect) fail(`block 0x${c.addr.toString(16)}: expected one at 0x${expect.toString(16)}`);
        if (c.state === "free" && !this.arena.bins.has(c)) fail(`free block 0x${c.addr.toString(16)} is not in the free lists`);
        if (c.state === "in-use" && this.live.get(chunkToMem(c.addr)) !== c) fail(`block 0x${c.addr.toString(16)} is not tracked`);
        expect += c.size;
      }
      if (expect !== seg.end) fail(`segment 0x${seg.start.toString(16)}: blocks end at 0x${expect.toString(16)}, commit at 0x${seg.end.toString(16)}`);
    }
    if (committed !== this.arena.systemMem) fail(`segments commit ${committed} bytes, the total says ${this.arena.systemMem}`);
    const ranges = [
      ...this.growth.segments.map((s) => [s.start, s.start + s.reserve]),
      ...[...this.virtualBlocks.values()].map((v) => [v.start, v.start + v.length]),
    ].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) if (ranges[i][0] < ranges[i - 1][1]) fail(`region 0x${ranges[i][0].toString(16)} overlaps its neighbour`);
    return true;
  }

  /**
   * The heap of a forked child (see Allocator.forkInto): the same segments, blocks, free lists
   * and VirtualAlloc blocks. (Windows has no fork; the simulator lets its preset fork anyway.)
   */
  forkInto(child: VmHost): WindowsHeap {
    const copy = new WindowsHeap(child);
    const chunks = new ChunkCopy();
    copy.arena.inheritFrom(this.arena, chunks);
    for (const s of this.growth.segments) copy.growth.segments.push({ ...s });
    for (const [ptr, chunk] of this.live) copy.live.set(ptr, chunks.chunk(chunk));
    for (const [ptr, v] of this.virtualBlocks) copy.virtualBlocks.set(ptr, { ...v });
    copy.virtualBytes = this.virtualBytes;
    copy.errno = this.errno;
    return copy;
  }

  /** Short text for util.inspect. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return summarizeAllocator("WindowsHeap", this.mallinfo());
  }

  // ASSUMPTION: block size = size + 16-byte header, rounded to 16, at least 32 bytes
  private blockSize(size: number): number {
    return Math.max(MINSIZE, alignUp(size + BLOCK_HEADER, 16));
  }

  private allocate(size: number): number | null {
    const nb = this.blockSize(size);
    let ptr: number | null = null;
    if (nb > ADDRESS_SPACE_LIMIT) ptr = null;
    else if (nb > VIRTUAL_MEMORY_THRESHOLD) ptr = this.virtualAlloc(size);
    else {
      const chunk = this.arena.takeFromBins(nb) ?? this.arena.takeFromTop(nb) ?? (this.growth.grow(this.arena, nb) ? this.arena.takeFromTop(nb) : null);
      if (chunk) {
        ptr = chunkToMem(chunk.addr);
        this.live.set(ptr, chunk);
      }
    }
    if (ptr === null) {
      this.counters.failures++;
      this.errno = "ENOMEM";
    }
    return ptr;
  }

  // A large block: its own committed region; the header store puts the first page in the working set.
  private virtualAlloc(size: number): number | null {
    const length = alignUp(size + VIRTUAL_ALLOC_HEADER, this.host.pageSize);
    const start = this.sys.mmap(length, "read-write", "windows heap VirtualAlloc block");
    if (start === null) return null;
    storeWords(this.host, start, 0, 0, length, length);
    this.virtualBlocks.set(start + VIRTUAL_ALLOC_HEADER, { start, length });
    this.virtualBytes += length;
    return start + VIRTUAL_ALLOC_HEADER;
  }

  private release(ptr: number): void {
    const v = this.virtualBlocks.get(ptr);
    if (v) {
      this.sys.munmap(v.start, v.length);
      this.virtualBlocks.delete(ptr);
      this.virtualBytes -= v.length;
      return;
    }
    const chunk = this.live.get(ptr) as Chunk;
    this.live.delete(ptr);
    this.arena.release(chunk);
    this.growth.trimAfterFree(this.arena);
  }

  private usableOf(fn: string, ptr: number): number {
    const v = this.virtualBlocks.get(ptr);
    if (v) return v.length - VIRTUAL_ALLOC_HEADER;
    const chunk = this.live.get(ptr);
    if (!chunk) throw new HeapCorruptionError(`${fn}(): invalid heap pointer ${describeValue(ptr)} (HeapFree would fail with ERROR_INVALID_PARAMETER)`);
    return chunk.size - BLOCK_HEADER;
  }
}
