// The allocator's system calls: each one counted, and a kernel refusal (ENOMEM: overcommit,
// address space exhausted) turned into a failed result the way libc sees -1 / MAP_FAILED.
// Any other error (a killed process, a bug) propagates.
import { InvalidArgumentError, OutOfMemoryError } from "../errors";
import { ADDRESS_SPACE_LIMIT } from "./constants";
import type { Protection, VmHost } from "./host";
import type { AllocatorCounters } from "./params";

export class Syscalls {
  constructor(
    readonly host: VmHost,
    private readonly counters: AllocatorCounters,
  ) {}

  get pageSize(): number {
    return this.host.pageSize;
  }

  /** mmap of an anonymous private region; returns its address, or null on ENOMEM. */
  mmap(length: number, prot: Protection, name: string): number | null {
    if (length > ADDRESS_SPACE_LIMIT) return null;
    const addr = refusedAsNull(() => this.host.mmap(length, { prot, name }), true);
    if (addr !== null) {
      this.counters.mmaps++;
      this.counters.mmapBytes += length;
    }
    return addr;
  }

  /** munmap of a region this allocator mapped. */
  munmap(addr: number, length: number): void {
    this.host.munmap(addr, length);
    this.counters.munmaps++;
    this.counters.munmapBytes += length;
  }

  /** Current program break. */
  currentBreak(): number {
    return this.host.brk();
  }

  /** sbrk(increment); returns the old break, or null on ENOMEM. */
  sbrk(increment: number): number | null {
    if (increment > ADDRESS_SPACE_LIMIT) return null;
    const old = refusedAsNull(() => this.host.sbrk(increment), true);
    if (old === null) return null;
    this.counters.sbrkCalls++;
    if (increment > 0) this.counters.brkGrowthBytes += increment;
    else this.counters.brkTrimBytes -= increment;
    return old;
  }

  /** mprotect; false on ENOMEM (e.g. strict overcommit refusing to make a reservation writable). */
  mprotect(addr: number, length: number, prot: Protection): boolean {
    const ok = refusedAsNull(() => {
      this.host.mprotect(addr, length, prot);
      return true;
    });
    if (ok) this.counters.mprotects++;
    return ok === true;
  }

  /** madvise(MADV_DONTNEED): the pages are dropped and read back as zero. */
  dontneed(addr: number, length: number): void {
    this.host.madvise(addr, length, "dontneed");
    this.counters.madviseDontneedBytes += length;
  }

  /** memset through the process: every page of the range is written. */
  memset(addr: number, byte: number, length: number): void {
    if (length > 0) this.host.memset(addr, byte, length);
  }

  /** Copies `length` bytes, with the host's memcpy when it has one, else a page at a time. */
  memcpy(dst: number, src: number, length: number): void {
    if (length <= 0) return;
    if (this.host.memcpy) {
      this.host.memcpy(dst, src, length);
      return;
    }
    const step = this.host.pageSize;
    for (let off = 0; off < length; off += step) {
      const n = Math.min(step, length - off);
      this.host.write(dst + off, this.host.read(src + off, n));
    }
  }
}

// Linux answers an mmap or brk beyond the address space with ENOMEM; the simulated kernel
// rejects such a length as an invalid argument, so for those two calls both mean ENOMEM.
function refusedAsNull<T>(call: () => T, sizeRefusalIsEnomem = false): T | null {
  try {
    return call();
  } catch (e) {
    if (e instanceof OutOfMemoryError || (sizeRefusalIsEnomem && e instanceof InvalidArgumentError)) return null;
    throw e;
  }
}
