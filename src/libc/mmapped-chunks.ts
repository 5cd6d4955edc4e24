// Chunks that glibc serves with their own anonymous mapping (requests at or above the mmap
// threshold): the chunk header sits at the mapping start and the user pointer 16 bytes in, so the
// header store makes the first page resident while the rest stays untouched.
import { CHUNK_HDR_SZ, mmapChunkBytes } from "./constants";
import type { Syscalls } from "./syscalls";
import { storeWords } from "./words";

// glibc malloc.c: IS_MMAPPED, bit 1 of the size word
const IS_MMAPPED = 2;

export interface MmappedChunk {
  /** Mapping start = chunk address. */
  readonly addr: number;
  /** Mapping length = chunk size (page multiple). */
  readonly size: number;
}

export class MmappedChunks {
  private readonly byMem = new Map<number, MmappedChunk>();
  /** glibc mp_.n_mmaps, mp_.mmapped_mem and its high-water mark. */
  count = 0;
  bytes = 0;
  maxBytes = 0;

  constructor(private readonly sys: Syscalls) {}

  /** fork(): the child holds the same mmapped chunks (the mappings were copied with its address space). */
  inheritFrom(parent: MmappedChunks): void {
    for (const [mem, chunk] of parent.byMem) this.byMem.set(mem, { addr: chunk.addr, size: chunk.size });
    this.count = parent.count;
    this.bytes = parent.bytes;
    this.maxBytes = parent.maxBytes;
  }

  /** sysmalloc try_mmap: maps ALIGN_UP(nb + 8, pagesize) bytes (REFERENCE §1.2); null on ENOMEM. */
  map(nb: number): MmappedChunk | null {
    const size = mmapChunkBytes(nb, this.sys.pageSize);
    const addr = this.sys.mmap(size, "read-write", "glibc mmapped chunk");
    if (addr === null) return null;
    // set_prev_size + set_head at the mapping start: this store writes the first page
    storeWords(this.sys.host, addr, 0, size + IS_MMAPPED);
    const chunk: MmappedChunk = { addr, size };
    this.byMem.set(addr + CHUNK_HDR_SZ, chunk);
    this.count++;
    this.bytes += size;
    this.maxBytes = Math.max(this.maxBytes, this.bytes);
    return chunk;
  }

  /** The mmapped chunk whose user pointer is `mem`, if any. */
  get(mem: number): MmappedChunk | undefined {
    return this.byMem.get(mem);
  }

  /** munmap_chunk: the whole mapping goes back to the kernel. */
  unmap(chunk: MmappedChunk): void {
    this.sys.munmap(chunk.addr, chunk.size);
    this.byMem.delete(chunk.addr + CHUNK_HDR_SZ);
    this.count--;
    this.bytes -= chunk.size;
  }

  /** Every live mmapped chunk, in allocation order. */
  all(): MmappedChunk[] {
    return [...this.byMem.values()];
  }
}
