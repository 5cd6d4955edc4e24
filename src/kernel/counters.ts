// Fault and kernel-work counters, kept per process and per machine with the same fields.

/**
 * Fault and kernel-work counters, kept with the same fields per process (`proc.counters`) and per
 * machine (`machine.counters`, summed over every process that ran).
 */
export interface KernelCounters {
  /** Every fault the kernel resolved (Linux counts them all as minor faults without swap/files). */
  minorFaults: number;
  /** Faults that read a page back from swap (majflt; REFERENCE §9.2). Not counted in minorFaults. */
  majorFaults: number;
  /** Read faults answered with the shared zero page or the huge zero page (no RSS). */
  zeroPageMaps: number;
  /** Faults that mapped a freshly allocated huge page with one PMD entry. */
  thpFaults: number;
  /** Faults that mapped a freshly allocated multi-size THP (smaller than the PMD size) with PTEs. */
  mthpFaults: number;
  /** Faults in a THP-enabled VMA that had to use base pages (range not inside the VMA, or no free run). */
  thpFallbacks: number;
  /** Huge mappings split into base-page entries (write to the huge zero page, COW, partial unmap). */
  thpSplits: number;
  /** Ranges khugepaged collapsed into a huge page in this process (thp_collapse_alloc). */
  thpCollapses: number;
  /** Write faults on a page shared after fork that copied it. */
  cowCopies: number;
  /** Bytes the kernel cleared to hand out fresh pages. */
  kernelBytesZeroed: number;
  /** Bytes the kernel copied (copy-on-write only). */
  kernelBytesCopied: number;
}

export type CounterName = keyof KernelCounters;

/** Returns a counter set with every field 0. */
export function zeroCounters(): KernelCounters {
  return {
    minorFaults: 0,
    majorFaults: 0,
    zeroPageMaps: 0,
    thpFaults: 0,
    mthpFaults: 0,
    thpFallbacks: 0,
    thpSplits: 0,
    thpCollapses: 0,
    cowCopies: 0,
    kernelBytesZeroed: 0,
    kernelBytesCopied: 0,
  };
}

/** Returns after - before, field by field. */
export function diffCounters(after: KernelCounters, before: KernelCounters): KernelCounters {
  const out = zeroCounters();
  for (const key of Object.keys(out) as CounterName[]) out[key] = after[key] - before[key];
  return out;
}
