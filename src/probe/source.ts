// A snapshot of a real mapping shaped like a simulated process, so the same charts draw both:
// residencyHeatmapChart(snapshot, ...) and frameMapChart(snapshot, ...) work on the real machine too.
import { InvalidArgumentError } from "../errors";
import { ADDRESS_LIMIT } from "../hardware/mmu-args";
import { requireInteger } from "../validate";
import type { ProbeTarget } from "./alloc";
import type { ProbeOptions, Unsupported } from "./options";
import { PAGE_STATE_COUNT, PageState } from "../kernel/page-state";
import { MAX_PAGES_PER_CALL, readFrames, readResidency } from "./residency";
import { checkCells } from "./summary";

/** A real mapping's residency and frames as read at one moment. */
export interface RealSnapshot {
  /** The mapping was read. */
  ok: true;
  /** The host's base page size in bytes. */
  readonly pageSize: number;
  /** First address of the mapping. */
  readonly start: number;
  /** Address just past the mapping. */
  readonly end: number;
  /** Counts pages per state per cell of [addr, addr + length) inside the mapping (outside: Unmapped). */
  residencySummary(addr: number, length: number, cells: number): {
    /** Bytes of address space per cell (the last cell may cover less). */
    cellBytes: number;
    /** counts[state][cell]: pages of that PageState in that cell. */
    counts: Uint32Array[];
  };
  /** The frame behind `addr`, or null when none is mapped or PFNs are hidden (no CAP_SYS_ADMIN). */
  frameOf(addr: number): number | null;
  /** True when frame numbers were readable. */
  readonly framesVisible: boolean;
}

/**
 * Reads the mapping behind `probed` once (pagemap, bounded to the mapping) and returns a snapshot
 * the charts accept like a simulated process; `{ ok: false, reason }` where the probe cannot run.
 */
export function snapshot(probed: ProbeTarget, options?: ProbeOptions): RealSnapshot | Unsupported {
  const read = readResidency("snapshot", probed, options);
  if (!read.ok) return read;
  const pfns = readFrames("snapshot", probed, options);
  const { pageSize, start, end, state } = read;
  const pfnOf = pfns.ok ? pfns.pfn : null;
  return {
    ok: true,
    pageSize,
    start,
    end,
    framesVisible: pfnOf !== null,
    residencySummary(addr: number, length: number, cells: number) {
      const where = "snapshot.residencySummary";
      checkCells(cells, where);
      requireInteger(where, "addr", addr, 0, ADDRESS_LIMIT - 1, "[0, 2**57)");
      // bounded as residency() is: the loop below runs once per page
      requireInteger(where, "length", length, 1, MAX_PAGES_PER_CALL * pageSize, `[1, ${MAX_PAGES_PER_CALL} pages of ${pageSize} bytes]`);
      if (addr % pageSize !== 0 || length % pageSize !== 0) {
        throw new InvalidArgumentError(`${where}: addr and length must be whole pages of ${pageSize} bytes`);
      }
      const pages = length / pageSize;
      const pagesPerCell = Math.max(1, Math.ceil(pages / cells));
      const used = Math.ceil(pages / pagesPerCell);
      const counts: Uint32Array[] = [];
      for (let s = 0; s < PAGE_STATE_COUNT; s++) counts.push(new Uint32Array(used));
      const first = (addr - start) / pageSize;
      for (let i = 0; i < pages; i++) {
        const page = first + i;
        const s = page >= 0 && page < state.length ? state[page] : PageState.Unmapped;
        counts[s][Math.floor(i / pagesPerCell)]++;
      }
      return { cellBytes: pagesPerCell * pageSize, counts };
    },
    frameOf(addr: number): number | null {
      requireInteger("snapshot.frameOf", "addr", addr, 0, ADDRESS_LIMIT - 1, "[0, 2**57)");
      if (pfnOf === null || addr < start || addr >= end) return null;
      const pfn = pfnOf[Math.floor((addr - start) / pageSize)];
      return pfn < 0 ? null : pfn;
    },
  };
}
