// A small stand-in for the kernel's Process: mappings as ranges with a protection, a program
// break, and residency per page (a page becomes resident when written, dropped by
// MADV_DONTNEED or munmap). It records every call so tests can assert which system calls
// the allocator made. Only written pages hold bytes, so large mappings cost nothing.
import { OutOfMemoryError, SegmentationFault } from "../../src/errors";
import type { Advice, Protection, VmHost } from "../../src/libc/host";

interface Range {
  start: number;
  end: number;
  prot: Protection;
}

export interface FakeCall {
  call: string;
  args: unknown[];
}

export class FakeHost implements VmHost {
  readonly pid = 1;
  readonly calls: FakeCall[] = [];
  private ranges: Range[] = [];
  private readonly pages = new Map<number, Uint8Array>();
  private readonly heapStart: number;
  private breakAddr: number;
  private nextMmap = 0x7f0000000000;
  /** Largest single mapping the fake kernel grants (bytes); bigger ones fail with ENOMEM. */
  maxMapping = 2 ** 40;
  /** Largest brk heap the fake kernel grants. */
  maxHeap = 2 ** 36;

  constructor(readonly pageSize = 4096) {
    this.heapStart = 0x555555560000;
    this.breakAddr = this.heapStart;
  }

  /** Resident bytes (written pages x page size), like VmRSS. */
  get rss(): number {
    return this.pages.size * this.pageSize;
  }

  /** Whether the page holding `addr` is resident. */
  resident(addr: number): boolean {
    return this.pages.has(Math.floor(addr / this.pageSize));
  }

  /** Protection at `addr`, or null outside any mapping. */
  protAt(addr: number): Protection | null {
    const r = this.ranges.find((x) => x.start <= addr && addr < x.end);
    return r ? r.prot : null;
  }

  /** Calls of one kind, e.g. "mmap". */
  callsOf(name: string): FakeCall[] {
    return this.calls.filter((c) => c.call === name);
  }

  mmap(length: number, opts?: { prot?: Protection; name?: string }): number {
    this.calls.push({ call: "mmap", args: [length, opts] });
    if (length <= 0 || length % this.pageSize !== 0) throw new Error(`fake mmap: bad length ${length}`);
    if (length > this.maxMapping) throw new OutOfMemoryError(`fake mmap: ${length} bytes refused`);
    this.nextMmap -= length;
    const start = this.nextMmap;
    this.ranges.push({ start, end: start + length, prot: opts?.prot ?? "read-write" });
    return start;
  }

  munmap(addr: number, length: number): void {
    this.calls.push({ call: "munmap", args: [addr, length] });
    this.requireAligned(addr, length);
    this.cut(addr, addr + length);
    this.dropPages(addr, length);
  }

  mprotect(addr: number, length: number, prot: Protection): void {
    this.calls.push({ call: "mprotect", args: [addr, length, prot] });
    this.requireAligned(addr, length);
    this.cut(addr, addr + length);
    this.ranges.push({ start: addr, end: addr + length, prot });
  }

  madvise(addr: number, length: number, advice: Advice): void {
    this.calls.push({ call: "madvise", args: [addr, length, advice] });
    if (advice === "dontneed") this.dropPages(addr, length);
  }

  brk(newEnd?: number): number {
    this.calls.push({ call: "brk", args: [newEnd] });
    if (newEnd !== undefined && newEnd >= this.heapStart && newEnd - this.heapStart <= this.maxHeap) this.setBreak(newEnd);
    return this.breakAddr;
  }

  sbrk(increment: number): number {
    this.calls.push({ call: "sbrk", args: [increment] });
    const old = this.breakAddr;
    const next = old + increment;
    if (next < this.heapStart || next - this.heapStart > this.maxHeap) throw new OutOfMemoryError(`fake sbrk: ${increment} refused`);
    this.setBreak(next);
    return old;
  }

  memset(addr: number, byte: number, length: number): void {
    this.calls.push({ call: "memset", args: [addr, byte, length] });
    this.access(addr, length, (page, off, n) => page.fill(byte, off, off + n));
  }

  write(addr: number, bytes: Uint8Array): void {
    let done = 0;
    this.access(addr, bytes.length, (page, off, n) => {
      page.set(bytes.subarray(done, done + n), off);
      done += n;
    });
  }

  read(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let pos = 0;
    for (let a = addr; a < addr + length; ) {
      this.requireMapped(a, false);
      const pn = Math.floor(a / this.pageSize);
      const off = a - pn * this.pageSize;
      const n = Math.min(this.pageSize - off, addr + length - a);
      const page = this.pages.get(pn);
      if (page) out.set(page.subarray(off, off + n), pos);
      pos += n;
      a += n;
    }
    return out;
  }

  private access(addr: number, length: number, f: (page: Uint8Array, off: number, n: number) => void): void {
    for (let a = addr; a < addr + length; ) {
      this.requireMapped(a, true);
      const pn = Math.floor(a / this.pageSize);
      const off = a - pn * this.pageSize;
      const n = Math.min(this.pageSize - off, addr + length - a);
      let page = this.pages.get(pn);
      if (!page) {
        page = new Uint8Array(this.pageSize);
        this.pages.set(pn, page);
      }
      f(page, off, n);
      a += n;
    }
  }

  private requireMapped(addr: number, write: boolean): void {
    const inHeap = addr >= this.heapStart && addr < this.breakAddr;
    const prot = inHeap ? "read-write" : this.protAt(addr);
    if (prot === null || prot === "none" || (write && prot !== "read-write")) {
      throw new SegmentationFault(`fake: ${write ? "write" : "read"} at 0x${addr.toString(16)} (${prot ?? "unmapped"})`, addr);
    }
  }

  private setBreak(next: number): void {
    const oldEnd = Math.ceil(this.breakAddr / this.pageSize) * this.pageSize;
    const newEnd = Math.ceil(next / this.pageSize) * this.pageSize;
    if (newEnd < oldEnd) this.dropPages(newEnd, oldEnd - newEnd);
    this.breakAddr = next;
  }

  private dropPages(addr: number, length: number): void {
    for (let pn = Math.floor(addr / this.pageSize); pn < Math.ceil((addr + length) / this.pageSize); pn++) this.pages.delete(pn);
  }

  private cut(start: number, end: number): void {
    const out: Range[] = [];
    for (const r of this.ranges) {
      if (r.end <= start || r.start >= end) out.push(r);
      else {
        if (r.start < start) out.push({ start: r.start, end: start, prot: r.prot });
        if (r.end > end) out.push({ start: end, end: r.end, prot: r.prot });
      }
    }
    this.ranges = out;
  }

  private requireAligned(addr: number, length: number): void {
    if (addr % this.pageSize !== 0 || length % this.pageSize !== 0) throw new Error(`fake: unaligned range 0x${addr.toString(16)}+${length}`);
  }
}
