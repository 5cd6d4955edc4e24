// Turns decoded pagemap entries into page states, using the strongest evidence this host allows:
// kpageflags (exact), the zero page's PFN (exact for 4 KiB zero pages), the exclusive bit
// (an inference), or nothing (then a zero-page mapping cannot be told from a private page).
import { Vma } from "./maps";
import {
  PAGE_EXCLUSIVE,
  PAGE_FILE,
  PAGE_KPF_THP,
  PAGE_KPF_ZERO,
  PAGE_PRESENT,
  PAGE_SWAPPED,
  PagemapPages,
} from "./pagemap";
import { PageState } from "../kernel/page-state";

/**
 * How zero-page mappings were told apart from private pages; "no-zero-page" when this host was
 * seen to allocate a private page on a read fault, so every present page is the process's own.
 */
export type ZeroPageDetection = "kpageflags" | "pfn" | "exclusive-bit" | "no-zero-page" | "unknown";
/** How transparent huge pages were recognised. */
export type HugeDetection = "kpageflags" | "unknown";

export interface ClassifyEvidence {
  /** PAGE_KPF_* bits were filled in from /proc/kpageflags. */
  kpageflagsRead: boolean;
  /** The zero page's PFN, when known. */
  zeroPfn: number | null;
  /** Calibration saw a zero-page mapping read as present and not exclusive. */
  exclusiveBitMarksZeroPage: boolean;
  /** Calibration saw a read fault map a private page: this host maps no zero page (REFERENCE §3.9). */
  readFaultPrivate?: boolean;
}

export interface Classification {
  /** The kernel's PageState per page. */
  state: Uint8Array;
  zeroPageDetection: ZeroPageDetection;
  hugeDetection: HugeDetection;
}

/**
 * Marks which of `count` pages starting at address `start` lie inside one of `vmas`.
 * Returns 1 per mapped page, 0 per page outside every VMA.
 */
export function mappedPages(vmas: readonly Vma[], start: number, pageSize: number, count: number): Uint8Array {
  const mapped = new Uint8Array(count);
  const end = start + count * pageSize;
  for (const vma of vmas) {
    if (vma.end <= start || vma.start >= end) continue;
    const from = Math.max(0, Math.floor((vma.start - start) / pageSize));
    const to = Math.min(count, Math.ceil((vma.end - start) / pageSize));
    mapped.fill(1, from, to);
  }
  return mapped;
}

/** Chooses the zero-page evidence to use: the exact kinds first, the inference last. */
function chooseZeroPageDetection(pages: PagemapPages, evidence: ClassifyEvidence): ZeroPageDetection {
  if (evidence.kpageflagsRead && pages.pfn !== null) return "kpageflags";
  if (evidence.zeroPfn !== null && pages.pfn !== null) return "pfn";
  if (evidence.exclusiveBitMarksZeroPage) return "exclusive-bit";
  if (evidence.readFaultPrivate) return "no-zero-page";
  return "unknown";
}

/**
 * Classifies each page: outside any VMA -> Unmapped, swapped -> Swapped, absent -> Untouched,
 * present -> ZeroPage / HugeZero / Huge / Resident as the evidence allows (with no zero-page
 * evidence a present page is reported Resident). Returns the states and the methods used.
 */
export function classifyPages(pages: PagemapPages, mapped: Uint8Array, evidence: ClassifyEvidence): Classification {
  const zeroPageDetection = chooseZeroPageDetection(pages, evidence);
  const hugeDetection: HugeDetection = zeroPageDetection === "kpageflags" ? "kpageflags" : "unknown";
  const state = new Uint8Array(pages.count);
  for (let i = 0; i < pages.count; i++) {
    const f = pages.flags[i];
    if (mapped[i] === 0) state[i] = PageState.Unmapped;
    else if (f & PAGE_SWAPPED) state[i] = PageState.Swapped;
    else if (!(f & PAGE_PRESENT)) state[i] = PageState.Untouched;
    else state[i] = presentState(f, pages.pfn === null ? 0 : pages.pfn[i], zeroPageDetection, evidence);
  }
  return { state, zeroPageDetection, hugeDetection };
}

function presentState(flags: number, pfn: number, how: ZeroPageDetection, evidence: ClassifyEvidence): PageState {
  switch (how) {
    case "kpageflags": {
      const zero = (flags & PAGE_KPF_ZERO) !== 0;
      const huge = (flags & PAGE_KPF_THP) !== 0;
      if (zero) return huge ? PageState.HugeZero : PageState.ZeroPage;
      return huge ? PageState.Huge : PageState.Resident;
    }
    case "pfn":
      // Linux: a zero-page mapping reads as present with the zero page's PFN (REFERENCE §3.5)
      return pfn === evidence.zeroPfn ? PageState.ZeroPage : PageState.Resident;
    case "exclusive-bit":
      // The zero page is no process's own page, so pagemap never marks it exclusive (bit 56);
      // a private page shared after fork() or merged by KSM would read the same (an inference).
      return (flags & (PAGE_EXCLUSIVE | PAGE_FILE)) === 0 ? PageState.ZeroPage : PageState.Resident;
    case "no-zero-page":
    case "unknown":
      return PageState.Resident;
  }
}
