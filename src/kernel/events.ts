// The kernel's event log: one entry per call (mmap, touch, fork, an OOM kill...), with the faults
// that call caused aggregated by kind and the process's figures after it. Faults are summed per
// call, never stored one by one, and the log keeps at most `capacity` entries (oldest dropped).

import type { KernelCounters } from "./counters";

export interface FaultSummary {
  minor: number;
  zeroPage: number;
  thp: number;
  thpFallback: number;
  thpSplit: number;
  cow: number;
}

export interface KernelEvent {
  /** Sequence number: events are ordered by it, machine-wide. */
  time: number;
  pid: number;
  call: string;
  args: Record<string, unknown>;
  /** Faults the call caused, by kind. */
  faults: FaultSummary;
  /** Bytes the call made the kernel zero and copy. */
  bytesZeroed: number;
  bytesCopied: number;
  /** The process's counters after the call. */
  counters: KernelCounters;
  /** VmRSS and VmSize after the call, kB. */
  VmRSS: number;
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
