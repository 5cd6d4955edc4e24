// Picks, among the address ranges that appeared around an allocation, the one that backs it.
import { DEFAULT_MMAP_THRESHOLD, mmapChunkBytes, requestToChunkSize } from "../libc/constants";
import { MappingRange, NewRegion } from "./maps";

export interface Identification {
  /** The range backing the allocation, or null when no unique one was found. */
  mapping: MappingRange | null;
  /** True when `mapping` has exactly the length of a glibc mmapped chunk for this request. */
  exactChunk: boolean;
  note: string;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Chooses the mapping that backs a fresh allocation of `bytes` from the regions that appeared
 * around it. Prefers a unique range of exactly glibc's mmapped-chunk length (REFERENCE §1.2);
 * else, for a request glibc may mmap, a unique VMA with room for it; else none. Returns the
 * choice and why.
 */
export function identifyAllocation(regions: readonly NewRegion[], bytes: number, pageSize: number): Identification {
  const chunkBytes = mmapChunkBytes(requestToChunkSize(bytes), pageSize);
  const exact: MappingRange[] = [];
  const addExact = (r: MappingRange) => {
    if (r.end - r.start === chunkBytes && !exact.some((e) => e.start === r.start && e.end === r.end)) {
      exact.push({ start: r.start, end: r.end });
    }
  };
  for (const region of regions) {
    addExact(region);
    addExact(region.vma); // a fresh mmap placed where a just-freed one had been
  }
  if (exact.length === 1) {
    const m = exact[0];
    return {
      mapping: m,
      exactChunk: true,
      note: `a fresh mapping ${hex(m.start)}-${hex(m.end)} (${(m.end - m.start) / pageSize} pages) appeared, exactly the size glibc mmaps for ${bytes} bytes`,
    };
  }
  if (exact.length > 1) {
    return {
      mapping: null,
      exactChunk: false,
      note: `${exact.length} new mappings of the expected size ${chunkBytes} appeared at once (another thread allocated too); cannot tell which backs the array`,
    };
  }
  // glibc serves a request below the smallest mmap threshold from an arena (REFERENCE §1.1): on
  // the main thread that is the brk heap, never a fresh anonymous region. A region that appeared
  // meanwhile is someone else's (a page V8 committed for its own heap), not the array's.
  if (bytes < DEFAULT_MMAP_THRESHOLD) {
    return servedFromArena(`glibc serves ${bytes} bytes (below its smallest mmap threshold, ${DEFAULT_MMAP_THRESHOLD}) from its arena`);
  }
  const roomy = regions.filter((r) => r.end - r.start >= bytes);
  const vmas = roomy.map((r) => r.vma).filter((v, i, all) => all.findIndex((w) => w.start === v.start) === i);
  if (vmas.length === 1) {
    const v = vmas[0];
    return {
      mapping: { start: v.start, end: v.end },
      exactChunk: false,
      note: `no new mapping had the size glibc mmaps for ${bytes} bytes (${chunkBytes}); the VMA ${hex(v.start)}-${hex(v.end)} grew enough to hold it, so the array lies somewhere in it, beside other data`,
    };
  }
  if (vmas.length > 1) {
    return {
      mapping: null,
      exactChunk: false,
      note: `${vmas.length} anonymous mappings large enough appeared at once; cannot tell which backs the array`,
    };
  }
  return servedFromArena(`no new mapping large enough appeared: the allocator served the ${bytes} bytes`);
}

function servedFromArena(what: string): Identification {
  return {
    mapping: null,
    exactChunk: false,
    note: `${what} from memory it already had (the brk heap or a free chunk), so the array's pages cannot be told apart from their neighbours'`,
  };
}
