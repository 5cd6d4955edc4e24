// What this host's kernel does on a first touch, measured rather than assumed: a small
// calibration (assets/python/host_calibration.py) touches one byte in four regions of a
// throw-away 8 MiB mapping and reports the kernel's own evidence; behaviourFromEvidence turns
// that evidence into answers. Hosts differ from stock Linux here (REFERENCE §3.9): some forbid
// the shared zero page, so a read fault allocates a private page.
import { spawnSync } from "child_process";
import { InvalidArgumentError, describeValue } from "../errors";
import type { Unsupported } from "./options";
import { pythonAsset, systemPython } from "./python";
import { requireRecord, requireRegions } from "./records";

/** What the calibration saw in one region after touching its first byte. */
export interface RegionEvidence {
  /**
   * Which region: a read outside any huge range, a read of a MADV_HUGEPAGE block, a write with no
   * advice, a write in a MADV_HUGEPAGE block, and a write after the huge read.
   */
  region: "read-small" | "read-huge" | "write-plain" | "write-huge" | "write-after-huge-read";
  /** The madvise advice the region had. */
  advice: "none" | "hugepage" | "nohugepage";
  /** The one-byte access made. */
  access: "read" | "write";
  /** Pages of the region read from pagemap. */
  pagesExamined: number;
  /** Of those, pages present after the access. */
  pagesPresent: number;
  /** Present pages pagemap marks exclusively mapped (bit 56): the process's own pages. */
  pagesExclusive: number;
  /** Present pages with pagemap's file/shared bit (61): the huge zero page reads so. */
  pagesFileOrShared: number;
  /** The frame number of the touched page, or null when pagemap hides PFNs (without CAP_SYS_ADMIN). */
  firstPfn: number | null;
  /** Flags of the first page's frame, when /proc/kpageflags is readable (root). */
  kpageflags: {
    /** KPF_ZERO_PAGE: the frame is the shared zero page. */
    zeroPage: boolean;
    /** KPF_THP: the frame is part of a transparent huge page. */
    thp: boolean;
  } | null;
  /** The region's mapping in smaps: what the kernel counts in RSS. */
  smapsRssKb: number | null;
  /** AnonHugePages of that mapping, kB; null when unreadable. */
  smapsAnonHugePagesKb: number | null;
  /** Size of the mapping in smaps (neighbours may be merged into it); null when not found. */
  mappingBytes: number | null;
  /** VmRSS change across the access, kB. */
  vmRssDeltaKb: number;
  /**
   * Changes of /proc/vmstat's THP counters across the access (thp_fault_alloc, thp_fault_fallback,
   * thp_zero_page_alloc).
   */
  vmstatDelta: Record<string, number>;
}

/** The calibration program's whole report. */
export interface CalibrationEvidence {
  /** The host's base page size in bytes. */
  pageSize: number;
  /** The PMD huge-page size in bytes (2 MiB on x86-64). */
  hugeSize: number;
  /** Bytes of the throw-away mapping. */
  mappedBytes: number;
  /** The sum of the bytes read (kept so the reads are not optimised away; 0 on a healthy kernel). */
  readValue: number;
  /** The mapping was gone from smaps after the program unmapped it. */
  released: boolean;
  /** How long the calibration took, ms. */
  elapsedMs: number;
  /** The evidence of each region, in the order touched. */
  regions: RegionEvidence[];
}

/**
 * A read of untouched memory: the shared zero page mapped, or a private page allocated (hosts that
 * forbid the zero page).
 */
export type ReadFaultResult = "zero-page" | "private-page";
/** A read in a MADV_HUGEPAGE block: the huge zero page, a whole huge page allocated, or base pages. */
export type HugeReadResult = "huge-zero-page" | "huge-page" | "small-pages";
/** A write after the huge read: the huge zero page split (one base page) or replaced by a huge page. */
export type HugeZeroWriteResult = "split" | "huge-page" | "no-huge-zero-page";

/** One answer of the calibration with the figures it rests on. */
export interface Finding<T> {
  /** The answer. */
  result: T;
  /** Bytes the fault added to RSS (smaps Rss of the region). */
  bytesAllocated: number;
  /** The kernel's figures behind the answer, in words. */
  evidence: string;
}

/**
 * What this host's kernel does on a first touch, measured by a small calibration rather than
 * assumed: the answers, with the evidence behind each.
 */
export interface HostBehaviour {
  /** The calibration ran. */
  ok: true;
  /** A read of untouched memory outside any huge-page range (MADV_NOHUGEPAGE). */
  readFault: Finding<ReadFaultResult>;
  /** A read at the start of an aligned 2 MiB block with MADV_HUGEPAGE. */
  hugeRangeRead: Finding<HugeReadResult>;
  /** What one written byte allocates with no advice (4 KiB, an mTHP size or 2 MiB). */
  writeFault: Finding<number>;
  /** The same in a MADV_HUGEPAGE range. */
  madvisedWriteFault: Finding<number>;
  /** A write into the range the huge read mapped ("no-huge-zero-page" when the read mapped none). */
  hugeZeroWrite: Finding<HugeZeroWriteResult>;
  /** How long the calibration took, ms. */
  elapsedMs: number;
  /** Bytes of the throw-away mapping. */
  mappedBytes: number;
  /** The mapping was gone from smaps after the calibration unmapped it. */
  released: boolean;
  /** The raw evidence of each region. */
  regions: RegionEvidence[];
}

const CALIBRATION_TIMEOUT_MS = 10_000;

function region(e: CalibrationEvidence, name: RegionEvidence["region"]): RegionEvidence {
  const found = e.regions.find((r) => r.region === name);
  if (!found) throw new InvalidArgumentError(`behaviourFromEvidence: evidence.regions must hold a ${name} region`);
  return found;
}

/** Bytes the touch added to the region's RSS: smaps Rss, else the present exclusive pages. */
function allocatedBytes(r: RegionEvidence, pageSize: number): number {
  return r.smapsRssKb !== null ? r.smapsRssKb * 1024 : r.pagesExclusive * pageSize;
}

function describe(r: RegionEvidence, pageSize: number): string {
  const parts = [
    `pagemap: ${r.pagesPresent} of ${r.pagesExamined} pages present, ${r.pagesExclusive} exclusive`,
    r.firstPfn !== null ? `PFN ${r.firstPfn}` : "PFNs hidden",
  ];
  if (r.kpageflags) parts.push(`kpageflags ${r.kpageflags.zeroPage ? "ZERO_PAGE" : "not ZERO_PAGE"}${r.kpageflags.thp ? " THP" : ""}`);
  parts.push(`smaps Rss ${r.smapsRssKb ?? "?"} kB, AnonHugePages ${r.smapsAnonHugePagesKb ?? "?"} kB`);
  const size = allocatedBytes(r, pageSize);
  if (size > 0 && size !== pageSize) parts.push(`${size / 1024} KiB allocated`);
  return parts.join("; ");
}

/** Interprets the calibration's evidence (pure: tests feed it recordings of other hosts). */
export function behaviourFromEvidence(evidence: CalibrationEvidence): HostBehaviour {
  const e = requireRecord<CalibrationEvidence>("behaviourFromEvidence", "evidence", evidence, { pageSize: "number", hugeSize: "number", regions: "array" });
  requireRegions("behaviourFromEvidence", "evidence.regions", e.regions);
  const P = e.pageSize;
  const small = region(e, "read-small");
  const hugeRead = region(e, "read-huge");
  const plain = region(e, "write-plain");
  const madvised = region(e, "write-huge");
  const afterHugeRead = e.regions.find((r) => r.region === "write-after-huge-read") ?? null;
  // Linux do_anonymous_page: the zero page is never counted in RSS (REFERENCE §3.1, §3.3); a
  // host that forbids it allocates a page the read owns (REFERENCE §3.9).
  const smallBytes = allocatedBytes(small, P);
  const readFault: Finding<ReadFaultResult> = {
    result: small.pagesPresent > 0 && smallBytes === 0 ? "zero-page" : "private-page",
    bytesAllocated: smallBytes,
    evidence: describe(small, P),
  };
  const hugeBytes = allocatedBytes(hugeRead, P);
  let hugeResult: HugeReadResult;
  if ((hugeRead.smapsAnonHugePagesKb ?? 0) * 1024 >= e.hugeSize || (hugeRead.kpageflags?.thp && !hugeRead.kpageflags.zeroPage)) {
    hugeResult = "huge-page";
  } else if (hugeRead.pagesPresent * P >= e.hugeSize && hugeBytes === 0) {
    hugeResult = "huge-zero-page"; // one PMD maps all 512 pages, none counted (REFERENCE §3.4)
  } else {
    hugeResult = "small-pages";
  }
  let hugeZeroWrite: Finding<HugeZeroWriteResult>;
  if (hugeResult !== "huge-zero-page" || afterHugeRead === null) {
    hugeZeroWrite = { result: "no-huge-zero-page", bytesAllocated: 0, evidence: "the huge read mapped no huge zero page" };
  } else {
    const bytes = allocatedBytes(afterHugeRead, P);
    hugeZeroWrite = {
      result: (afterHugeRead.smapsAnonHugePagesKb ?? 0) * 1024 >= e.hugeSize ? "huge-page" : "split",
      bytesAllocated: bytes,
      evidence: describe(afterHugeRead, P),
    };
  }
  return {
    ok: true,
    readFault,
    hugeZeroWrite,
    hugeRangeRead: { result: hugeResult, bytesAllocated: hugeBytes, evidence: describe(hugeRead, P) },
    writeFault: { result: allocatedBytes(plain, P), bytesAllocated: allocatedBytes(plain, P), evidence: describe(plain, P) },
    madvisedWriteFault: {
      result: allocatedBytes(madvised, P),
      bytesAllocated: allocatedBytes(madvised, P),
      evidence: describe(madvised, P),
    },
    elapsedMs: e.elapsedMs,
    mappedBytes: e.mappedBytes,
    released: e.released,
    regions: e.regions,
  };
}

/**
 * Runs the calibration program in a child Python (bounded in time; it maps 8 MiB and unmaps it)
 * and returns its evidence, or why it could not run.
 */
export function runCalibration(python = systemPython()): CalibrationEvidence | Unsupported {
  const child = spawnSync(python, ["-I", "-S", pythonAsset("host_calibration.py")], {
    encoding: "utf8",
    timeout: CALIBRATION_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  if (child.error) {
    const code = (child.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, reason: `not measured: no Python interpreter at ${python} (the calibration needs python3 for madvise)` };
    if (code === "ETIMEDOUT") return { ok: false, reason: `not measured: the calibration was killed after ${CALIBRATION_TIMEOUT_MS / 1000} s` };
    return { ok: false, reason: `not measured: ${child.error.message}` };
  }
  const parsed = parseCalibrationReport(child.stdout.trim().split("\n").pop() ?? "");
  if (parsed === null) {
    return { ok: false, reason: `not measured: the calibration printed no report (exit ${child.status}; ${child.stderr.trim().slice(0, 200)})` };
  }
  if (parsed.error !== undefined) return { ok: false, reason: `not measured: the calibration failed: ${parsed.error}` };
  return parsed;
}

/** The calibration program's last line: its evidence, or why it failed. */
type CalibrationReport = (CalibrationEvidence & { error?: undefined }) | { error: string };

/** Parses the calibration's last line; null when it is not a JSON object. */
function parseCalibrationReport(line: string): CalibrationReport | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  // host_calibration.py prints one of the two shapes; only an object can be either.
  return value !== null && typeof value === "object" ? (value as CalibrationReport) : null;
}

const cache = new Map<string, HostBehaviour | Unsupported>();

/** Measures this host's fault behaviour once per interpreter and process; later calls reuse it. */
export function measureHostBehaviour(python = systemPython()): HostBehaviour | Unsupported {
  if (typeof python !== "string" || python === "") {
    throw new InvalidArgumentError(`measureHostBehaviour: python must be a non-empty string (an interpreter's path), got ${describeValue(python)}`);
  }
  let result = cache.get(python);
  if (result === undefined) {
    const evidence = runCalibration(python);
    result = "ok" in evidence ? evidence : behaviourFromEvidence(evidence);
    cache.set(python, result);
  }
  return result;
}
