// The small input interfaces the chart builders read. The simulator's Process, Machine and MMU
// phases satisfy them structurally; tests and the real-machine probe can pass plain objects.

/** Per-cell page counts of an address range, as Process.residencySummary returns them. */
export interface ResidencySummary {
  /** Bytes covered by each cell (a multiple of the page size); the last cell may be partial. */
  cellBytes: number;
  /** counts[state][cell]: pages of each PageState code in each cell (see PAGE_STATES). */
  counts: readonly ArrayLike<number>[];
}

/** Anything that can summarise the residency of its address space (a simulated or probed process). */
export interface ResidencySource {
  /** Base page size in bytes. */
  readonly pageSize: number;
  /** Summarises [addr, addr + length) into at most `cells` cells of whole pages. */
  residencySummary(addr: number, length: number, cells: number): ResidencySummary;
}

/** Anything that can say which physical frame backs a virtual address. */
export interface FrameSource {
  readonly pageSize: number;
  /** The physical frame number backing the page of `addr`, or null when no frame does. */
  frameOf(addr: number): number | null;
}

/** One entry of the machine's event log: a call and the process's memory right after it. */
export interface MemoryEvent {
  call: string;
  args?: readonly unknown[];
  /** Resident set size in bytes (VmRSS). */
  vmRSS: number;
  /** Virtual size in bytes (VmSize). */
  vmSize: number;
  /** Commit charge in bytes, where the OS keeps one (Windows PrivateUsage, Linux Committed_AS). */
  commit?: number;
  /** A label to show instead of one made from call and args. */
  label?: string;
}

/** TLB hits and misses of one level (e.g. "L1 dTLB", "STLB"). */
export interface TlbCounts {
  hits: number;
  misses: number;
}

/** One measured phase of an experiment (sequential pass, random pass, ...). */
export interface TlbPhase {
  label: string;
  /** Memory accesses the phase made (for costs per access). */
  accesses?: number;
  /** Hits and misses per TLB level, in lookup order. */
  tlb: Readonly<Record<string, TlbCounts>>;
  /** Cycles spent per cause ("L1 hit", "page walk", "page fault", ...). */
  cyclesByCause?: Readonly<Record<string, number>>;
}

/** One point of a TLB reach curve. */
export interface ReachPoint {
  pagesTouched: number;
  cyclesPerAccess: number;
}

/** One curve of a reach chart (e.g. "4 KiB pages", "2 MiB pages"). */
export interface ReachSeries {
  label: string;
  points: readonly ReachPoint[];
}

/** Occupancy of one page-table level. */
export interface PageTableLevel {
  /** "PGD", "PUD", "PMD", "PTE" (top level first). */
  name: string;
  /** Table pages allocated at this level. */
  tables: number;
  /** Entries in use across those tables. */
  entriesUsed: number;
  /** Entries per table (512 for x86-64 4 KiB tables of 8-byte entries). */
  entriesPerTable?: number;
  /** Bytes per table page (default 4096). */
  tableBytes?: number;
}
