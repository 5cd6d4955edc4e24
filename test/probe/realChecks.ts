// The acceptance checks on an Experiment, shared by the in-process and the no-CAP_SYS_ADMIN runs.
import { expect } from "vitest";
import { ProbePageState } from "../../src/probe";
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

  // After reading untouched pages: they map the zero page, which RSS never counts (REFERENCE §3.1, §3.3).
  expect(e.afterReads.residentPages).toEqual(e.afterWrites.residentPages);
  expect(e.afterReads.smapsRssKb).toBe(e.afterWrites.smapsRssKb);
  const zeroLike = new Set<number>([ProbePageState.ZeroPage, ProbePageState.HugeZero]);
  if ((e.afterWrites.anonHugeKb ?? 0) === 0) {
    expect(e.afterReads.totals.present).toBe(e.afterWrites.totals.present + e.readPages.length);
    if (e.afterReads.zeroPageDetection !== "unknown") {
      expect(e.afterReads.readStates.every((state) => state === ProbePageState.ZeroPage)).toBe(true);
      expect(e.afterReads.totals.zeroPage).toBe(e.readPages.length);
    }
  } else if (e.afterReads.zeroPageDetection !== "unknown") {
    // A read page inside a huge page written earlier is simply resident; every other one maps a zero page.
    const writtenBlocks = new Set(expected.map(block));
    e.readPages.forEach((page, i) => {
      if (!zeroLike.has(e.afterReads.readStates[i])) expect(writtenBlocks.has(block(page))).toBe(true);
    });
  }
  // 999 read faults, each at least one minor fault; were they counted in RSS, VmRSS would grow ~3996 kB.
  expect(e.faultsForReads).toBeGreaterThanOrEqual(e.readPages.length);
  expect(e.vmRssGrowthOnReadsKb).toBeLessThan((e.readPages.length * e.pageSize) / 1024 / 2);
}
