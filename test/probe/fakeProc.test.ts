// The probe against a fake /proc: decoding of pagemap and kpageflags entries, bounded reads,
// and argument checks, independent of the host's kernel.
import fs from "fs";
import { syncBuiltinESMExports } from "module";
import * as path from "path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { PageState } from "../../src/kernel";
import { alloc, frames, minorFaults, residency, residencySummary, smapsOf, status } from "../../src/probe";
import { EXCLUSIVE, KPF_THP, KPF_ZERO_PAGE, PRESENT, SWAPPED, fakeRoot, writeEntries } from "./helpers";

const P = 4096;
const START = 0x10000000;
const VPN = START / P;
const VMA_PAGES = 16;
const ZERO_PFN = 0x3b34n;
const THP_PFN = 0x200000n;

/** A fake /proc whose only anonymous VMA is 16 pages at 0x10000000, with four interesting pages. */
function makeProc(options: { kpageflags: boolean; hidePfns?: boolean }): string {
  const hex = (n: number) => n.toString(16);
  const root = fakeRoot({
    "self/maps": `${hex(START)}-${hex(START + VMA_PAGES * P)} rw-p 00000000 00:00 0 \n`,
    "self/smaps": [
      `${hex(START)}-${hex(START + VMA_PAGES * P)} rw-p 00000000 00:00 0 `,
      "KernelPageSize:        4 kB",
      "Rss:                   8 kB",
      "Anonymous:             8 kB",
      "AnonHugePages:         0 kB",
      "THPeligible:    0",
      "VmFlags: rd wr mr mw me ac",
      "",
    ].join("\n"),
    "self/status": "VmSize:\t 100 kB\nVmRSS:\t 40 kB\nRssAnon:\t 30 kB\n",
    "self/stat": "1 (node) R 0 1 1 0 -1 0 1234 0 0 0",
  });
  const pfn = (n: bigint) => (options.hidePfns ? 0n : n);
  writeEntries(path.join(root, "self/pagemap"), VPN, [
    PRESENT | EXCLUSIVE | pfn(0x1000n), // page 0: a private page
    PRESENT | pfn(ZERO_PFN), // page 1: the zero page, never exclusive
    SWAPPED | 0x1234n, // page 2: swapped (swap type/offset, not a PFN)
    PRESENT | EXCLUSIVE | pfn(THP_PFN), // page 3: part of a THP
  ]);
  writeEntries(path.join(root, "self/pagemap"), VPN + 20, [0n]); // the file goes on past the range
  if (options.kpageflags) {
    writeEntries(path.join(root, "kpageflags"), Number(ZERO_PFN), [KPF_ZERO_PAGE]);
    writeEntries(path.join(root, "kpageflags"), Number(THP_PFN), [KPF_THP]);
  }
  return root;
}

const linux = (procRoot: string) => ({ procRoot, platform: "linux" });

describe("residency from a fake /proc", () => {
  afterEach(() => vi.restoreAllMocks());

  it("decodes present, swapped, zero-page and THP pages exactly when kpageflags is readable", () => {
    const root = makeProc({ kpageflags: true });
    // The range runs 4 pages past the VMA: those pages are Unmapped.
    const r = residency({ mapping: { start: START, end: START + 20 * P } }, linux(root));
    if (!r.ok) throw new Error(r.reason);
    expect(r.zeroPageDetection).toBe("kpageflags");
    expect(r.hugeDetection).toBe("kpageflags");
    expect(Array.from(r.state.subarray(0, 5))).toEqual([
      PageState.Resident, PageState.ZeroPage, PageState.Swapped, PageState.Huge, PageState.Untouched,
    ]);
    expect(Array.from(r.state.subarray(16))).toEqual(Array(4).fill(PageState.Unmapped));
    expect(r.totals).toEqual({ pages: 20, untouched: 12, present: 3, swapped: 1, unmapped: 4, resident: 2, zeroPage: 1, huge: 1 });
    expect(r.pfn?.[1]).toBe(Number(ZERO_PFN));
    expect(r.pfn?.[2]).toBe(0); // a swap entry carries no frame
    expect(r.smaps?.Rss).toBe(8);
    expect(r.notes.join(" ")).toMatch(/a 2 MiB transparent huge page counts as 512/);
  });

  it("reports zero pages as unknown, and counts them from smaps, when nothing tells them apart", () => {
    const root = makeProc({ kpageflags: false, hidePfns: true });
    const r = residency({ mapping: { start: START, end: START + VMA_PAGES * P } }, linux(root));
    if (!r.ok) throw new Error(r.reason);
    // The fake /proc cannot run the calibration, so neither the zero PFN nor the exclusive bit is trusted.
    expect(r.zeroPageDetection).toBe("unknown");
    expect(r.pfn).toBeNull();
    expect(r.totals.resident).toBeNull();
    expect(r.totals.zeroPage).toBeNull();
    expect(r.totals.present).toBe(3);
    expect(r.state[1]).toBe(PageState.Resident);
    const notes = r.notes.join(" ");
    expect(notes).toMatch(/PFNs read as 0/);
    expect(notes).toMatch(/smaps counts 2 of the 3 present pages in RSS, so 1 are zero-page mappings/);
    expect(frames({ mapping: { start: START, end: START + P } }, linux(root))).toMatchObject({ ok: false });
  });

  it("gives frame numbers, -1 where no frame is mapped", () => {
    const root = makeProc({ kpageflags: false });
    const f = frames({ mapping: { start: START, end: START + 5 * P } }, linux(root));
    if (!f.ok) throw new Error(f.reason);
    expect(Array.from(f.pfn)).toEqual([0x1000, Number(ZERO_PFN), -1, Number(THP_PFN), -1]);
  });

  it("summarises into cells counted per state", () => {
    const root = makeProc({ kpageflags: true });
    const s = residencySummary({ mapping: { start: START, end: START + 20 * P } }, 3, linux(root));
    if (!s.ok) throw new Error(s.reason);
    expect(s.pagesPerCell).toBe(7);
    expect(s.cellBytes).toBe(7 * P);
    expect(Array.from(s.counts[PageState.Resident])).toEqual([1, 0, 0]);
    expect(Array.from(s.counts[PageState.Huge])).toEqual([1, 0, 0]);
    expect(Array.from(s.counts[PageState.Untouched])).toEqual([3, 7, 2]);
    expect(Array.from(s.counts[PageState.Unmapped])).toEqual([0, 0, 4]);
  });

  it("reads pagemap only at the mapping's own offsets, in bounded chunks", () => {
    const root = makeProc({ kpageflags: false });
    const pages = 100_000; // two chunks
    const calls: { length: number; position: number }[] = [];
    const real = fs.readSync;
    const spy = vi.spyOn(fs, "readSync").mockImplementation(((fd: number, buffer: Buffer, offset: number, length: number, position: number) => {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith("pagemap")) calls.push({ length, position });
      return real(fd, buffer, offset, length, position);
    }) as typeof fs.readSync);
    syncBuiltinESMExports(); // let `import * as fs` in the probe see the spy
    try {
      residency({ mapping: { start: START, end: START + pages * P } }, linux(root));
    } finally {
      spy.mockRestore();
      syncBuiltinESMExports();
    }
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) {
      expect(c.position).toBeGreaterThanOrEqual(VPN * 8);
      expect(c.position + c.length).toBeLessThanOrEqual((VPN + pages) * 8);
      expect(c.length).toBeLessThanOrEqual(512 * 1024);
    }
  });

  it("refuses oversized, unaligned and malformed targets before reading anything", () => {
    const root = makeProc({ kpageflags: false });
    const opts = linux(root);
    expect(() => residency({ mapping: { start: 0, end: 2 ** 22 * P + P } }, opts)).toThrow(/4194304 pages/);
    expect(() => residency({ mapping: { start: START + 1, end: START + P } }, opts)).toThrow(InvalidArgumentError);
    expect(() => residency({ mapping: { start: START, end: START } }, opts)).toThrow(/end must be an integer address above/);
    expect(() => residency({ mapping: { start: -4096, end: 0 } }, opts)).toThrow(/probed\.mapping\.start/);
    expect(() => residency({ mapping: { start: 0, end: 2 ** 58 } }, opts)).toThrow(/2\*\*57/);
    expect(() => residency(null as never, opts)).toThrow(/alloc\(\)/);
    expect(() => residencySummary({ mapping: { start: START, end: START + P } }, 0, opts)).toThrow(/cells/);
    expect(() => smapsOf({ start: 5, end: 1 }, opts)).toThrow(InvalidArgumentError);
    expect(() => status({ procRoot: "" })).toThrow(/options\.procRoot/);
  });

  it("explains a target with no identified mapping", () => {
    const root = makeProc({ kpageflags: false });
    const r = residency({ mapping: null, note: "served from the heap" } as never, linux(root));
    expect(r).toEqual({ ok: false, reason: "no mapping was identified for this array: served from the heap" });
  });

  it("reads status, minor faults and smaps from the fake files", () => {
    const root = makeProc({ kpageflags: false });
    expect(status(linux(root))).toEqual({ ok: true, VmSize: 100, VmRSS: 40, RssAnon: 30 });
    expect(minorFaults(linux(root))).toEqual({ ok: true, minorFaults: 1234 });
    expect(smapsOf({ start: START + P, end: START + 2 * P }, linux(root))).toMatchObject({ ok: true, start: START, Rss: 8 });
    expect(smapsOf({ start: 0x1000, end: 0x2000 }, linux(root))).toMatchObject({ ok: false, reason: expect.stringMatching(/no mapping/) });
  });
});

describe("alloc against maps that never show the array's mapping", () => {
  afterEach(() => vi.restoreAllMocks());

  /** Reads of <root>/self/maps while `run` runs. */
  function mapsReads(root: string, run: () => void): number {
    let reads = 0;
    const real = fs.readFileSync;
    const spy = vi.spyOn(fs, "readFileSync").mockImplementation(((file: fs.PathOrFileDescriptor, options?: unknown) => {
      if (String(file) === path.join(root, "self", "maps")) reads++;
      return real(file, options as BufferEncoding);
    }) as typeof fs.readFileSync);
    syncBuiltinESMExports(); // let `import * as fs` in the probe see the spy
    try {
      run();
    } finally {
      spy.mockRestore();
      syncBuiltinESMExports();
    }
    return reads;
  }

  it("allocates an always-mmapped array again, twice at most, then returns it unidentified; a small one once", () => {
    const root = makeProc({ kpageflags: false });
    alloc(Uint8Array, 100, linux(root)); // calibrates for this root (cached), outside the counts
    let big: ReturnType<typeof alloc<Float64ArrayConstructor>> | undefined;
    const bigReads = mapsReads(root, () => (big = alloc(Float64Array, 2 ** 22, linux(root))));
    expect(bigReads).toBe(6); // before and after each of three allocations
    expect(big?.mapping).toBeNull();
    expect(big?.array.length).toBe(2 ** 22);
    expect(big?.note).toMatch(/no new mapping large enough/);
    let small: ReturnType<typeof alloc<Uint8ArrayConstructor>> | undefined;
    expect(mapsReads(root, () => (small = alloc(Uint8Array, 100, linux(root))))).toBe(2);
    expect(small?.note).toMatch(/arena/);
  });
});
