// The acceptance checks on an Experiment, shared by the in-process and the no-CAP_SYS_ADMIN runs.
import { expect } from "vitest";
import { PageState } from "../../src/kernel";
import { Experiment } from "./fixtures/experiment";

const HUGE = 2 * 2 ** 20;

/** Asserts what the kernel must have done at each step (THP-aware: see the comments). */
export function checkExperiment(e: Experiment): void {
  const pages = (e.mapping.end - e.mapping.start) / e.pageSize;
  expect(pages).toBe(65537); // glibc: ALIGN_UP(2**28 + 24, 4096) (REFERENCE §1.2)
  expect(e.dataStart).toBe(e.mapping.start + 16);
  expect(e.dataStartVerified).toBe(true);

  // After calloc: only the chunk header's page (or nothing) is resident (REFERENCE §4.1).
  expect(e.afterAlloc.totals.present).toBeLessThanOrEqual(1);
  expect(e.afterAlloc.residentPages.length).toBeLessThanOrEqual(1);
  expect(e.afterAlloc.smapsRssKb).toBeLessThanOrEqual(4);

  // After writing every 1000th page: exactly those pages and the header page are resident.
  // With THP a write can fault in a whole 2 MiB page instead (REFERENCE §3.4): then the extra
  // resident pages must sit in the 2 MiB block of a written page, and smaps must show AnonHugePages.
  const block = (page: number) => Math.floor((e.mapping.start + page * e.pageSize) / HUGE);
  const expected = [...new Set([0, ...e.written])].sort((a, b) => a - b);
  if ((e.afterWrites.anonHugeKb ?? 0) === 0) {
    expect(e.afterWrites.residentPages).toEqual(expected);
    expect(e.afterWrites.smapsRssKb).toBe(expected.length * (e.pageSize / 1024));
  } else {
    const writtenBlocks = new Set(expected.map(block));
    expect(e.afterWrites.residentPages).toEqual(expect.arrayContaining(expected));
    for (const page of e.afterWrites.residentPages) expect(writtenBlocks.has(block(page))).toBe(true);
  }
  expect(e.faultsForWrites).toBeGreaterThanOrEqual(e.written.length - 1);

  // After reading untouched pages: what happens depends on the host, measured by the probe's
  // calibration (hostFacts().behaviour), never assumed.
  expect(e.faultsForReads).toBeGreaterThanOrEqual(e.readPages.length);
  if (e.readFault === "zero-page") checkZeroPageReads(e, expected, block);
  else checkPrivatePageReads(e);
}

/** Stock Linux: untouched pages read map the zero page, which RSS never counts (REFERENCE §3.1, §3.3). */
function checkZeroPageReads(e: Experiment, expected: number[], block: (page: number) => number): void {
  expect(e.afterReads.residentPages).toEqual(e.afterWrites.residentPages);
  expect(e.afterReads.smapsRssKb).toBe(e.afterWrites.smapsRssKb);
  const zeroLike = new Set<number>([PageState.ZeroPage, PageState.HugeZero]);
  if ((e.afterWrites.anonHugeKb ?? 0) === 0) {
    expect(e.afterReads.totals.present).toBe(e.afterWrites.totals.present + e.readPages.length);
    if (e.afterReads.zeroPageDetection !== "unknown") {
      expect(e.afterReads.readStates.every((state) => state === PageState.ZeroPage)).toBe(true);
      expect(e.afterReads.totals.zeroPage).toBe(e.readPages.length);
    }
  } else if (e.afterReads.zeroPageDetection !== "unknown") {
    // A read page inside a huge page written earlier is simply resident; every other one maps a zero page.
    const writtenBlocks = new Set(expected.map(block));
    e.readPages.forEach((page, i) => {
      if (!zeroLike.has(e.afterReads.readStates[i])) expect(writtenBlocks.has(block(page))).toBe(true);
    });
  }
  // Were the read faults counted in RSS, VmRSS would grow ~4 kB per page read.
  expect(e.vmRssGrowthOnReadsKb).toBeLessThan((e.readPages.length * e.pageSize) / 1024 / 2);
}

/** A host that forbids the zero page (REFERENCE §3.9): every page read becomes the process's own, counted in RSS. */
function checkPrivatePageReads(e: Experiment): void {
  const resident = new Set([...e.afterWrites.residentPages, ...e.readPages]);
  expect(e.afterReads.residentPages).toEqual(expect.arrayContaining([...resident]));
  expect(e.afterReads.readStates.every((s) => s === PageState.Resident || s === PageState.Huge)).toBe(true);
  expect(e.afterReads.totals.zeroPage).toBe(0);
  const pageKb = e.pageSize / 1024;
  expect(e.afterReads.smapsRssKb).toBe(e.afterReads.residentPages.length * pageKb);
  expect(e.vmRssGrowthOnReadsKb).toBeGreaterThanOrEqual((e.readPages.length * pageKb) / 2);
}
