// Residency folded into at most `cells` cells of equal size, counted per page state: the shape a
// heatmap draws, shared with the simulator's summaries.
import { InvalidArgumentError, describeValue } from "../errors";
import { ProbeTarget } from "./alloc";
import { ProbeOptions, Unsupported } from "./options";
import { PAGE_STATE_COUNT } from "../kernel/page-state";
import { readResidency } from "./residency";

/** The most cells a summary may ask for (a heatmap shows a few thousand). */
export const MAX_SUMMARY_CELLS = 2 ** 20;

/** Page counts of every PageState, cell by cell (a heatmap's data). */
export interface StateCounts {
  /** Bytes of address space per cell (the last cell may cover less). */
  cellBytes: number;
  /** Pages per cell (the last cell may hold fewer). */
  pagesPerCell: number;
  /** counts[state][cell]: pages of that PageState in that cell. */
  counts: Uint32Array[];
}

/** What {@link residencySummary} returns: a real mapping's page states folded into cells. */
export interface ResidencySummary extends StateCounts {
  /** The mapping was read. */
  ok: true;
  /** First address summarised. */
  start: number;
  /** The host's base page size in bytes. */
  pageSize: number;
  /** Pages summarised. */
  pages: number;
}

/** Checks that `cells` is an integer in [1, MAX_SUMMARY_CELLS]; returns it. */
export function checkCells(cells: unknown, where = "residencySummary"): number {
  if (typeof cells !== "number" || !Number.isInteger(cells) || cells < 1 || cells > MAX_SUMMARY_CELLS) {
    throw new InvalidArgumentError(`${where}: cells must be an integer in [1, ${MAX_SUMMARY_CELLS}], got ${describeValue(cells)}`);
  }
  return cells;
}

/**
 * Folds per-page states into at most `cells` cells of ceil(pages / cells) pages each.
 * Returns the cell size and, per state, a count of pages in each cell.
 */
export function summarizeStates(state: Uint8Array, pageSize: number, cells: number): StateCounts {
  const pagesPerCell = Math.max(1, Math.ceil(state.length / checkCells(cells)));
  const used = Math.ceil(state.length / pagesPerCell);
  const counts: Uint32Array[] = [];
  for (let s = 0; s < PAGE_STATE_COUNT; s++) counts.push(new Uint32Array(used));
  for (let i = 0; i < state.length; i++) counts[state[i]][Math.floor(i / pagesPerCell)]++;
  return { cellBytes: pagesPerCell * pageSize, pagesPerCell, counts };
}

/**
 * Reads the target's residency and folds it into at most `cells` cells. Returns the summary,
 * or { ok: false, reason } when the host cannot be probed.
 */
export function residencySummary(probed: ProbeTarget, cells: number, options?: ProbeOptions): ResidencySummary | Unsupported {
  checkCells(cells);
  const read = readResidency("residencySummary", probed, options);
  if (!read.ok) return read;
  return { ok: true, start: read.start, pageSize: read.pageSize, pages: read.state.length, ...summarizeStates(read.state, read.pageSize, cells) };
}
