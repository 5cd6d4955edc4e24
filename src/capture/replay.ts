// replay(capture, machine): the captured malloc-family calls driven through the simulated glibc on
// a simulated machine, in order, with three results:
//   checks    per segment between two sync markers, the mmaps the simulated allocator made must
//             be among the captured anonymous mmaps of that segment (same lengths), and its brk
//             growth is set beside the captured brk growth (REFERENCE §12.4);
//   samples   per residency sample, the real resident pages attributed to call sites (attribute.ts),
//             and the simulated VmRSS/VmSize after the same pages were written in the simulation;
//   sites     per call site: bytes allocated, peak live, resident at the last and at the peak sample.
import { InvalidArgumentError, describeValue } from "../errors";
import { checkOptions, optionalBoolean } from "../validate";
import { Machine, type Process } from "../kernel";
import type { Allocator } from "../libc";
import { libcOf } from "../runtime";
import { attributePages, HELD_BY_MALLOC, LiveAllocations, type LiveBlock, OTHER_ANONYMOUS, type ReplayedBlock, type SiteRun } from "./attribute";
import type { AllocRecord, CaptureMeta, CaptureRecord, FreeRecord } from "./format";
import { CURSOR_ALLOC, CURSOR_END, CURSOR_FREE, type CursorKind } from "./cursor";
import { type Capture, recordCursor } from "./load";

/** Options of replay(). */
export interface ReplayOptions {
  /** Called every 100 000 calls with the number replayed so far. */
  onProgress?: (calls: number) => void;
  /** Write the pages the real process had resident into the simulated allocations (default true), so the simulated RSS follows. */
  followResidency?: boolean;
}

/** One segment's system-call check: what the simulated allocator did beside what strace saw. */
export interface SegmentCheck {
  /** The sync marker that ends the segment (0: after the last marker). */
  seq: number;
  /** Lengths of the mmaps the simulated allocator made. */
  simulatedMmaps: number[];
  /** Of those, the lengths with no captured anonymous mmap of the same length in the segment. */
  unmatchedMmaps: number[];
  /** Captured anonymous mmaps (and mremaps) no simulated one explains (the interpreter's arenas, thread stacks...). */
  otherMmaps: number;
/** Bytes the simulated heap grew by with brk in the segment. */
  simulatedBrkGrowth: number;
/** Bytes the real heap grew by with brk in the segment. */
  capturedBrkGrowth: number;
}

/** One residency sample, real and simulated. */
export interface ReplaySample {
/** The sync marker it was taken at (0: periodic). */
  seq: number;
/** ms since the program started. */
  ms: number;
  /** Label of the sync marker the sample was taken at ("" for periodic samples). */
  label: string;
  /** The line about to run (Python) when the sample was taken, or null for periodic samples. */
  site: number | null;
/** The real VmRSS, kB. */
  realVmRssKb: number;
/** The real VmSize, kB. */
  realVmSizeKb: number;
/** The simulated process's VmRSS after the same calls and writes, kB. */
  simulatedVmRssKb: number;
/** The simulated process's VmSize, kB. */
  simulatedVmSizeKb: number;
  /** Resident pages per site; HELD_BY_MALLOC and OTHER_ANONYMOUS are the pseudo-sites. */
  pagesBySite: Map<number, number>;
  /** Bytes live per site at the sample. */
  liveBytesBySite: Map<number, number>;
  /** The resident pages in address order with their owner, adjacent pages of one site merged. */
  siteRuns: SiteRun[];
  /** The site of the live allocation highest in the brk heap: the one that keeps the heap from shrinking (null: none). */
  heapTopSite: number | null;
  /** Pages held by malloc below that allocation (pinned by it), and above it (at the top, not trimmed). */
  heldPinnedPages: number;
/** Pages held by malloc above the highest live block: free at the top and not trimmed. */
  heldAtTopPages: number;
}

/** Per call site totals. */
export interface SiteRow {
/** The site id (negative for the pseudo-sites). */
  site: number;
/** Its label. */
  label: string;
/** malloc-family calls from the site. */
  calls: number;
  /** Bytes requested over the whole run. */
  allocatedBytes: number;
/** Most bytes live at once from the site. */
  peakLiveBytes: number;
/** Bytes still live at the end. */
  liveBytesAtEnd: number;
  /** Resident pages at the last sample. */
  residentPagesLast: number;
/** Resident pages at most over all samples. */
  residentPagesPeak: number;
}

/** Bytes a heap grew by with brk over the whole run. */
export interface BrkGrowth {
  /** The simulated heap's. */
  simulated: number;
  /** The real heap's, from the captured brk calls. */
  captured: number;
}

/** What replay() returns. */
export interface Replay {
/** The simulated machine the replay ran on. */
  readonly machine: Machine;
/** The simulated process, after the last call. */
  readonly process: Process;
/** Its simulated glibc, after the last call. */
  readonly allocator: Allocator;
  /** Labels of the call sites, with the pseudo-sites HELD_BY_MALLOC and OTHER_ANONYMOUS. */
  readonly sites: ReadonlyMap<number, string>;
  /** The captured host's base page size, bytes. */
  readonly pageSize: number;
/** malloc-family calls replayed. */
  readonly calls: number;
/** Calls the simulated allocator refused (ENOMEM). */
  readonly failedCalls: number;
/** The system-call check of each segment between sync markers. */
  readonly checks: SegmentCheck[];
  /** True when every simulated mmap matched a captured one. */
  readonly mmapsAgree: boolean;
  /** Total brk growth, simulated and captured. */
  readonly brkGrowth: BrkGrowth;
/** Every residency sample, real and simulated. */
  readonly samples: ReplaySample[];
/** Per call site, the sites with the most resident memory first. */
  readonly table: SiteRow[];
  /** Plain-words findings: untouched allocations, memory malloc keeps, the threshold that moved. */
  readonly findings: string[];
  /** The table and the findings as text. */
  readonly text: string;
}

const PROGRESS_EVERY = 100_000;

function isPageSize(value: unknown): value is number {
  return typeof value === "number" && value >= 512 && value <= 2 ** 30 && Number.isInteger(Math.log2(value));
}

/** The labels of the pseudo-sites. */
const PSEUDO_SITES: readonly [number, string][] = [
  [HELD_BY_MALLOC, "held by malloc (no live allocation)"],
  [OTHER_ANONYMOUS, "other anonymous memory (not from malloc)"],
];

/** The label of a site or pseudo-site. */
export function siteLabel(sites: ReadonlyMap<number, string>, site: number): string {
  if (!((sites as unknown) instanceof Map)) throw new InvalidArgumentError(`siteLabel: sites must be a capture's sites (a Map), got ${describeValue(sites)}`);
  if (typeof site !== "number") throw new InvalidArgumentError(`siteLabel: site must be a number, got ${describeValue(site)}`);
  return sites.get(site) ?? PSEUDO_SITES.find(([id]) => id === site)?.[1] ?? `site ${site}`;
}

/** A call site's totals during a replay: its table row and the bytes live from it. */
interface SiteTotals {
  row: SiteRow;
  live: number;
}

class Segment {
  simulatedMmaps: number[] = [];
  captured = new Map<number, number>();
  capturedCount = 0;
  simulatedBrkGrowth = 0;
  capturedBrkGrowth = 0;

  close(seq: number): SegmentCheck {
    const unmatched: number[] = [];
    for (const length of this.simulatedMmaps) {
      const n = this.captured.get(length) ?? 0;
      if (n > 0) this.captured.set(length, n - 1);
      else unmatched.push(length);
    }
    return {
      seq, simulatedMmaps: this.simulatedMmaps, unmatchedMmaps: unmatched,
      otherMmaps: this.capturedCount - (this.simulatedMmaps.length - unmatched.length),
      simulatedBrkGrowth: this.simulatedBrkGrowth, capturedBrkGrowth: this.capturedBrkGrowth,
    };
  }
}

function formatKiB(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * Replays `capture` on `machine` (default: a machine built from the capture's recorded facts,
 * not this host), checks the simulated system calls against the captured ones and attributes the
 * real resident pages of every sample to call sites. The records are read from the capture's file
 * again: CaptureFileError when it is gone or changed since load().
 * @example
 * ```ts
 * const r = capture.replay(capture.load("zeros.capture"));
 * r.mmapsAgree;          // every mmap the simulated glibc made was made by the real one
 * console.log(r.text);   // per call site: allocated, resident, peak; and the findings
 * ```
 */
export function replay(capture: Capture, machine?: Machine, options: ReplayOptions = {}): Replay {
  if (capture === null || typeof capture !== "object" || typeof capture.records !== "function") {
    throw new InvalidArgumentError(`capture.replay(capture): capture must come from capture.load(file), got ${describeValue(capture)}`);
  }
  // a capture load() did not make is checked as far as replay reads it (load() checked its own)
  const meta: unknown = capture.meta;
  if (meta === null || typeof meta !== "object" || !isPageSize((meta as Partial<CaptureMeta>).pageSize)) {
    throw new InvalidArgumentError(`capture.replay(capture): capture.meta must be an object whose pageSize is a power of two in [512, 2**30], got ${describeValue(meta)}`);
  }
  if (!((capture.sites as unknown) instanceof Map)) throw new InvalidArgumentError(`capture.replay(capture): capture.sites must be a Map of call-site labels, got ${describeValue(capture.sites)}`);
  if (machine !== undefined && !(machine instanceof Machine)) throw new InvalidArgumentError(`capture.replay(capture, machine): machine must be a Machine, got ${describeValue(machine)}`);
  const where = "capture.replay(capture, machine, options)";
  checkOptions(where, options, ["onProgress", "followResidency"]);
  const follow = optionalBoolean(where, "options.followResidency", options.followResidency) ?? true;
  // checked now: it is first called after 100 000 calls, long into the replay
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new InvalidArgumentError(`${where}: options.onProgress must be a function (calls) => void, got ${describeValue(options.onProgress)}`);
  }
  const m = machine ?? new Machine(capture.meta.machine);
  const proc = m.spawn();
  const libc = libcOf(proc);
  const pageSize = capture.meta.pageSize;
  const live = new LiveAllocations<SiteTotals>();
  // in the order the table's ties keep: a site's totals are made at its first allocation (a sample
  // attributes pages only to live allocations' sites and to the pseudo-sites, which hold no bytes)
  const totals = new Map<number, SiteTotals>();
  const checks: SegmentCheck[] = [];
  const samples: ReplaySample[] = [];
  const thresholds: { from: number; to: number; afterSite: number }[] = [];
  const counters = libc.counters; // the allocator's live counters object
  let segment = new Segment();
  // the model sets up its heap when it is created (glibc does at the first malloc): the first segment's growth
  segment.simulatedBrkGrowth = counters.brkGrowthBytes;
  let seenMmaps = counters.mmaps;
  let seenMmapBytes = counters.mmapBytes;
  let calls = 0;
  let failed = 0;
  let heapStart: number | null = null;
  let brk = 0;
  let lastSync = { label: "", site: 0 };
  let threshold = libc.mallinfo().mmapThreshold;

  const totalsOf = (site: number): SiteTotals => {
    let t = totals.get(site);
    if (t === undefined) {
      t = { row: { site, label: siteLabel(capture.sites, site), calls: 0, allocatedBytes: 0, peakLiveBytes: 0, liveBytesAtEnd: 0, residentPagesLast: 0, residentPagesPeak: 0 }, live: 0 };
      totals.set(site, t);
    }
    return t;
  };
  // consecutive allocations mostly come from one site: its totals are kept at hand
  let lastSite = NaN;
  let lastTotals: SiteTotals | null = null;
  // a call that made mmaps adds what it mapped to the segment's list (one entry per call)
  const noteMmaps = (): void => {
    if (counters.mmaps === seenMmaps) return;
    segment.simulatedMmaps.push(counters.mmapBytes - seenMmapBytes);
    seenMmaps = counters.mmaps;
    seenMmapBytes = counters.mmapBytes;
  };

  const allocate = (record: Pick<AllocRecord, "id" | "size" | "address" | "site">): void => {
    const address = libc.malloc(record.size);
    noteMmaps();
    if (address === null) failed++;
    let t = lastTotals;
    if (t === null || record.site !== lastSite) {
      t = totalsOf(record.site);
      lastSite = record.site;
      lastTotals = t;
    }
    live.add(record.id, record.address, record.size, address ?? -1, record.site, t);
    const r = t.row;
    r.calls++;
    r.allocatedBytes += record.size;
    t.live += record.size;
    r.peakLiveBytes = Math.max(r.peakLiveBytes, t.live);
  };

  const release = (record: Pick<FreeRecord, "id">): void => {
    const slot = live.remove(record.id);
    if (slot < 0) return;
    const sim = live.simAt(slot);
    if (sim >= 0) {
      libc.free(sim);
      noteMmaps();
    }
    const size = live.sizeAt(slot);
    const t = live.ownerAt(slot);
    t.live -= size;
    // glibc raises the threshold when an mmapped block above it is freed (REFERENCE §12.4)
    const now = size >= threshold ? libc.mallinfo().mmapThreshold : threshold;
    if (now !== threshold) {
      thresholds.push({ from: threshold, to: now, afterSite: t.row.site });
      threshold = now;
    }
  };

  const step = (record: CaptureRecord): void => {
    switch (record.kind) {
      case "syscall":
        // realloc reaches the replay as free and malloc (REFERENCE §12.1): where the real glibc
        // moved a mapping with mremap, the simulated one maps the new length afresh
        if ((record.call === "mmap" && record.anonymous) || record.call === "mremap") {
          const length = record.call === "mmap" ? record.length : record.newLength;
          segment.captured.set(length, (segment.captured.get(length) ?? 0) + 1);
          segment.capturedCount++;
        } else if (record.call === "brk") {
          heapStart ??= record.from;
          if (record.to > record.from) segment.capturedBrkGrowth += record.to - record.from;
          brk = record.to;
        }
        break;
      case "sync":
        checks.push(segment.close(record.seq));
        segment = new Segment();
        lastSync = { label: record.label, site: record.site };
        break;
      case "sample": {
        const blocks = live.byAddress();
        const start = heapStart;
        const inHeap = (address: number): boolean => start !== null && address >= start && address < brk;
        const attribution = attributePages(record.resident, blocks, pageSize, inHeap);
        let heapTop: LiveBlock | null = null;
        for (const block of blocks) if (inHeap(block.address)) heapTop = block;
        const topPage = heapTop === null ? -1 : Math.floor(heapTop.address / pageSize);
        let heldPinnedPages = 0;
        let heldAtTopPages = 0;
        for (const [vpn, count, site] of attribution.siteRuns) {
          if (site !== HELD_BY_MALLOC) continue;
          if (vpn < topPage) heldPinnedPages += count;
          else heldAtTopPages += count;
        }
        if (follow) {
          proc.asOneCall("replay", {}, () => {
            for (const t of attribution.touched) {
              const sim = (t.block as ReplayedBlock).sim;
              if (sim >= 0) proc.touch(sim + t.offset, Math.min(t.length, t.block.size - t.offset), "write");
            }
          });
        }
        const status = proc.status();
        samples.push({
          seq: record.seq, ms: record.ms, label: record.seq > 0 ? lastSync.label : "", site: record.seq > 0 ? lastSync.site : null,
          realVmRssKb: record.vmRssKb, realVmSizeKb: record.vmSizeKb, simulatedVmRssKb: status.VmRSS, simulatedVmSizeKb: status.VmSize,
          pagesBySite: attribution.pagesBySite, siteRuns: attribution.siteRuns, heapTopSite: heapTop?.site ?? null, heldPinnedPages, heldAtTopPages,
          liveBytesBySite: new Map([...totals.values()].filter((t) => t.live > 0).map((t) => [t.row.site, t.live])),
        });
        for (const [site, pages] of attribution.pagesBySite) {
          const r = totalsOf(site).row;
          r.residentPagesPeak = Math.max(r.residentPagesPeak, pages);
        }
        for (const { row } of totals.values()) row.residentPagesLast = attribution.pagesBySite.get(row.site) ?? 0;
        break;
      }
      default:
        break;
    }
  };
  // A run of malloc-family calls is one kernel call of the simulated process: its event log and
  // counter bookkeeping then cost once per run instead of once per chunk-header store (several
  // per malloc). What the calls do to pages, frames and counters is the same.
  // The cursor hands allocations and frees over as numbers, with no record object per call.
  const cursor = recordCursor(capture);
  let kind: CursorKind = cursor.next();
  const runOfCalls = (): void => {
    const brkBefore = counters.brkGrowthBytes; // no sync marker inside a run: one segment
    for (;;) {
      if (kind === CURSOR_ALLOC) allocate(cursor);
      else if (kind === CURSOR_FREE) release(cursor);
      else break;
      calls++;
      if (calls % PROGRESS_EVERY === 0) options.onProgress?.(calls);
      kind = cursor.next();
    }
    segment.simulatedBrkGrowth += counters.brkGrowthBytes - brkBefore;
  };
  try {
    while (kind !== CURSOR_END) {
      if (kind === CURSOR_ALLOC || kind === CURSOR_FREE) proc.asOneCall("replay", {}, runOfCalls);
      else {
        step(cursor.record as CaptureRecord);
        kind = cursor.next();
      }
    }
  } finally {
    cursor.close();
  }
  checks.push(segment.close(0));
  for (const t of totals.values()) t.row.liveBytesAtEnd = Math.max(0, t.live);
  const table = [...totals.values()].map((t) => t.row).sort((a, b) => b.residentPagesPeak - a.residentPagesPeak || b.allocatedBytes - a.allocatedBytes);
  const brkGrowth = { simulated: checks.reduce((s, c) => s + c.simulatedBrkGrowth, 0), captured: checks.reduce((s, c) => s + c.capturedBrkGrowth, 0) };
  const findings = findingsOf(table, samples, thresholds, capture.sites, pageSize, libc.mallinfo().trimThreshold);
  const mmapsAgree = checks.every((c) => c.unmatchedMmaps.length === 0);
  return {
    machine: m, process: proc, allocator: libc, sites: new Map([...capture.sites, ...PSEUDO_SITES]), pageSize, calls, failedCalls: failed, checks, mmapsAgree, brkGrowth,
    samples, table, findings, text: tableText(table, findings, pageSize, mmapsAgree, brkGrowth),
  };
}

function findingsOf(table: readonly SiteRow[], samples: readonly ReplaySample[], thresholds: readonly { from: number; to: number; afterSite: number }[], sites: ReadonlyMap<number, string>, pageSize: number, trimThreshold: number): string[] {
  const findings: string[] = [];
  const MIB = 2 ** 20;
  for (const r of table) {
    if (r.site < 0) continue;
    if (r.peakLiveBytes >= MIB && r.residentPagesPeak * pageSize * 2 < r.peakLiveBytes) {
      findings.push(`${r.label}: ${formatKiB(r.peakLiveBytes)} allocated, at most ${r.residentPagesPeak} page(s) resident — fresh pages from the kernel that the program never wrote (calloc and np.zeros read as zero without being touched).`);
    }
  }
  // samples at sync markers first: periodic ones after the last marker see the interpreter's teardown
  const marked = samples.filter((x) => x.seq !== 0);
  const most = (pages: (x: ReplaySample) => number): ReplaySample | null =>
    (marked.length > 0 ? marked : samples).reduce<ReplaySample | null>((best, x) => (pages(x) > (best === null ? 0 : pages(best)) ? x : best), null);
  const at = (x: ReplaySample): string => `at ${x.ms} ms${x.label ? `, ${x.label}` : x.site === null ? "" : `, before ${siteLabel(sites, x.site)}`}`;
  const pinned = most((x) => x.heldPinnedPages);
  if (pinned !== null && pinned.heldPinnedPages * pageSize >= MIB && pinned.heapTopSite !== null) {
    findings.push(`${formatKiB(pinned.heldPinnedPages * pageSize)} of freed memory stays resident in the brk heap (${at(pinned)}): the highest live block in the heap, from ${siteLabel(sites, pinned.heapTopSite)}, pins the top, and brk can only give back memory above the last live block.`);
  }
  const untrimmed = most((x) => x.heldAtTopPages);
  if (untrimmed !== null && untrimmed.heldAtTopPages * pageSize >= MIB) {
    findings.push(`${formatKiB(untrimmed.heldAtTopPages * pageSize)} of free memory stays resident at the top of the brk heap (${at(untrimmed)}): malloc trims the top only beyond the trim threshold (${formatKiB(trimThreshold)} at the end of the run; it doubles the mmap threshold whenever that moves).`);
  }
  for (const t of thresholds) {
    findings.push(`The mmap threshold moved from ${formatKiB(t.from)} to ${formatKiB(t.to)} when a block from ${siteLabel(sites, t.afterSite)} was freed: later requests below ${formatKiB(t.to)} come from the heap, which keeps memory after free.`);
  }
  return findings;
}

function tableText(table: readonly SiteRow[], findings: readonly string[], pageSize: number, mmapsAgree: boolean, brk: { simulated: number; captured: number }): string {
  const lines = [`${"call site".padEnd(60)} ${"calls".padStart(9)} ${"allocated".padStart(11)} ${"peak live".padStart(11)} ${"resident".padStart(11)} ${"peak res.".padStart(11)}`];
  for (const r of table.slice(0, 40)) {
    const label = r.label.length > 60 ? `${r.label.slice(0, 59)}…` : r.label;
    lines.push(`${label.padEnd(60)} ${String(r.calls).padStart(9)} ${formatKiB(r.allocatedBytes).padStart(11)} ${formatKiB(r.peakLiveBytes).padStart(11)} ${formatKiB(r.residentPagesLast * pageSize).padStart(11)} ${formatKiB(r.residentPagesPeak * pageSize).padStart(11)}`);
  }
  if (table.length > 40) lines.push(`… ${table.length - 40} more call sites`);
  lines.push("", `mmaps: ${mmapsAgree ? "every simulated mmap matches a captured one" : "some simulated mmaps have no captured match (see checks)"}; brk growth simulated ${formatKiB(brk.simulated)}, captured ${formatKiB(brk.captured)}`);
  for (const f of findings) lines.push(`- ${f}`);
  return lines.join("\n");
}
