// Looking inside the ptmalloc model: a listing of every block, mallinfo2-style totals, and a
// check of the invariants (chunks tile each heap exactly, no overlap, every byte accounted for).
import { InternalCheckError } from "../errors";
import type { BlockInfo, MallInfo } from "./allocator";
import { chunkToMem, type Chunk } from "./chunk";
import { CHUNK_HDR_SZ, HEAP_MAX_SIZE, MALLOC_ALIGNMENT, MINSIZE, SIZE_SZ, TCACHE_FILL_COUNT } from "./constants";
import type { Ptmalloc } from "./ptmalloc";
import sumBy from "lodash/sumBy";

/** mallinfo() of the glibc model: glibc's totals plus the tunables a notebook wants to see. */
export interface GlibcMallInfo extends MallInfo {
  /** M_TOP_PAD: extra bytes asked of sbrk beyond each request. */
  topPad: number;
  /** M_MMAP_MAX: the most chunks that may have their own mapping at once. */
  mmapMax: number;
  /** False once mallopt froze the thresholds (REFERENCE §1.3). */
  dynamicThreshold: boolean;
  /** Arenas in use (main + thread arenas). */
  arenas: number;
  /** Most bytes the main heap ever held (glibc max_system_mem: calloc's fresh-memory mark). */
  maxSystemMem: number;
  /** Most bytes ever in mmapped chunks at once. */
  maxMmapped: number;
  /** Chunks and bytes parked in thread caches (counted in inUse, as glibc does). */
  tcacheChunks: number;
  /** Bytes of those chunks. */
  tcacheBytes: number;
  /** The brk heap's range, null before its first sbrk. */
  heapStart: number | null;
  /** The brk heap's end (the break), null before its first sbrk. */
  heapEnd: number | null;
}

/** Every block of the process's allocator, sorted by address. */
export function listBlocks(engine: Ptmalloc): BlockInfo[] {
  const out: BlockInfo[] = [];
  for (const arena of engine.arenas) {
    for (const seg of arena.segments) {
      if (seg.firstChunk > seg.start) {
        out.push({ start: seg.start, size: seg.firstChunk - seg.start, ptr: null, usable: 0, state: "internal", arena: arena.index });
      }
      for (let c = seg.head; c; c = c.next) {
        const handedOut = c.state === "in-use" || c.state === "tcache";
        out.push({
          start: c.addr,
          size: c.size,
          ptr: handedOut ? chunkToMem(c.addr) : null,
          usable: c.state === "in-use" ? c.size - SIZE_SZ : 0,
          state: c.state,
          arena: arena.index,
        });
      }
    }
  }
  for (const mm of engine.mmapped.all()) {
    out.push({ start: mm.addr, size: mm.size, ptr: chunkToMem(mm.addr), usable: mm.size - CHUNK_HDR_SZ, state: "mmapped", arena: null });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** mallinfo2(): totals over all arenas and mmapped chunks. */
export function mallinfo(engine: Ptmalloc): GlibcMallInfo {
  let arenaBytes = 0;
  let free = 0;
  let ordblks = 0;
  for (const arena of engine.arenas) {
    arenaBytes += arena.systemMem;
    if (arena.top) {
      free += arena.top.size;
      ordblks++;
    }
    for (const c of arena.bins.all()) {
      free += c.size;
      ordblks++;
    }
  }
  const cached = engine.tcaches.flatMap((t) => t.all());
  const main = engine.arenas[0];
  const heap = main.segments[0];
  const p = engine.params;
  return {
    arena: arenaBytes,
    inUse: arenaBytes - free,
    free,
    ordblks,
    mmapped: engine.mmapped.bytes,
    hblks: engine.mmapped.count,
    keepcost: main.top ? main.top.size : 0,
    mmapThreshold: p.mmapThreshold,
    trimThreshold: p.trimThreshold,
    topPad: p.topPad,
    mmapMax: p.mmapMax,
    dynamicThreshold: !p.noDynThreshold,
    arenas: engine.arenas.length,
    maxSystemMem: main.maxSystemMem,
    maxMmapped: engine.mmapped.maxBytes,
    tcacheChunks: cached.length,
    tcacheBytes: sumBy(cached, "size"),
    heapStart: heap ? heap.start : null,
    heapEnd: heap ? heap.end : null,
  };
}

/** Verifies the model's invariants; throws an InternalCheckError naming the first violation. */
export function checkInvariants(engine: Ptmalloc): true {
  const fail = (msg: string): never => {
    throw new InternalCheckError(`check(): ${msg}`);
  };
  const hex = (x: number) => `0x${x.toString(16)}`;
  let liveSeen = 0;
  let tcachedSeen = 0;
  const ranges: Array<[number, number, string]> = [];

  for (const arena of engine.arenas) {
    let total = 0;
    let freeSeen = 0;
    let topSeen = false;
    const heaps = engine.threadHeaps.get(arena);
    for (const seg of arena.segments) {
      total += seg.end - seg.start;
      const reserved = heaps ? HEAP_MAX_SIZE : seg.end - seg.start;
      ranges.push([seg.start, seg.start + reserved, `arena ${arena.index} heap at ${hex(seg.start)}`]);
      let expect = seg.firstChunk;
      let prev: Chunk | null = null;
      for (let c = seg.head; c; c = c.next) {
        const at = `arena ${arena.index} chunk ${hex(c.addr)}`;
        if (c.segment !== seg || c.prev !== prev) fail(`${at}: broken chunk links`);
        if (c.addr !== expect) fail(`${at}: expected a chunk at ${hex(expect)} (gap or overlap)`);
        if (c.size <= 0 || c.size % MALLOC_ALIGNMENT !== 0) fail(`${at}: size ${c.size} is not a positive multiple of 16`);
        if (c.size < MINSIZE && c.state !== "internal") fail(`${at}: ${c.state} chunk smaller than MINSIZE`);
        if (c.state === "free") {
          freeSeen++;
          if (!arena.bins.has(c)) fail(`${at}: free chunk missing from the bins`);
          if (prev && prev.state === "free") fail(`${at}: two adjacent free chunks were not coalesced`);
          if (c.next && c.next.state === "top") fail(`${at}: free chunk next to top was not merged`);
        }
        if (c.state === "top") {
          if (topSeen || c !== arena.top || c !== seg.tail) fail(`${at}: top chunk is not the arena's single last chunk`);
          topSeen = true;
        }
        if (c.state === "in-use" || c.state === "tcache") {
          liveSeen++;
          if (c.state === "tcache") tcachedSeen++;
          if (engine.liveAt(chunkToMem(c.addr)) !== c) fail(`${at}: ${c.state} chunk not tracked by its pointer`);
        }
        expect += c.size;
        prev = c;
      }
      if (expect !== seg.end) fail(`arena ${arena.index} heap at ${hex(seg.start)}: chunks end at ${hex(expect)}, heap at ${hex(seg.end)}`);
      if (seg.tail !== prev) fail(`arena ${arena.index} heap at ${hex(seg.start)}: wrong tail chunk`);
    }
    if (arena.top && !topSeen) fail(`arena ${arena.index}: top chunk lies outside its heaps`);
    if (freeSeen !== arena.bins.count) fail(`arena ${arena.index}: ${arena.bins.count} binned chunks, ${freeSeen} free chunks in the heaps`);
    if (total !== arena.systemMem) fail(`arena ${arena.index}: heaps hold ${total} bytes, system_mem says ${arena.systemMem}`);
  }

  const brkHeap = engine.arenas[0].segments[0];
  if (brkHeap && engine.sys.currentBreak() !== brkHeap.end) {
    fail(`the program break ${hex(engine.sys.currentBreak())} is not the heap end ${hex(brkHeap.end)}`);
  }
  if (liveSeen !== engine.liveCount) fail(`${engine.liveCount} tracked pointers, ${liveSeen} in-use or cached chunks`);
  let cached = 0;
  for (const tcache of engine.tcaches) {
    const chunks = tcache.all();
    cached += chunks.length;
    if (chunks.some((c) => c.state !== "tcache")) fail("a tcache holds a chunk that is not marked cached");
    const perSize = new Map<number, number>();
    for (const c of chunks) perSize.set(c.size, (perSize.get(c.size) ?? 0) + 1);
    if ([...perSize.values()].some((n) => n > TCACHE_FILL_COUNT)) fail(`a tcache bin holds more than ${TCACHE_FILL_COUNT} chunks`);
  }
  if (cached !== tcachedSeen) fail(`${cached} chunks in tcaches, ${tcachedSeen} marked cached in the heaps`);

  const page = engine.sys.pageSize;
  let mmBytes = 0;
  const mms = engine.mmapped.all();
  for (const mm of mms) {
    if (mm.addr % page !== 0 || mm.size % page !== 0) fail(`mmapped chunk ${hex(mm.addr)} is not page-aligned`);
    mmBytes += mm.size;
    ranges.push([mm.addr, mm.addr + mm.size, `mmapped chunk ${hex(mm.addr)}`]);
  }
  if (mms.length !== engine.mmapped.count || mmBytes !== engine.mmapped.bytes) fail("mmapped chunk totals disagree with the chunks");

  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) fail(`${ranges[i][2]} overlaps ${ranges[i - 1][2]}`);
  }
  return true;
}
