// The allocator of the eager platform (no MMU, REFERENCE §3.8 / §6.3): every allocation is its own
// anonymous mapping, which the kernel backs and clears at once, and calloc clears the block
// again itself because it cannot know that. Nothing is lazy: what is allocated is resident.
// ASSUMPTION: modelled on the simplest no-MMU C library allocator (one mmap per allocation with
// the size kept in a header in front of the block, as uClibc's malloc-simple is described); the
// 16-byte header keeps the 16-byte alignment of the other models.
import { HeapCorruptionError, InternalCheckError, describeValue } from "../errors";
import type { Allocator, BlockInfo, MallInfo } from "./allocator";
import { ADDRESS_SPACE_LIMIT, alignUp } from "./constants";
import type { VmHost } from "./host";
import { zeroCounters, type AllocatorCounters } from "./params";
import { Syscalls } from "./syscalls";
import { summarizeAllocator } from "./summary";
import { requireByteCount, requirePointer } from "./validate";
import { storeWords } from "./words";

const HEADER = 16;

interface Mapping {
  start: number;
  length: number;
}

/**
 * The C allocator of the eager (no-MMU) platform: every allocation is its own mapping, backed and
 * cleared at once, with a 16-byte header in front. Nothing is lazy: what is allocated is resident.
 */
export class EagerAllocator implements Allocator {
  /** Which allocator this is: the eager one. */
  readonly kind = "eager" as const;
  /** What the allocator did so far: its calls and the system calls it issued. */
  readonly counters: AllocatorCounters = zeroCounters();
  errno: "ENOMEM" | null = null;
  private readonly sys: Syscalls;
  private readonly byPtr = new Map<number, Mapping>();
  private bytes = 0;

  /** @param host - The process whose system calls the allocator issues. */
  constructor(readonly host: VmHost) {
    this.sys = new Syscalls(host, this.counters);
  }

  /** malloc(size): a fresh mapping of page_align(size + 16) bytes; returns start + 16 or null. */
  malloc(size: number): number | null {
    requireByteCount("malloc", "size", size);
    this.counters.malloc++;
    return this.map(size);
  }

  /** calloc(count, size): a fresh mapping, cleared by the allocator as well (it cannot rely on the kernel). */
  calloc(count: number, size = 1): number | null {
    requireByteCount("calloc", "count", count);
    requireByteCount("calloc", "size", size);
    this.counters.calloc++;
    const bytes = count * size;
    const ptr = this.map(bytes);
    if (ptr !== null) {
      this.sys.memset(ptr, 0, bytes);
      this.counters.callocMemsetBytes += bytes;
    }
    return ptr;
  }

  /** realloc(ptr, size): keeps the block if it fits, else maps a new one, copies and unmaps. */
  realloc(ptr: number | null, size: number): number | null {
    const p = requirePointer("realloc", "ptr", ptr);
    requireByteCount("realloc", "size", size);
    const old = p === null ? null : this.mappingAt("realloc", p);
    this.counters.realloc++;
    if (p === null || old === null) return this.map(size);
    if (size === 0) {
      this.unmap(p, old);
      return null;
    }
    if (old.length - HEADER >= size) return p;
    const moved = this.map(size);
    if (moved === null) return null;
    this.sys.memcpy(moved, p, old.length - HEADER);
    this.unmap(p, old);
    return moved;
  }

  /** free(ptr): the mapping goes back to the kernel. */
  free(ptr: number | null): void {
    const p = requirePointer("free", "ptr", ptr);
    if (p !== null) this.unmap(p, this.mappingAt("free", p));
    this.counters.free++;
  }

  /** Usable bytes at ptr: the mapping minus the header. */
  usableSize(ptr: number): number {
    const p = requirePointer("malloc_usable_size", "ptr", ptr);
    return p === null ? 0 : this.mappingAt("malloc_usable_size", p).length - HEADER; // NULL: 0, as glibc
  }

  /** Totals: everything is "mmapped", there is no heap. */
  mallinfo(): MallInfo {
    return {
      arena: 0, inUse: 0, free: 0, ordblks: 0,
      mmapped: this.bytes, hblks: this.byPtr.size, keepcost: 0,
      mmapThreshold: 0, trimThreshold: Infinity,
    };
  }

  /** One mmapped block per allocation, by address. */
  blocks(): BlockInfo[] {
    return [...this.byPtr.entries()]
      .map(([ptr, m]): BlockInfo => ({ start: m.start, size: m.length, ptr, usable: m.length - HEADER, state: "mmapped", arena: null }))
      .sort((a, b) => a.start - b.start);
  }

  /** Mappings are page-aligned, disjoint, and add up to the recorded total. */
  check(): true {
    const blocks = this.blocks();
    let total = 0;
    blocks.forEach((b, i) => {
      if (b.start % this.host.pageSize !== 0 || b.size % this.host.pageSize !== 0) throw new InternalCheckError(`check(): block 0x${b.start.toString(16)} is not page-aligned`);
      if (i > 0 && b.start < blocks[i - 1].start + blocks[i - 1].size) throw new InternalCheckError(`check(): block 0x${b.start.toString(16)} overlaps its neighbour`);
      total += b.size;
    });
    if (total !== this.bytes) throw new InternalCheckError(`check(): blocks hold ${total} bytes, the total says ${this.bytes}`);
    return true;
  }

  /**
   * The allocator of a forked child (see Allocator.forkInto): the same blocks. The kernel refuses
   * fork on the eager platform (no MMU), so only a host that can fork gets here.
   */
  forkInto(child: VmHost): EagerAllocator {
    const copy = new EagerAllocator(child);
    for (const [ptr, m] of this.byPtr) copy.byPtr.set(ptr, { ...m });
    copy.bytes = this.bytes;
    copy.errno = this.errno;
    return copy;
  }

  /** Short text for util.inspect. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return summarizeAllocator("EagerAllocator", this.mallinfo());
  }

  private map(size: number): number | null {
    const length = alignUp(size + HEADER, this.host.pageSize);
    const start = length > ADDRESS_SPACE_LIMIT ? null : this.sys.mmap(length, "read-write", "eager malloc block");
    if (start === null) {
      this.counters.failures++;
      this.errno = "ENOMEM";
      return null;
    }
    storeWords(this.host, start, length, 0);
    this.byPtr.set(start + HEADER, { start, length });
    this.bytes += length;
    return start + HEADER;
  }

  private unmap(ptr: number, m: Mapping): void {
    this.sys.munmap(m.start, m.length);
    this.byPtr.delete(ptr);
    this.bytes -= m.length;
  }

  private mappingAt(fn: string, ptr: number): Mapping {
    const m = this.byPtr.get(ptr);
    if (!m) throw new HeapCorruptionError(`${fn}(): invalid pointer ${describeValue(ptr)}`);
    return m;
  }
}
