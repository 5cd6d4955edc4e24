// The small input interfaces the chart builders read. The simulator's Process, Machine and MMU
// phases satisfy them structurally; tests and the real-machine probe can pass plain objects.
//
// Every chart factory follows one pattern: `xxxChart(subject, options?)`, where the subject is what
// is drawn (a process and an address range, an array, events, phases...) and `options` extends
// ChartOptions, so `{ title }` works everywhere. Each returns a Chart (or a subclass of it).

/** The options every chart factory takes. */
export interface ChartOptions {
  /** The chart's title (each factory has a default that says what is drawn). */
  title?: string;
}

/** Per-cell page counts of an address range, as Process.residencySummary returns them. */
export interface ResidencyCounts {
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
  residencySummary(addr: number, length: number, cells: number): ResidencyCounts;
  /** The process id, named in the heatmap's tooltips. */
  readonly pid?: number;
  /** The frame backing the page of `addr`, or null: lets the heatmap's tooltips list frames. */
  frameOf?(addr: number): number | null;
}

/**
 * An array in a simulated process, as arrayHeatmapChart reads it (numpy's and Node's arrays fit):
 * where its data starts, how many bytes and elements it has, and the process whose pages hold it.
 */
export interface ArraySource {
  /** The data pointer in the simulated process. */
  readonly address: number;
  /** Bytes of the elements. */
  readonly nbytes: number;
  /** Number of elements. */
  readonly size: number;
  /** The element type. */
  readonly dtype: {
    /** The element type's name, e.g. "float64". */
    readonly name: string;
  };
  /** True once the array's memory was released (numpy's and Node's arrays say so); such an array is refused. */
  readonly freed?: boolean;
  /** The runtime the array belongs to; its process must summarise residency (a ResidencySource). */
  readonly runtime: {
    /** The process whose pages hold the array. */
    readonly proc: {
      /** Base page size in bytes. */
      readonly pageSize: number;
    };
  };
}

/** Anything that can say which physical frame backs a virtual address. */
export interface FrameSource {
  /** Base page size in bytes. */
  readonly pageSize: number;
  /** The physical frame number backing the page of `addr`, or null when no frame does. */
  frameOf(addr: number): number | null;
}

/**
 * One entry of the machine's event log: a call and the process's memory right after it. Sizes
 * are in kB, as /proc/PID/status and the kernel's event log report them.
 */
export interface MemoryEvent {
  /** The process the call was made in (the machine's log holds every process's calls). */
  pid?: number;
  /** The call's name ("mmap", "np.zeros", "fork"...). */
  call: string;
  /** The call's arguments, by name or in order. */
  args?: Readonly<Record<string, unknown>> | readonly unknown[];
  /** Resident set size after the call, kB. */
  VmRSS: number;
  /** Virtual size after the call, kB. */
  VmSize: number;
  /** Commit charge after the call, kB, where the OS keeps one (Windows PrivateUsage). */
  Commit?: number;
  /** A label to show instead of one made from call and args. */
  label?: string;
  /** Set when the call failed part-way (OOM kill, segmentation fault). */
  error?: string;
}

/** One measured phase of an experiment (sequential pass, random pass, ...). The MMU's stats
 *  (or the difference of two snapshots) fit, spread into { label, ...stats }. */
export interface TlbPhase {
  /** The phase's name, shown on the chart. */
  label: string;
  /** Memory accesses the phase made (for costs per access). */
  accesses?: number;
  /** Hits and misses per TLB level, in lookup order. */
  tlb: Readonly<Record<string, {
    /** Lookups that found their translation. */
    readonly hits: number;
    /** Lookups that did not. */
    readonly misses: number;
  }>>;
  /** Cycles spent per cause ("L1 hit", "page walk", "page fault", ...). */
  cyclesByCause?: Readonly<Record<string, number>>;
  /** The MMU's cycle breakdown, used when cyclesByCause is absent (its "total" is left out). */
  cycles?: Readonly<Record<string, number>>;
}

/** One point of a TLB reach curve. */
export interface ReachPoint {
  /** Pages touched on each pass. */
  pagesTouched: number;
  /** Modelled cycles per access. */
  cyclesPerAccess: number;
}

/** One curve of a reach chart (e.g. "4 KiB pages", "2 MiB pages"). */
export interface ReachSeries {
  /** The curve's name in the legend. */
  label: string;
  /** The measured points, by increasing page count. */
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
