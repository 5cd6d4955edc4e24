// The kernel's event log: one entry per call (mmap, touch, fork, an OOM kill...), with the faults
// that call caused aggregated by kind and the process's figures after it. Faults are summed per
// call, never stored one by one, and the log keeps at most `capacity` entries (oldest dropped).

import type { KernelCounters } from "./counters";

/** Faults one call caused, by kind. */
export interface FaultSummary {
  /** Faults resolved without I/O (every fault of anonymous memory without swap). */
  minor: number;
  /** Swap-ins (major faults). */
  major: number;
  /** Read faults answered with the shared (or huge) zero page. */
  zeroPage: number;
  /** Faults that mapped a whole transparent huge page. */
  thp: number;
  /** Faults that wanted a huge page but fell back to a base page (thp_fault_fallback). */
  thpFallback: number;
  /** Huge mappings split into base pages (the huge zero page on write, a partial munmap or mprotect). */
  thpSplit: number;
  /** Copy-on-write faults: a write to a page shared after fork copied it. */
  cow: number;
}

/**
 * One entry of the kernel's event log: a system call or a memory access of a process, with what it
 * cost. Read them in `machine.events` or `proc.events`.
 * @example
 * ```ts
 * const p = new Machine().spawn();
 * p.touch(p.mmap(8192), 8192, "write");
 * for (const e of p.events) console.log(e.call, e.faults.minor, e.VmRSS);
 * ```
 */
export interface KernelEvent {
  /** Sequence number: events are ordered by it, machine-wide. */
  time: number;
  /** The process that made the call. */
  pid: number;
  /** The call's name ("mmap", "touch", "fork", "np.zeros", "kill"...). */
  call: string;
  /** The call's arguments, by name. */
  args: Record<string, unknown>;
  /** Faults the call caused, by kind. */
  faults: FaultSummary;
  /** Bytes the call made the kernel zero and copy. */
  bytesZeroed: number;
  /** Bytes the call made the kernel copy (copy-on-write). */
  bytesCopied: number;
  /** The process's counters after the call. */
  counters: KernelCounters;
  /** VmRSS and VmSize after the call, kB. */
  VmRSS: number;
  /** VmSize after the call, kB. */
  VmSize: number;
  /** The call's return value, when it has a simple one (an address, a pid). */
  result?: number;
  /** Set when the call failed part-way (OOM kill, segmentation fault). */
  error?: string;
}

/** Returns the fault summary of a counter delta. */
export function summarizeFaults(delta: KernelCounters): FaultSummary {
  return {
    minor: delta.minorFaults,
    major: delta.majorFaults,
    zeroPage: delta.zeroPageMaps,
    thp: delta.thpFaults,
    thpFallback: delta.thpFallbacks,
    thpSplit: delta.thpSplits,
    cow: delta.cowCopies,
  };
}

export class EventLog {
  private readonly ring: (KernelEvent | undefined)[];
  private head = 0;
  private size = 0;
  private sequence = 0;
  /** Events pushed out by newer ones. */
  dropped = 0;

  constructor(readonly capacity = 10_000) {
    this.ring = new Array<KernelEvent | undefined>(capacity);
  }

  /** Returns the next sequence number (the time of the next event). */
  nextTime(): number {
    return ++this.sequence;
  }

  /** Appends an event, dropping the oldest when full. */
  push(event: KernelEvent): void {
    this.ring[(this.head + this.size) % this.capacity] = event;
    if (this.size < this.capacity) this.size++;
    else {
      this.head = (this.head + 1) % this.capacity;
      this.dropped++;
    }
  }

  /** Returns the kept events, oldest first. */
  toArray(): KernelEvent[] {
    const out: KernelEvent[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.ring[(this.head + i) % this.capacity] as KernelEvent);
    return out;
  }
}
