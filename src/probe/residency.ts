// Per-page residency of a mapping of the real process: which pages are untouched, mapped to the
// zero page, resident, in a huge page, swapped — read from /proc/self/pagemap.
import * as path from "path";
import { InvalidArgumentError, describeValue } from "../errors";
import { ProbeTarget } from "./alloc";
import { calibrate } from "./calibrate";
import { HugeDetection, ZeroPageDetection, classifyPages, mappedPages } from "./classify";
import { markFromKpageflags } from "./kpageflags";
import { MappingRange, Vma, readMaps } from "./maps";
import { ProbeOptions, ResolvedOptions, Unsupported, errorCode, resolveOptions, unsupported, whyUnsupported } from "./options";
import { PagemapPages, readPagemap } from "./pagemap";
import { PageState } from "../kernel/page-state";
import { basePageSize } from "./pageSize";
import { closeQuietly, openReadOnly } from "./procfs";
import { checkRange } from "./range";
import { RealSmapsEntry, readSmapsEntry } from "./smaps";

/** The most pages one call reads (16 GiB of 4 KiB pages): pass a smaller { mapping } to look at part of a bigger one. */
export const MAX_PAGES_PER_CALL = 2 ** 22;

/** Page counts of a mapping by state, as {@link residency} totals them. */
export interface ResidencyTotals {
  /** Pages in the range. */
  pages: number;
  /** Pages never touched: not present and not swapped. */
  untouched: number;
  /** Present in the page table: resident, zero-page and huge pages. */
  present: number;
  /** Pages in swap. */
  swapped: number;
  /** Pages of the range outside any mapping. */
  unmapped: number;
  /** Pages counted in RSS (Resident + Huge); null when zero pages cannot be told apart. */
  resident: number | null;
  /** Pages mapped to the zero page or the huge zero page; null when undetectable. */
  zeroPage: number | null;
  /** Base pages inside transparent huge pages (512 per 2 MiB THP); null when undetectable. */
  huge: number | null;
}

/** The residency of one mapping, one entry per base page. */
export interface Residency {
  /** The mapping was read. */
  ok: true;
  /** First address examined. */
  start: number;
  /** Address just past the range examined. */
  end: number;
  /** The host's base page size in bytes. */
  pageSize: number;
  /** The kernel's PageState per page, so a real residency and a simulated one read alike. */
  state: Uint8Array;
  /** Frame number per page (0 where none); null when PFNs are hidden (no CAP_SYS_ADMIN). */
  pfn: Float64Array | null;
  /** Page counts by state. */
  totals: ResidencyTotals;
  /** How zero pages were told apart here: kpageflags, a known PFN, pagemap's exclusive bit, or not at all. */
  zeroPageDetection: ZeroPageDetection;
  /** How huge pages were detected: kpageflags, or not at all. */
  hugeDetection: HugeDetection;
  /** The smaps entry of the VMA containing `start`, as an independent cross-check. */
  smaps: RealSmapsEntry | null;
  /** What limited the reading (hidden PFNs, no kpageflags...), in plain words. */
  notes: string[];
}

interface PageRead {
  opts: ResolvedOptions;
  range: MappingRange;
  pageSize: number;
  pages: PagemapPages;
  vmas: Vma[];
}

function checkTarget(where: string, target: unknown): MappingRange | null {
  if (typeof target !== "object" || target === null || !("mapping" in target)) {
    throw new InvalidArgumentError(`${where}: probed must be the result of alloc() or { mapping: { start, end } }, got ${describeValue(target)}`);
  }
  const mapping = (target as ProbeTarget).mapping;
  return mapping === null ? null : checkRange(mapping, `${where}: probed.mapping`);
}

/**
 * Reads the pagemap entries of a target's mapping (bounded, chunked). Returns them with the
 * current VMAs, or { ok: false, reason }; throws InvalidArgumentError for a malformed target.
 */
function readTargetPages(where: string, target: ProbeTarget, options: ProbeOptions | undefined): PageRead | Unsupported {
  const range = checkTarget(where, target);
  const opts = resolveOptions(where, options);
  const why = whyUnsupported(opts);
  if (why !== null) return unsupported(why);
  if (range === null) {
    const note = (target as { note?: unknown }).note;
    return unsupported(`no mapping was identified for this array${typeof note === "string" ? `: ${note}` : ""}`);
  }
  const pageSize = basePageSize(opts);
  if (pageSize === null) return unsupported("the page size could not be read");
  if (range.start % pageSize !== 0 || range.end % pageSize !== 0) {
    throw new InvalidArgumentError(
      `${where}: probed.mapping must be page-aligned (${pageSize} bytes), got ${describeValue(range.start)}-${describeValue(range.end)}`,
    );
  }
  const count = (range.end - range.start) / pageSize;
  if (count > MAX_PAGES_PER_CALL) {
    throw new InvalidArgumentError(
      `${where}: probed.mapping spans ${count} pages, over the ${MAX_PAGES_PER_CALL} pages one call reads; pass a smaller { mapping: { start, end } }`,
    );
  }
  const file = path.join(opts.procRoot, "self", "pagemap");
  const opened = openReadOnly(file);
  if ("error" in opened) return unsupported(`${file} cannot be opened (${errorCode(opened.error)})`);
  let pages: PagemapPages;
  try {
    pages = readPagemap(opened.fd, range.start / pageSize, count);
  } catch (error) {
    return unsupported(`${file} cannot be read (${errorCode(error)})`);
  } finally {
    closeQuietly(opened.fd);
  }
  const vmas = readMaps(opts);
  if (vmas === null) return unsupported("/proc/self/maps became unreadable");
  return { opts, range, pageSize, pages, vmas };
}

/** Fills in kpageflags bits when PFNs are visible and /proc/kpageflags opens; returns whether it did. */
function readKpageflagsIfAllowed(read: PageRead): boolean {
  if (read.pages.pfn === null) return false;
  const opened = openReadOnly(path.join(read.opts.procRoot, "kpageflags"));
  if ("error" in opened) return false;
  try {
    markFromKpageflags(opened.fd, read.pages);
    return true;
  } catch {
    return false;
  } finally {
    closeQuietly(opened.fd);
  }
}

function countStates(state: Uint8Array): number[] {
  const counts = [0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < state.length; i++) counts[state[i]]++;
  return counts;
}

/**
 * Reads, page by page, how the target's mapping is backed right now: present, swapped, PFN (when
 * readable), zero page (when detectable), and totals. Returns { ok: false, reason } when the host
 * cannot be probed; throws InvalidArgumentError for a malformed or oversized target.
 */
export function residency(probed: ProbeTarget, options?: ProbeOptions): Residency | Unsupported {
  return readResidency("residency", probed, options);
}

/** residency() for the call `where` (residencySummary, snapshot), which its refusals name. */
export function readResidency(where: string, probed: ProbeTarget, options: ProbeOptions | undefined): Residency | Unsupported {
  const read = readTargetPages(where, probed, options);
  if ("reason" in read) return read;
  const { range, pageSize, pages } = read;
  const calibration = calibrate(read.opts);
  const kpageflagsRead = readKpageflagsIfAllowed(read);
  const { state, zeroPageDetection, hugeDetection } = classifyPages(
    pages,
    mappedPages(read.vmas, range.start, pageSize, pages.count),
    {
      kpageflagsRead,
      zeroPfn: calibration.zeroPfn,
      exclusiveBitMarksZeroPage: calibration.exclusiveBitMarksZeroPage,
      readFaultPrivate: calibration.readFaultPrivate,
    },
  );
  const c = countStates(state);
  const S = PageState;
  const present = c[S.ZeroPage] + c[S.Resident] + c[S.Huge] + c[S.HugeZero];
  const zeroKnown = zeroPageDetection !== "unknown";
  const hugeKnown = hugeDetection !== "unknown";
  const totals: ResidencyTotals = {
    pages: pages.count,
    untouched: c[S.Untouched],
    present,
    swapped: c[S.Swapped],
    unmapped: c[S.Unmapped],
    resident: zeroKnown ? c[S.Resident] + c[S.Huge] : null,
    zeroPage: zeroKnown ? c[S.ZeroPage] + c[S.HugeZero] : null,
    huge: hugeKnown ? c[S.Huge] + c[S.HugeZero] : null,
  };
  const smapsRead = readSmapsEntry(read.opts, range.start);
  const smaps = smapsRead.ok ? smapsRead : null;
  const notes = residencyNotes(totals, zeroPageDetection, hugeDetection, pages, smaps, range, pageSize);
  return {
    ok: true, start: range.start, end: range.end, pageSize, state, pfn: pages.pfn, totals,
    zeroPageDetection, hugeDetection, smaps, notes,
  };
}

function residencyNotes(
  totals: ResidencyTotals,
  zero: ZeroPageDetection,
  huge: HugeDetection,
  pages: PagemapPages,
  smaps: RealSmapsEntry | null,
  range: MappingRange,
  pageSize: number,
): string[] {
  const notes: string[] = [];
  if (pages.pfn === null && pages.presentWithoutPfn > 0) notes.push("PFNs read as 0: the kernel hides them without CAP_SYS_ADMIN");
  if (zero === "no-zero-page") notes.push("this kernel maps no zero page on read (measured): every present page is the process's own");
  if (zero === "exclusive-bit") {
    notes.push("zero pages inferred from pagemap's exclusive bit (present, not exclusive); a page shared after fork() or by KSM would look the same");
  }
  const wholeVma = smaps !== null && smaps.start === range.start && smaps.end === range.end;
  const rssPages = smaps === null ? null : (smaps.Rss * 1024) / pageSize;
  if (zero === "unknown") {
    notes.push(
      "zero-page mappings cannot be told from private pages here: every present page is reported Resident" +
        (wholeVma ? `; smaps counts ${rssPages} of the ${totals.present} present pages in RSS, so ${totals.present - (rssPages as number)} are zero-page mappings` : ""),
    );
  } else if (wholeVma && totals.resident !== null && rssPages !== totals.resident) {
    notes.push(`smaps Rss (${rssPages} pages) differs from the resident pages counted here (${totals.resident}): the mapping changed between the two reads, or the inference failed`);
  }
  if ((totals.huge ?? 0) > 0 || (smaps !== null && smaps.AnonHugePages > 0)) {
    notes.push(
      `counts are in ${pageSize}-byte pages: a 2 MiB transparent huge page counts as ${(2 * 2 ** 20) / pageSize}` +
        (huge === "unknown" && smaps !== null ? ` (smaps AnonHugePages: ${smaps.AnonHugePages} kB; which pages they are is not detectable without /proc/kpageflags)` : ""),
    );
  }
  return notes;
}

/** Frame numbers of a target's mapping. */
export interface Frames {
  /** The frames were read. */
  ok: true;
  /** First address examined. */
  start: number;
  /** The host's base page size in bytes. */
  pageSize: number;
  /** PFN per page; -1 where no frame is mapped (untouched, swapped, unmapped). */
  pfn: Float64Array;
}

/**
 * Reads the physical frame number behind each page of the target's mapping. Returns them, or
 * { ok: false, reason } when the host cannot be probed or hides PFNs (no CAP_SYS_ADMIN).
 */
export function frames(probed: ProbeTarget, options?: ProbeOptions): Frames | Unsupported {
  return readFrames("frames", probed, options);
}

/** frames() for the call `where` (snapshot), which its refusals name. */
export function readFrames(where: string, probed: ProbeTarget, options: ProbeOptions | undefined): Frames | Unsupported {
  const read = readTargetPages(where, probed, options);
  if ("reason" in read) return read;
  const { pages } = read;
  if (pages.pfn === null && (pages.presentWithoutPfn > 0 || calibrate(read.opts).pfnVisible === false)) {
    return unsupported("PFNs read as 0: the kernel shows them only to CAP_SYS_ADMIN (since Linux 4.2)");
  }
  const pfn = new Float64Array(pages.count).fill(-1);
  if (pages.pfn !== null) for (let i = 0; i < pages.count; i++) if (pages.pfn[i] > 0) pfn[i] = pages.pfn[i];
  return { ok: true, start: read.range.start, pageSize: read.pageSize, pfn };
}
