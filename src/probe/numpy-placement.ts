// Puts a simulated array at the same offset within a 2 MiB frame as the real one. ASLR moves the
// real mapping, and which 2 MiB ranges an array fully covers (THP) depends on that offset. The
// simulated glibc gets a VmHost whose next large mmap is steered: a trial mmap shows where the
// kernel's top-down search puts it, and a padding mapping above shifts it down to the wanted
// offset; the padding is unmapped right after, so VmSize and RSS are as without it.
import type { Process } from "../kernel";
import type { Advice, Protection, VmHost } from "../libc/host";

/** Tries before the natural placement is kept (a padding may land in a higher hole first). */
const MAX_TRIES = 4;

const mod = (a: number, m: number) => ((a % m) + m) % m;

interface Wanted {
  /** Offset of the mapping start within a huge page. */
  offset: number;
  /** Only an mmap at least this long is steered (the array's, not an arena's). */
  minLength: number;
}

/** A VmHost over `proc` whose next large mmap can be asked to land at an offset within a huge page. */
export class SteeredHost implements VmHost {
  private wanted: Wanted | null = null;
  /** Where the last steered mmap landed, and whether the offset was met. */
  lastPlacement: { wanted: number; got: number } | null = null;

  constructor(
    private readonly proc: Process,
    private readonly hugeBytes: number,
  ) {}

  get pageSize(): number {
    return this.proc.pageSize;
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** The next mmap of at least `minLength` bytes should start at `offset` modulo the huge page size. */
  steerNext(offset: number, minLength: number): void {
    this.wanted = this.hugeBytes > 0 ? { offset: mod(offset, this.hugeBytes), minLength } : null;
    this.lastPlacement = null;
  }

  /** Forgets a steering request no mmap used (a small array came from the heap). */
  clear(): void {
    this.wanted = null;
  }

  mmap(length: number, opts?: { prot?: Protection; name?: string }): number {
    const wanted = this.wanted;
    if (wanted === null || length < wanted.minLength) return this.proc.mmap(length, opts);
    this.wanted = null;
    const addr = this.mmapAtOffset(length, opts, wanted.offset);
    this.lastPlacement = { wanted: wanted.offset, got: mod(addr, this.hugeBytes) };
    return addr;
  }

  private mmapAtOffset(length: number, opts: { prot?: Protection; name?: string } | undefined, offset: number): number {
    const pads: [number, number][] = [];
    try {
      for (let tries = 0; tries < MAX_TRIES; tries++) {
        const addr = this.proc.mmap(length, opts);
        const shift = mod(addr - offset, this.hugeBytes);
        if (shift === 0) return addr;
        this.proc.munmap(addr, length);
        pads.push([this.proc.mmap(shift, { prot: "none", name: "placement padding" }), shift]);
      }
      return this.proc.mmap(length, opts);
    } finally {
      for (const [addr, len] of pads) this.proc.munmap(addr, len);
    }
  }

  munmap(addr: number, length: number): void {
    this.proc.munmap(addr, length);
  }

  mprotect(addr: number, length: number, prot: Protection): void {
    this.proc.mprotect(addr, length, prot);
  }

  madvise(addr: number, length: number, advice: Advice): void {
    this.proc.madvise(addr, length, advice);
  }

  brk(newEnd?: number): number {
    return this.proc.brk(newEnd);
  }

  sbrk(increment: number): number {
    return this.proc.sbrk(increment);
  }

  memset(addr: number, byte: number, length: number): void {
    this.proc.memset(addr, byte, length);
  }

  write(addr: number, bytes: Uint8Array): void {
    this.proc.write(addr, bytes);
  }

  read(addr: number, length: number): Uint8Array {
    return this.proc.read(addr, length);
  }

  memcpy(dst: number, src: number, length: number): void {
    this.proc.memcpy(dst, src, length);
  }
}
