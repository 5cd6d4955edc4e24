// The simulated machine: physical memory, an MMU, the kernel's global state (commit charge,
// event log, OOM killer) and the processes it runs.

import { InternalCheckError, InvalidArgumentError, OutOfMemoryError, ProcessKilledError, describeValue, didYouMean } from "../errors";
import { PhysicalMemory } from "../hardware/physical-memory";
import { SimpleMmu } from "../hardware/simple-mmu";
import { MmuCore } from "../hardware/mmu-core";
import { DEFAULT_CPU_FOR_PLATFORM, tlbMmu } from "../hardware/mmu-factory";
import type { CpuName, CpuPreset } from "../hardware/cpu-presets";
import type { Mmu } from "../hardware/translation";
import { checkMachine } from "./check";
import { type CounterName, type KernelCounters, zeroCounters } from "./counters";
import { EventLog, type KernelEvent, summarizeFaults } from "./events";
import { AccessClock } from "./lru";
import { Khugepaged } from "./khugepaged";
import { LazyFreePages } from "./lazy-free";
import { Reclaimer, type Vmstat } from "./reclaim";
import { SwapArea } from "./swap";
import { type Meminfo, meminfoOf } from "./meminfo";
import { type MmPolicy, mmPolicyOf } from "./mm-policy";
import { type OvercommitMode, type Preset, type PresetName, type ThpMode, type ThpSizeSetting, getPreset, resolvePreset } from "./presets";
import { Process } from "./process";
import { releaseAddressSpace } from "./zap";
import { JUPYTER_DISPLAY, type MimeBundle, displayBundle } from "../display-protocol";

/**
 * What a {@link Machine} is built with. Every field is optional: `preset` picks the OS platform,
 * `cpu` the CPU, and the remaining fields override one setting of the platform (see kernel.Preset
 * for each one's default).
 * @example
 * ```ts
 * const m = new Machine({ preset: "linux-x86_64", cpu: "zen2", thp: "always", ramBytes: 2 * 2 ** 30 });
 * ```
 */
export interface MachineOptions {
  /** The OS platform whose rules the kernel follows (default "linux-x86_64"); see PRESET_NAMES. */
  preset?: PresetName;
  /**
   * Transparent huge pages: "always", "madvise" (only regions given MADV_HUGEPAGE) or "never"
   * (/sys/kernel/mm/transparent_hugepage/enabled).
   */
  thp?: ThpMode;
  /** Multi-size THP settings by size in KiB, e.g. { 64: "always" } (hugepages-64kB/enabled). */
  thpSizes?: Readonly<Record<number, ThpSizeSetting>>;
  /** Physical memory in bytes, a multiple of the page size (linux-x86_64: 16 GiB). */
  ramBytes?: number;
  /** vm.overcommit_memory: 0 heuristic, 1 always, 2 strict commit limit. */
  overcommit?: OvercommitMode;
  /** Seed of the physical frame order (default 1). */
  seed?: number;
  /** The CPU whose TLBs translate: a preset name ("skylake", "golden-cove", "zen2", "cortex-a57", "apple-m1") or customCpu(...). Default: the platform's CPU. */
  cpu?: CpuName | CpuPreset;
  /** Builds the MMU instead of `cpu` (advanced: e.g. a checking or naive MMU); give one of the two. */
  mmu?: (machine: Machine) => Mmu;
  /** Events kept in machine.events before the oldest are dropped (default 10000). */
  eventCapacity?: number;
  /** Base page size in bytes (4096, 16384 or 65536); overriding it drops the CPU's TLBs unless `cpu` is given. */
  pageSize?: number;
  /** Virtual address bits the page tables translate (sets the number of table levels). */
  vaBits?: number;
  /** Whether the platform has PMD-sized transparent huge pages at all. */
  thpSupported?: boolean;
  /** Read faults in a huge-page region map the shared huge zero page (transparent_hugepage/use_zero_page). */
  hugeZeroPage?: boolean;
  /** A write to the huge zero page allocates a huge page instead of splitting it (newer kernels). */
  thpOnHugeZeroWrite?: boolean;
  /** Read faults on untouched anonymous memory map the one shared zero page, costing no RSS. */
  zeroPageOnRead?: boolean;
  /** No MMU: mmap backs and clears every page at once, as on a no-MMU kernel. */
  eager?: boolean;
  /** Swap or page-file bytes: the commit limit counts them, and reclaim writes anonymous pages there under pressure (REFERENCE §9.2). */
  swapBytes?: number;
  /** vm.overcommit_ratio: the percent of RAM in CommitLimit under overcommit mode 2. */
  overcommitRatio?: number;
  /** Alignment of mapping start addresses (Windows: 64 KiB). */
  allocationGranularity?: number;
  /** Top of the mmap area: mappings are placed top-down below it. */
  mmapBase?: number;
  /** Lowest address mmap may use (vm.mmap_min_addr). */
  mmapMinAddr?: number;
  /** Start of the brk heap, just above the program's data. */
  heapStart?: number;
}

const OPTION_KEYS = new Set([
  "preset", "thp", "thpSizes", "ramBytes", "overcommit", "seed", "cpu", "mmu", "eventCapacity", "pageSize", "vaBits",
  "thpSupported", "hugeZeroPage", "thpOnHugeZeroWrite", "zeroPageOnRead", "eager", "swapBytes", "overcommitRatio",
  "allocationGranularity", "mmapBase", "mmapMinAddr", "heapStart",
]);

/** The largest event log a machine keeps (10 million records). */
const MAX_EVENT_CAPACITY = 10_000_000;

/** What a user's `mmu` factory returned, refused unless it has an MMU's methods (a mistake
 *  would otherwise surface as a TypeError at the first access). */
function checkedMmu(mmu: unknown): Mmu {
  const methods = ["translate", "invalidateRange", "invalidateAsid"] as const;
  const record = mmu as Record<string, unknown> | null;
  if (typeof mmu !== "object" || record === null || methods.some((m) => typeof record[m] !== "function")) {
    throw new InvalidArgumentError(`Machine: mmu must return an Mmu (an object with ${methods.join(", ")}), got ${describeValue(mmu)}`);
  }
  return mmu as Mmu;
}

/** Machine.count's exhaustiveness check: `name` is `never` once every counter has its case. */
function unknownCounter(name: never): never {
  throw new InternalCheckError(`count: no case for counter ${describeValue(name)}`);
}

/**
 * A simulated computer: physical memory, an MMU with the chosen CPU's TLBs, and a Linux-like kernel
 * (or another platform's rules) with its commit charge, event log and OOM killer. Start processes
 * with `spawn()`, then map and touch memory through them, or run numpy and glibc on top with {@link
 * numpy} and {@link libcOf}.
 *
 * An unknown option is refused with the nearest known name.
 * @example
 * ```ts
 * import { Machine, numpy } from "pagelab";
 * const m = new Machine({ cpu: "zen2" });
 * const p = m.spawn();
 * const np = numpy(p);
 * const a = np.zeros([1024, 1024]); // mmap'd, nothing resident yet
 * a.fill(1);                        // every page faulted in
 * console.log(p.status().VmRSS, m.meminfo().MemFree);
 * ```
 */
export class Machine {
  /** The platform settings in force: the preset's values with the options' overrides applied. */
  readonly preset: Readonly<Preset>;
  /** @internal */
  readonly memory: PhysicalMemory;
  /** The MMU that translates every access (TLBs, walk caches and the page walk), with its statistics. */
  readonly mmu: Mmu;
  /** Where processes' page tables keep the arrays a walk reads: the MMU's core when it has one
   *  (so it walks them itself), else a core of the machine's own. @internal */
  readonly tableCore: MmuCore;
  /** Bytes of a huge (PMD) page, or 0 when the platform has none. */
  readonly hugePageBytes: number;
  /** How memory management runs here, with an MMU or without (mm-policy.ts); chosen from the preset. */
  readonly policy: MmPolicy;
  private readonly log: EventLog;
  private readonly live = new Map<number, Process>();
  private readonly totals = zeroCounters();
  private nextPid = 1;
  /** Frames holding page tables of live processes (PageTables). @internal */
  tableFrames = 0;
  /** The swap area, or null without swap (swapBytes under a page, or a policy that cannot remap pages). @internal */
  readonly swap: SwapArea | null;
  /** Watermarks, kswapd, direct reclaim and their vmstat figures (reclaim.ts). @internal */
  readonly reclaim: Reclaimer;
  /** Per-frame access stamps and referenced bits reclaim reads (lru.ts). @internal */
  readonly accessClock: AccessClock;
  /**
   * khugepaged, the thread that collapses base pages into huge pages: `scan()` runs one pass,
   * `maxPtesNone` is khugepaged/max_ptes_none (REFERENCE §9.5).
   */
  readonly khugepaged: Khugepaged;
  /** Frames MADV_FREE marked lazily freeable (lazy-free.ts). @internal */
  readonly lazyFree = new LazyFreePages();
  /** Where tracePages records one process's page visits, or null (replacement/trace.ts). @internal */
  pageTrace: { pid: number; pages: number[] } | null = null;

  /**
   * Builds a machine; throws InvalidArgumentError on an unknown option or a bad value.
   * @param options - The platform, CPU and overrides (all optional).
   */
  constructor(options: MachineOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError(`Machine: options must be an object, got ${describeValue(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw new InvalidArgumentError(`Machine: unknown option ${JSON.stringify(key)}${didYouMean(key, OPTION_KEYS)}; options are ${[...OPTION_KEYS].join(", ")}`);
      }
    }
    const { preset = "linux-x86_64", seed = 1, cpu, eventCapacity = 10_000, ...overrides } = options;
    let { mmu } = options;
    delete (overrides as { mmu?: unknown }).mmu;
    if (cpu !== undefined) {
      if (mmu !== undefined) throw new InvalidArgumentError("Machine: give either cpu or mmu, not both (mmu builds the whole MMU)");
      mmu = tlbMmu(cpu); // an unknown CPU name fails here, naming the known ones
    }
    if (!Number.isInteger(seed)) throw new InvalidArgumentError(`Machine: seed must be an integer, got ${describeValue(seed)}`);
    if (!Number.isInteger(eventCapacity) || eventCapacity < 1 || eventCapacity > MAX_EVENT_CAPACITY) {
      throw new InvalidArgumentError(`Machine: eventCapacity must be an integer in [1, ${MAX_EVENT_CAPACITY}] (the log keeps one record per event), got ${describeValue(eventCapacity)}`);
    }
    if (mmu !== undefined && typeof mmu !== "function") {
      throw new InvalidArgumentError(`Machine: mmu must be a function (machine) => Mmu, got ${describeValue(mmu)}`);
    }
    this.preset = Object.freeze(resolvePreset(preset, overrides));
    this.policy = mmPolicyOf(this.preset);
    const pmdFrames = this.preset.pageSize / 8; // one table page of 8-byte entries maps this many pages
    this.hugePageBytes = this.preset.thpSupported ? this.preset.pageSize * pmdFrames : 0;
    this.memory = new PhysicalMemory({
      ramBytes: this.preset.ramBytes,
      frameBytes: this.preset.pageSize,
      hugeFrames: this.preset.thpSupported ? pmdFrames : 0,
      seed,
    });
    this.log = new EventLog(eventCapacity);
    this.mmu = mmu ? checkedMmu(mmu(this)) : defaultMmu(this);
    this.tableCore = this.mmu.core instanceof MmuCore ? this.mmu.core : new MmuCore();
    const swaps = this.preset.swapBytes >= this.preset.pageSize && this.policy.remapsPages;
    this.swap = swaps ? new SwapArea(this.preset.swapBytes, this.preset.pageSize) : null;
    this.accessClock = new AccessClock(this.memory.blockFrames, this.memory.totalFrames);
    this.accessClock.enabled = swaps;
    this.reclaim = new Reclaimer(this);
    this.khugepaged = new Khugepaged(this);
  }

  /** Starts a new process with an empty address space and returns it. */
  spawn(): Process {
    return this.adopt((pid) => new Process(this, pid));
  }

  /** The processes still running, by pid. */
  get processes(): Process[] {
    return [...this.live.values()];
  }

  /** Kernel counters summed over every process that ever ran. */
  get counters(): KernelCounters {
    return { ...this.totals };
  }

  /** The event log, oldest first (bounded: see eventsDropped). */
  get events(): KernelEvent[] {
    return this.log.toArray();
  }

  /** Events dropped from the log because it was full. */
  get eventsDropped(): number {
    return this.log.dropped;
  }

  /** Returns /proc/meminfo figures in kB. */
  meminfo(): Meminfo {
    return meminfoOf(this);
  }

  /**
   * Returns /proc/vmstat's reclaim and swap figures since boot: pages swapped out and in, major
   * faults, pages kswapd and direct reclaim scanned and took, allocation stalls, OOM kills.
   * @example
   * const m = new Machine({ ramBytes: 64 * 2**20, swapBytes: 64 * 2**20 });
   * const p = m.spawn();
   * const a = p.mmap(96 * 2**20);
   * p.memset(a, 1, 96 * 2**20);
   * m.vmstat().pswpout;   // > 0: the oldest pages went to swap
   */
  vmstat(): Vmstat {
    return { ...this.reclaim.stats };
  }

  /** Checks the kernel's invariants and throws an Error naming the first that fails. */
  check(): void {
    checkMachine(this);
  }

  /** The Jupyter display: drawn by the display layer's registered renderer (meminfo as text without one). */
  [JUPYTER_DISPLAY](): MimeBundle {
    return displayBundle(this);
  }

  /** The same bundle for IJavascript's display hook. */
  _toMime(): MimeBundle {
    return displayBundle(this);
  }

  /** Short text for util.inspect (Node and the notebook's plain-text view). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const info = this.meminfo();
    return `Machine(${this.preset.name}, ${this.preset.pageSize / 1024} KiB pages, THP ${this.preset.thp}, MemTotal ${info.MemTotal} kB, MemFree ${info.MemFree} kB, ${this.live.size} processes)`;
  }

  /** Returns the commit limit in bytes (CommitLimit; Windows: RAM + page file). @internal */
  commitLimitBytes(): number {
    const p = this.preset;
    // overcommit-accounting.rst: CommitLimit = RAM * overcommit_ratio / 100 + swap (REFERENCE §3.6)
    const ram = Math.floor((p.ramBytes * p.overcommitRatio) / 100 / p.pageSize) * p.pageSize;
    return ram + p.swapBytes;
  }

  /** Returns the bytes charged to the commit limit by every live process (Committed_AS). @internal */
  committedBytes(): number {
    let bytes = 0;
    for (const proc of this.live.values()) bytes += proc.mm.committedBytes();
    return bytes;
  }

  /**
   * Throws OutOfMemoryError when charging `bytes` more would break the overcommit policy
   * (__vm_enough_memory); returns normally when the charge is allowed.
   * @internal
   */
  checkCommit(call: string, bytes: number): void {
    if (bytes === 0) return;
    const p = this.preset;
    const kB = (b: number) => `${Math.ceil(b / 1024)} kB`;
    if (p.overcommit === 1) return; // OVERCOMMIT_ALWAYS (REFERENCE §3.6)
    if (p.overcommit === 0) {
      // OVERCOMMIT_GUESS: refuse only a single request larger than RAM + swap (REFERENCE §3.6)
      if (bytes > p.ramBytes + p.swapBytes) {
        throw new OutOfMemoryError(
          `${call}: cannot allocate memory: request ${kB(bytes)} is larger than RAM + swap ${kB(p.ramBytes + p.swapBytes)} (overcommit mode 0)`,
        );
      }
      return;
    }
    // OVERCOMMIT_NEVER: Committed_AS + request must stay within CommitLimit (REFERENCE §3.6).
    // Simplified: the admin and user reserves Linux also subtracts are taken as 0.
    const committed = this.committedBytes();
    const limit = this.commitLimitBytes();
    if (committed + bytes > limit) {
      const names = p.os === "windows" ? "commit charge/commit limit (ERROR_COMMITMENT_LIMIT)" : "Committed_AS/CommitLimit (overcommit mode 2)";
      throw new OutOfMemoryError(
        `${call}: cannot allocate memory: request ${kB(bytes)} + Committed_AS ${kB(committed)} exceeds CommitLimit ${kB(limit)} [${names}]`,
      );
    }
  }

  /**
   * Allocates a frame for `requester`, running the OOM killer while RAM is full; returns the pfn.
   * Throws ProcessKilledError when the requester itself is chosen.
   * @internal
   */
  allocFrameFor(requester: Process | null): number {
    const reclaim = this.reclaim;
    for (;;) {
      // With swap, an allocation at the min watermark reclaims first, and the OOM killer acts
      // when nothing can be reclaimed (REFERENCE §9.1); without swap RAM fills up to the last frame.
      if (reclaim.active && this.memory.freeFrames <= reclaim.watermarks.min && reclaim.directReclaim() === 0 && this.swap !== null) {
        this.oomKill(requester);
        continue;
      }
      const pfn = this.memory.allocFrame();
      if (pfn !== null) {
        if (reclaim.active) reclaim.noteAllocation();
        return pfn;
      }
      // Without swap only lazy-free pages can be taken, and only once RAM is full.
      if (!reclaim.active || reclaim.directReclaim() === 0) this.oomKill(requester);
    }
  }

  /** Allocates a page-table frame for `proc` (pfn -1, no frame, where the policy keeps tables out of RAM). @internal */
  allocTableFrame(proc: Process | null): number {
    if (!this.policy.tablesInRam) return -1;
    const pfn = this.allocFrameFor(proc);
    this.memory.zeroFrame(pfn);
    this.tableFrames++;
    return pfn;
  }

  /** Returns a page-table frame to the allocator. @internal */
  freeTableFrame(pfn: number): void {
    if (pfn < 0) return;
    this.memory.freeFrame(pfn);
    this.tableFrames--;
  }

  /** Adds `n` to a counter of `proc` and of the machine. @internal */
  count(proc: Process, name: CounterName, n = 1): void {
    // One named store per counter, the fault path's counters first: `counterSet[name] += n` with
    // eleven different names is a megamorphic keyed store in V8, and it cost 12% of np.add's faults
    const mine = proc.counterSet;
    const all = this.totals;
    switch (name) {
      case "minorFaults": mine.minorFaults += n; all.minorFaults += n; return;
      case "kernelBytesZeroed": mine.kernelBytesZeroed += n; all.kernelBytesZeroed += n; return;
      case "zeroPageMaps": mine.zeroPageMaps += n; all.zeroPageMaps += n; return;
      case "majorFaults": mine.majorFaults += n; all.majorFaults += n; return;
      case "thpFaults": mine.thpFaults += n; all.thpFaults += n; return;
      case "mthpFaults": mine.mthpFaults += n; all.mthpFaults += n; return;
      case "thpFallbacks": mine.thpFallbacks += n; all.thpFallbacks += n; return;
      case "thpSplits": mine.thpSplits += n; all.thpSplits += n; return;
      case "thpCollapses": mine.thpCollapses += n; all.thpCollapses += n; return;
      case "cowCopies": mine.cowCopies += n; all.cowCopies += n; return;
      case "kernelBytesCopied": mine.kernelBytesCopied += n; all.kernelBytesCopied += n; return;
      // A counter added to CounterName without a case here fails the type check at this line.
      default: unknownCounter(name);
    }
  }

  /** Logs work of a kernel thread (kswapd, khugepaged) as an event of pid 0. @internal */
  recordKernelThread(call: string, args: Record<string, unknown>): void {
    this.record({ pid: 0, call, args, faults: summarizeFaults(zeroCounters()), bytesZeroed: 0, bytesCopied: 0, counters: zeroCounters(), VmRSS: 0, VmSize: 0 });
  }

  /** Appends an event to the log (time = the next sequence number). @internal */
  record(event: Omit<KernelEvent, "time">): void {
    this.log.push({ time: this.log.nextTime(), ...event });
  }

  /** Removes a process that exited or was killed, releasing its memory. @internal */
  reap(proc: Process): void {
    releaseAddressSpace(this, proc);
    this.mmu.invalidateAsid(proc.pid);
    this.live.delete(proc.pid);
  }

  /** Registers the process `create` builds with the next pid and returns it. @internal */
  adopt(create: (pid: number) => Process): Process {
    const proc = create(this.nextPid);
    this.nextPid++;
    this.live.set(proc.pid, proc);
    return proc;
  }

  /**
   * Linux's OOM killer when RAM is full and there is no swap: kills the live process with the
   * largest RSS + page tables (oom_badness) and logs it. Throws ProcessKilledError when that is
   * `requester`; throws OutOfMemoryError when there is nothing left to kill.
   */
  private oomKill(requester: Process | null): void {
    let victim: Process | null = null;
    let worst = -1;
    for (const proc of this.live.values()) {
      const badness = proc.mm.rssPages + proc.mm.swapPages + proc.mm.pageTable.tablePages; // oom_badness
      if (badness > worst) {
        worst = badness;
        victim = proc;
      }
    }
    if (!victim) throw new OutOfMemoryError(`out of memory: all ${this.memory.totalFrames} frames are in use and no process can be killed`);
    this.reclaim.stats.oom_kill++;
    const rssKb = (victim.mm.rssPages * this.preset.pageSize) / 1024;
    victim.markKilled(`by the OOM killer (anon-rss ${rssKb} kB) while pid ${requester ? requester.pid : "kernel"} needed a page`);
    this.record({
      pid: victim.pid,
      call: "kill",
      args: { reason: "oom", requester: requester ? requester.pid : 0, rssKb },
      faults: summarizeFaults(zeroCounters()),
      bytesZeroed: 0,
      bytesCopied: 0,
      counters: victim.counters,
      VmRSS: rssKb,
      VmSize: victim.mm.vmBytes() / 1024,
    });
    this.reap(victim);
    if (victim === requester) throw new ProcessKilledError(`pid ${victim.pid} was ${victim.killReason}`);
  }
}

/**
 * The MMU a machine gets unless told otherwise: its platform's CPU with TLBs and walk caches
 * (skylake for linux-x86_64), or a TLB-less walker where the policy models no TLBs or the page
 * size was overridden to one that CPU's TLBs do not hold.
 */
function defaultMmu(machine: Machine): Mmu {
  const cpu = DEFAULT_CPU_FOR_PLATFORM[machine.preset.name];
  if (!machine.policy.tlbs || cpu === undefined || machine.preset.pageSize !== getPreset(machine.preset.name).pageSize) {
    return new SimpleMmu();
  }
  return tlbMmu(cpu)(machine);
}
