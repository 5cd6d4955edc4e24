// Properties of the pure parts: classification of pagemap flags and folding into cells.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyPages, mappedPages } from "../../src/probe/classify";
import { PAGE_EXCLUSIVE, PAGE_FILE, PAGE_PRESENT, PAGE_SWAPPED, PagemapPages } from "../../src/probe/pagemap";
import { PAGE_STATE_COUNT, PageState } from "../../src/kernel/page-state";
import { summarizeStates } from "../../src/probe/summary";

const pagesOf = (flags: number[], pfn: number[] | null): PagemapPages => ({
  firstVpn: 0,
  count: flags.length,
  flags: Uint8Array.from(flags),
  pfn: pfn === null ? null : Float64Array.from(pfn),
  presentWithoutPfn: 0,
});
const allMapped = (n: number) => new Uint8Array(n).fill(1);

describe("classifyPages", () => {
  const flags = [0, PAGE_PRESENT | PAGE_EXCLUSIVE, PAGE_PRESENT, PAGE_SWAPPED, PAGE_PRESENT | PAGE_FILE];

  it("uses the zero page's PFN when it is known", () => {
    const c = classifyPages(pagesOf(flags, [0, 77, 9, 0, 55]), allMapped(5), { kpageflagsRead: false, zeroPfn: 9, exclusiveBitMarksZeroPage: true });
    expect(c.zeroPageDetection).toBe("pfn");
    const S = PageState;
    expect(Array.from(c.state)).toEqual([S.Untouched, S.Resident, S.ZeroPage, S.Swapped, S.Resident]);
  });

  it("infers zero pages from the exclusive bit only when calibration vouched for it", () => {
    const S = PageState;
    const inferred = classifyPages(pagesOf(flags, null), allMapped(5), { kpageflagsRead: false, zeroPfn: null, exclusiveBitMarksZeroPage: true });
    expect(inferred.zeroPageDetection).toBe("exclusive-bit");
    expect(Array.from(inferred.state)).toEqual([S.Untouched, S.Resident, S.ZeroPage, S.Swapped, S.Resident]);
    const unknown = classifyPages(pagesOf(flags, null), allMapped(5), { kpageflagsRead: false, zeroPfn: null, exclusiveBitMarksZeroPage: false });
    expect(unknown.zeroPageDetection).toBe("unknown");
    expect(unknown.state[2]).toBe(S.Resident);
  });

  it("on a host seen to map no zero page, every present page is the process's own and counted as known", () => {
    const S = PageState;
    const c = classifyPages(pagesOf(flags, null), allMapped(5), { kpageflagsRead: false, zeroPfn: null, exclusiveBitMarksZeroPage: false, readFaultPrivate: true });
    expect(c.zeroPageDetection).toBe("no-zero-page");
    expect(Array.from(c.state)).toEqual([S.Untouched, S.Resident, S.Resident, S.Swapped, S.Resident]);
    // kpageflags, when readable, still decides first.
    const exact = classifyPages(pagesOf(flags, [0, 7, 9, 0, 5]), allMapped(5), { kpageflagsRead: true, zeroPfn: null, exclusiveBitMarksZeroPage: false, readFaultPrivate: true });
    expect(exact.zeroPageDetection).toBe("kpageflags");
  });

  it("marks pages outside every VMA as Unmapped", () => {
    const vmas = [{ start: 4096, end: 3 * 4096, perms: "rw-p", offset: 0, inode: 0, path: "" }];
    expect(Array.from(mappedPages(vmas, 0, 4096, 5))).toEqual([0, 1, 1, 0, 0]);
    const c = classifyPages(pagesOf([0, 0, 0, 0, 0], null), mappedPages(vmas, 0, 4096, 5), { kpageflagsRead: false, zeroPfn: null, exclusiveBitMarksZeroPage: false });
    expect(Array.from(c.state)).toEqual([6, 0, 0, 6, 6]);
  });
});

describe("summarizeStates", () => {
  it("keeps every page: per cell the states add up to the cell's pages, per state to the state's pages", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: PAGE_STATE_COUNT - 1 }), { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 1, max: 500 }),
        (states, cells) => {
          const state = Uint8Array.from(states);
          const s = summarizeStates(state, 4096, cells);
          const used = s.counts[0].length;
          expect(used).toBeLessThanOrEqual(cells);
          expect(s.cellBytes).toBe(s.pagesPerCell * 4096);
          for (let cell = 0; cell < used; cell++) {
            let sum = 0;
            for (let k = 0; k < PAGE_STATE_COUNT; k++) sum += s.counts[k][cell];
            expect(sum).toBe(Math.min(s.pagesPerCell, state.length - cell * s.pagesPerCell));
          }
          for (let k = 0; k < PAGE_STATE_COUNT; k++) {
            expect(s.counts[k].reduce((a, b) => a + b, 0)).toBe(states.filter((x) => x === k).length);
          }
        },
      ),
    );
  });
});
