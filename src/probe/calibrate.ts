// A one-time experiment on a sibling allocation that checks what the probe otherwise only infers:
// that a large typed array's data starts 16 bytes into its mapping, what the zero page's PFN is,
// and whether pagemap's "exclusive" bit tells a zero-page mapping from a private page here.
// It writes and reads a throw-away array, so the user's arrays are never touched.
import * as path from "path";
import { CHUNK_HDR_SZ } from "../libc/constants";
import { identifyAllocation } from "./identify";
import { readMaps, regionsNewIn } from "./maps";
import { ResolvedOptions, errorCode } from "./options";
import { PAGE_EXCLUSIVE, PAGE_FILE, PAGE_PRESENT, pfnVisibility, readPagemap } from "./pagemap";
import { basePageSize } from "./pageSize";
import { closeQuietly, openReadOnly } from "./procfs";

export interface Calibration {
  /** Bytes between a mapping's start and a large typed array's data: 16 when verified, else null. */
  chunkHeaderBytes: number | null;
  /** PFN of the shared zero page, when PFNs are readable. */
  zeroPfn: number | null;
  /** Whether pagemap shows real PFNs (false without CAP_SYS_ADMIN), null when not measured. */
  pfnVisible: boolean | null;
  /** A read-faulted page showed present and not exclusive, a written one present and exclusive. */
  exclusiveBitMarksZeroPage: boolean;
  /** The read-faulted page was the process's own (present, exclusive): this host maps no zero page on read (REFERENCE §3.9). */
  readFaultPrivate: boolean;
  note: string;
}

// Over glibc's largest dynamic mmap threshold (32 MiB, REFERENCE §1.1), so malloc always mmaps it.
const CALIBRATION_BYTES = 34 * 2 ** 20;
const PAGES_EXAMINED = 12;

const cache = new Map<string, Calibration>();
// The calibration arrays stay alive: if the GC freed one, its munmap could land between the
// two maps snapshots of a later alloc() and blur what that allocation added.
const retained: Float64Array[] = [];

function failed(note: string): Calibration {
  return { chunkHeaderBytes: null, zeroPfn: null, pfnVisible: null, exclusiveBitMarksZeroPage: false, readFaultPrivate: false, note };
}

/**
 * Runs the calibration experiment once per procRoot (later calls return the cached result).
 * Returns what was verified; never throws.
 */
export function calibrate(opts: ResolvedOptions): Calibration {
  let result = cache.get(opts.procRoot);
  if (result === undefined) {
    result = runCalibration(opts);
    cache.set(opts.procRoot, result);
  }
  return result;
}

function runCalibration(opts: ResolvedOptions): Calibration {
  const pageSize = basePageSize(opts);
  if (pageSize === null) return failed("calibration skipped: the page size is unknown");
  const before = readMaps(opts);
  const array = new Float64Array(CALIBRATION_BYTES / 8);
  const after = readMaps(opts);
  retained.push(array);
  if (before === null || after === null) return failed("calibration failed: /proc/self/maps became unreadable");
  const found = identifyAllocation(regionsNewIn(before, after), CALIBRATION_BYTES, pageSize);
  if (found.mapping === null || !found.exactChunk) {
    return failed(`calibration could not find its own ${CALIBRATION_BYTES}-byte mapping: ${found.note}`);
  }
  const opened = openReadOnly(path.join(opts.procRoot, "self", "pagemap"));
  if ("error" in opened) return failed(`calibration could not open pagemap (${errorCode(opened.error)})`);
  try {
    const perPage = pageSize / 8;
    // If data starts d bytes into the mapping, this element lands on page 5 iff 16 <= d < pageSize + 16 ...
    array[5 * perPage - 2] = 1;
    // ... and this one on page 6 iff d < 24: together they pin d = 16 for 8-byte-aligned data.
    array[7 * perPage - 3] = 1;
    const loaded = array[9 * perPage]; // a read fault on a page never written: the zero page on stock Linux (REFERENCE §3.1)
    const pages = readPagemap(opened.fd, found.mapping.start / pageSize, PAGES_EXAMINED);
    const presentPages: number[] = [];
    for (let i = 0; i < PAGES_EXAMINED; i++) if (pages.flags[i] & PAGE_PRESENT) presentPages.push(i);
    // Fresh calloc'd memory reads 0, and exactly the header page and the three touched pages are present.
    const layoutHolds = loaded === 0 && presentPages.join(",") === "0,5,6,9";
    const written = pages.flags[5];
    const read = pages.flags[9];
    const readShared = (read & (PAGE_EXCLUSIVE | PAGE_FILE)) === 0;
    const exclusiveBitMarksZeroPage = layoutHolds && (written & PAGE_EXCLUSIVE) !== 0 && readShared;
    const readFaultPrivate = layoutHolds && (read & PAGE_EXCLUSIVE) !== 0;
    const pfnVisible = pfnVisibility(pages);
    const readPfn = pages.pfn === null ? 0 : pages.pfn[9];
    const zeroPfn = layoutHolds && readShared && readPfn > 0 ? readPfn : null;
    const note = layoutHolds
      ? `calibration: data starts ${CHUNK_HDR_SZ} bytes into a large array's mapping (verified by writing pages)` +
        (zeroPfn !== null ? `; zero page PFN ${zeroPfn}` : pfnVisible === false ? "; PFNs hidden (no CAP_SYS_ADMIN)" : "") +
        (exclusiveBitMarksZeroPage
          ? "; a zero-page mapping reads as present and not exclusive"
          : readFaultPrivate
            ? "; a read fault mapped a private page (this kernel maps no zero page on read)"
            : "; the exclusive bit does not tell zero pages apart here")
      : `calibration: pages [${presentPages.join(",")}] of the probe's own mapping became present (read value ${loaded}), ` +
        "not [0,5,6,9] as a 16-byte chunk header predicts; the data offset is not verified";
    return {
      chunkHeaderBytes: layoutHolds ? CHUNK_HDR_SZ : null,
      zeroPfn,
      pfnVisible,
      exclusiveBitMarksZeroPage,
      readFaultPrivate,
      note,
    };
  } finally {
    closeQuietly(opened.fd);
  }
}
