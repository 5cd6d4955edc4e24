// What the C library needs from the simulated process underneath it: the system calls an
// allocator issues and the memory accesses it performs (header stores, memset, memcpy).
// The kernel's Process satisfies this structurally; tests may pass a small fake.

export type Protection = "none" | "read" | "read-write";
export type Advice = "hugepage" | "nohugepage" | "dontneed";

export interface VmHost {
  /** Base page size of the platform in bytes (4096, 16384, 65536). */
  readonly pageSize: number;
  readonly pid: number;
  /** Anonymous private mapping; returns its page-aligned start address. */
  mmap(length: number, opts?: { prot?: Protection; name?: string }): number;
  munmap(addr: number, length: number): void;
  mprotect(addr: number, length: number, prot: Protection): void;
  madvise(addr: number, length: number, advice: Advice): void;
  /** Linux brk semantics: returns the break after the call (the current one when omitted). */
  brk(newEnd?: number): number;
  /** Moves the break by `increment` bytes; returns the old break. */
  sbrk(increment: number): number;
  /** Writes `byte` over [addr, addr + length): the pages become resident. */
  memset(addr: number, byte: number, length: number): void;
  write(addr: number, bytes: Uint8Array): void;
  read(addr: number, length: number): Uint8Array;
  /** Optional bulk copy; without it the allocator copies page by page through read/write. */
  memcpy?(dst: number, src: number, length: number): void;
}
