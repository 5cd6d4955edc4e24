// What the C library needs from the simulated process underneath it: the system calls an
// allocator issues and the memory accesses it performs (header stores, memset, memcpy).
// The kernel's Process satisfies this structurally; tests may pass a small fake.

/** A mapping's protection, as the kernel's Prot. @inline */
export type Protection = "none" | "read" | "read-write";
/** The madvise advice an allocator may give, as the kernel's Advice. @inline */
export type Advice = "hugepage" | "nohugepage" | "dontneed";

/**
 * What a C allocator needs from the process under it: the system calls it issues and the memory
 * accesses it makes (header stores, memset, memcpy). The kernel's Process provides them.
 */
export interface VmHost {
  /** Base page size of the platform in bytes (4096, 16384, 65536). */
  readonly pageSize: number;
  /** The process id, for messages. */
  readonly pid: number;
  /** Anonymous private mapping; returns its page-aligned start address. */
  mmap(length: number, opts?: { prot?: Protection; name?: string }): number;
  /** Unmaps [addr, addr + length). */
  munmap(addr: number, length: number): void;
  /** Changes the protection of [addr, addr + length). */
  mprotect(addr: number, length: number, prot: Protection): void;
  /** Gives advice on [addr, addr + length) (MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTNEED). */
  madvise(addr: number, length: number, advice: Advice): void;
  /** Linux brk semantics: returns the break after the call (the current one when omitted). */
  brk(newEnd?: number): number;
  /** Moves the break by `increment` bytes; returns the old break. */
  sbrk(increment: number): number;
  /** Writes `byte` over [addr, addr + length): the pages become resident. */
  memset(addr: number, byte: number, length: number): void;
  /** Copies `bytes` to memory at `addr`. */
  write(addr: number, bytes: Uint8Array): void;
  /** Returns a copy of `length` bytes from `addr`. */
  read(addr: number, length: number): Uint8Array;
  /** Optional bulk copy; without it the allocator copies page by page through read/write. */
  memcpy?(dst: number, src: number, length: number): void;
}
