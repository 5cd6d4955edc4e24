// MADV_FREE on the real kernel: a child Python (assets/python/lazy_free.py) writes a small
// throw-away mapping, frees it with MADV_FREE, writes one page again and drops it all with
// MADV_DONTNEED, reading the kernel's own smaps Rss and LazyFree for the mapping after each step.
// What the kernel should do is predicted from the host itself (its release and its swap), never
// assumed (REFERENCE §9.6).
import { spawnSync } from "child_process";
import { InvalidArgumentError, describeValue } from "../errors";
import { checkOptions } from "../validate";
import { PROBE_OPTION_KEYS, type ProbeOptions, probeFields, unsupported, whyUnsupported, type Unsupported } from "./options";
import { pythonAsset, systemPython } from "./python";

/** The child maps a few MiB and exits in milliseconds; this bounds a stuck one. */
const LAZY_FREE_TIMEOUT_MS = 10_000;

/**
 * Folios MADV_FREE queues per CPU before it moves them to the lazy-free list (Linux's
 * FOLIO_BATCH_SIZE, 31 since 5.x; PAGEVEC_SIZE was 15): pages still queued are not yet counted in
 * smaps LazyFree, so a range shows up to this many pages fewer per CPU it ran on.
 */
export const LAZY_FREE_BATCH_PAGES = 31;

/** The mapping's figures after one step of the run, in kB. */
export interface LazyFreeStep {
  /** written: every page written; freed: MADV_FREE; rewritten: one byte written to the first page; dontneed: MADV_DONTNEED. */
  label: "written" | "freed" | "rewritten" | "dontneed";
  /** smaps Rss of the mapping. */
  rssKb: number;
  /** smaps LazyFree of the mapping; null on kernels whose smaps has no such field (before 4.12). */
  lazyFreeKb: number | null;
  /** The child's VmRSS. */
  vmRssKb: number;
}

/** What the host's own kernel and swap predict MADV_FREE does (REFERENCE §9.6). */
export interface LazyFreeExpectation {
  /** True: the pages stay resident as LazyFree until pressure; false: they are freed at once. */
  lazy: boolean;
  /** Why, from the kernel release and SwapTotal. */
  reason: string;
}

/** What MADV_FREE did to a small mapping in a child process of this host. */
export interface LazyFreeRun {
  /** The run completed. */
  ok: true;
  /** The host's base page size in bytes. */
  pageSize: number;
  /** Pages mapped and written. */
  pages: number;
  /** The kernel release (uname -r). */
  kernel: string;
  /** SwapTotal, kB; null when unreadable. */
  swapTotalKb: number | null;
  /** What the host predicts, before looking at the figures. */
  expected: LazyFreeExpectation;
  /** The mapping after each step, in order: written, freed, rewritten, dontneed. */
  steps: LazyFreeStep[];
  /** The last byte of the mapping read after MADV_FREE: the value written (0x5a = 90) while the page was not taken. */
  lastByteAfterFree: number;
  /** The same byte after MADV_DONTNEED: 0, the page is gone. */
  lastByteAfterDontneed: number;
  /** Wall time of the child's work, ms. */
  elapsedMs: number;
}

/** Options of {@link measureLazyFree}. */
export interface LazyFreeOptions extends ProbeOptions {
  /** Pages to map (default 1024: 4 MiB with 4 KiB pages; at most 65536). */
  pages?: number;
  /** The interpreter to run (default /usr/bin/python3, else python3 on PATH). */
  python?: string;
}

/**
 * Predicts MADV_FREE from the kernel release and SwapTotal: lazy from Linux 4.12 whatever the
 * swap; from 4.5 only with swap, since before 4.12 a swapless system freed the pages at once
 * (madvise(2)); before 4.5 there is no MADV_FREE. Returns the prediction and why.
 * @example
 * lazyFreeExpected("6.1.0-18-amd64", 0).lazy;   // true
 * lazyFreeExpected("4.9.0", 0).lazy;            // false: freed at once without swap
 */
export function lazyFreeExpected(kernelRelease: string, swapTotalKb: number | null): LazyFreeExpectation {
  if (typeof kernelRelease !== "string") throw new InvalidArgumentError(`lazyFreeExpected: kernelRelease must be a string such as "6.1.0-18-amd64", got ${describeValue(kernelRelease)}`);
  if (swapTotalKb !== null && (typeof swapTotalKb !== "number" || !Number.isFinite(swapTotalKb) || swapTotalKb < 0)) {
    throw new InvalidArgumentError(`lazyFreeExpected: swapTotalKb must be a number of kB >= 0, or null when unknown, got ${describeValue(swapTotalKb)}`);
  }
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (m === null) throw new InvalidArgumentError(`lazyFreeExpected: kernelRelease must start with "<major>.<minor>", got ${describeValue(kernelRelease)}`);
  const version = Number(m[1]) * 1000 + Number(m[2]);
  const swap = swapTotalKb === null ? "unknown swap" : swapTotalKb > 0 ? `${swapTotalKb} kB of swap` : "no swap";
  if (version >= 4012) return { lazy: true, reason: `Linux ${m[1]}.${m[2]} (4.12 or later) keeps MADV_FREE pages as LazyFree, with or without swap (${swap})` };
  if (version < 4005) return { lazy: false, reason: `Linux ${m[1]}.${m[2]} has no MADV_FREE (added in 4.5)` };
  if ((swapTotalKb ?? 0) > 0) return { lazy: true, reason: `Linux ${m[1]}.${m[2]} with ${swap} keeps MADV_FREE pages until reclaim` };
  return { lazy: false, reason: `Linux ${m[1]}.${m[2]} before 4.12 with ${swap} frees MADV_FREE pages at once` };
}

/**
 * Runs MADV_FREE on a small throw-away mapping in a child Python (bounded: a few MiB, killed after
 * 10 s, unmapped before it exits) and returns the kernel's own smaps figures after each step with
 * what the host predicts, or { ok: false, reason } off Linux, without Python or without MADV_FREE.
 * @example
 * const run = probe.measureLazyFree();
 * if (run.ok) console.log(run.expected.reason, run.steps.map((s) => `${s.label}: Rss ${s.rssKb} kB, LazyFree ${s.lazyFreeKb} kB`));
 */
export function measureLazyFree(options: LazyFreeOptions = {}): LazyFreeRun | Unsupported {
  if (options === null || typeof options !== "object") throw new InvalidArgumentError(`measureLazyFree: options must be an object, got ${describeValue(options)}`);
  checkOptions("measureLazyFree", options, [...PROBE_OPTION_KEYS, "pages", "python"]);
  const pages = options.pages ?? 1024;
  if (typeof pages !== "number" || !Number.isInteger(pages) || pages < 1 || pages > 65536) {
    throw new InvalidArgumentError(`measureLazyFree: options.pages must be an integer in [1, 65536], got ${describeValue(pages)}`);
  }
  if (options.python !== undefined && (typeof options.python !== "string" || options.python === "")) {
    throw new InvalidArgumentError(`measureLazyFree: options.python must be a non-empty string (an interpreter's path), got ${describeValue(options.python)}`);
  }
  const why = whyUnsupported(probeFields("measureLazyFree", options));
  if (why !== null) return unsupported(why);
  const python = options.python ?? systemPython();
  const child = spawnSync(python, ["-I", "-S", pythonAsset("lazy_free.py"), String(pages)], {
    encoding: "utf8",
    timeout: LAZY_FREE_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  if (child.error) {
    const code = (child.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return unsupported(`not measured: no Python interpreter at ${python} (MADV_FREE needs python3's mmap.madvise)`);
    if (code === "ETIMEDOUT") return unsupported(`not measured: the child was killed after ${LAZY_FREE_TIMEOUT_MS / 1000} s`);
    return unsupported(`not measured: ${child.error.message}`);
  }
  return parseLazyFreeReport(child.stdout.trim().split("\n").pop() ?? "", child.stderr);
}

/** Turns lazy_free.py's last line into a run, or the reason it gives none. */
export function parseLazyFreeReport(line: string, stderr = ""): LazyFreeRun | Unsupported {
  let report: unknown;
  try {
    report = JSON.parse(line);
  } catch {
    return unsupported(`not measured: the child printed no report (${stderr.trim().slice(0, 200) || "no output"})`);
  }
  if (report === null || typeof report !== "object") return unsupported(`not measured: the child's report is not an object: ${line.slice(0, 200)}`);
  const r = report as Record<string, unknown>;
  if (typeof r.error === "string") return unsupported(`not measured: ${r.error}`);
  const steps = r.steps;
  if (typeof r.kernel !== "string" || !Array.isArray(steps) || steps.length !== 4 || steps.some((s: LazyFreeStep) => typeof s?.rssKb !== "number")) {
    return unsupported(`not measured: the child's report lacks its steps or kernel release: ${line.slice(0, 200)}`);
  }
  const swapTotalKb = typeof r.swapTotalKb === "number" ? r.swapTotalKb : null;
  return {
    ok: true,
    pageSize: Number(r.pageSize),
    pages: Number(r.pages),
    kernel: r.kernel,
    swapTotalKb,
    expected: lazyFreeExpected(r.kernel, swapTotalKb),
    steps: steps as LazyFreeStep[],
    lastByteAfterFree: Number(r.lastByteAfterFree),
    lastByteAfterDontneed: Number(r.lastByteAfterDontneed),
    elapsedMs: Number(r.elapsedMs),
  };
}
