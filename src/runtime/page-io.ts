// Moving array data between the runtime and simulated memory, one page at a time, the way a CPU
// running numpy's inner loops would: every page visit goes through the process's MMU (so faults,
// the zero page and TLB counts happen exactly as for real loads and stores), and the bytes come
// from the frame's compact contents (an 8-byte pattern or dense bytes).
import type { AccessKind } from "../hardware/translation";

/** The frame-content operations the runtime needs (PhysicalMemory provides them). */
export interface FrameStore {
  /** Copies the frame's 8-byte pattern into dst and returns true; false when the frame is dense. */
  patternInto(pfn: number, dst: Uint8Array): boolean;
  /** Makes the whole frame the 8-byte pattern repeated (the pattern is copied). */
  setPattern(pfn: number, pattern: Uint8Array): void;
  denseBytes(pfn: number): Uint8Array;
  /** Copies `length` bytes of the frame from `offset` into dst at dstOffset (any frame, the zero page too). */
  readBytes(pfn: number, offset: number, dst: Uint8Array, dstOffset: number, length: number): void;
  writeBytes(pfn: number, offset: number, src: Uint8Array, srcOffset: number, length: number): void;
}

/** The process operations the runtime needs (the kernel's Process provides them). */
export interface PagedProcess {
  readonly pageSize: number;
  /**
   * Accesses [addr, addr + length) page by page. With `elementSize`, each page visit counts one
   * access per element overlapping it; the runtime always passes the dtype's itemsize, so one
   * element is one translated access (array-kernels.ts, "What one access is").
   */
  accessPages(
    addr: number,
    length: number,
    kind: AccessKind,
    visit?: (pfn: number, frameOffset: number, length: number, runOffset: number) => void,
    options?: { elementSize?: number; label?: string },
  ): void;
  read(addr: number, length: number): Uint8Array;
  /** Runs body as one logged call (the accesses inside fold into one event of the process's log). */
  asOneCall<T>(name: string, args: Record<string, unknown>, body: () => T): T;
  write(addr: number, bytes: Uint8Array): void;
}
