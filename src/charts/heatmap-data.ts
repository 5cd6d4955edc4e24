// Turns a residency summary (pages per state per cell) into the compact rows a heatmap draws:
// one row per state present in a mixed cell, one row per run of identical pure cells.
import { InvalidArgumentError, describeValue, isArray } from "../errors";
import { ResidencyCounts } from "./types";

/**
 * One row of heatmap data: `n` pages of state `s` in cell `i`, and in each of the `k - 1` cells
 * after it when `k` is present (a run of cells holding only that state, never crossing a grid row).
 */
export interface HeatmapRow {
  /** Cell index. */
  i: number;
  /** PageState code. */
  s: number;
  /** Pages of that state in the cell. */
  n: number;
  /** Cells in the run (absent: 1). */
  k?: number;
}

/** Checks a summary's shape; returns the number of cells. */
export function summaryCells(where: string, summary: ResidencyCounts): number {
  if (summary === null || typeof summary !== "object" || !isArray(summary.counts) || summary.counts.length === 0) {
    throw new InvalidArgumentError(`${where}: summary.counts must be a non-empty array of per-state counts`);
  }
  const cells = summary.counts[0].length;
  for (const [state, counts] of summary.counts.entries()) {
    if (counts === null || typeof counts !== "object" || counts.length !== cells) {
      throw new InvalidArgumentError(
        `${where}: summary.counts[${state}] must have ${cells} cells like counts[0], got ${describeValue(counts?.length)}`,
      );
    }
  }
  if (cells === 0) throw new InvalidArgumentError(`${where}: summary has no cells`);
  return cells;
}

/** Lists the states present in a cell as [state, pages] pairs, in state order. */
function cellStates(counts: readonly ArrayLike<number>[], cell: number): [number, number][] {
  const present: [number, number][] = [];
  for (let state = 0; state < counts.length; state++) {
    const pages = counts[state][cell];
    if (pages > 0) present.push([state, pages]);
  }
  return present;
}

/**
 * Encodes a summary laid out `columns` cells per grid row as heatmap rows; returns them in cell
 * order. Exact: every counts[s][c] can be read back from the rows.
 */
export function heatmapRows(summary: ResidencyCounts, columns: number): HeatmapRow[] {
  const cells = summaryCells("heatmapRows", summary);
  const rows: HeatmapRow[] = [];
  let cell = 0;
  while (cell < cells) {
    const present = cellStates(summary.counts, cell);
    if (present.length !== 1) {
      for (const [s, n] of present) rows.push({ i: cell, s, n });
      cell++;
      continue;
    }
    const [s, n] = present[0];
    const rowEnd = Math.min(cells, (Math.floor(cell / columns) + 1) * columns);
    let end = cell + 1;
    while (end < rowEnd && summary.counts[s][end] === n && cellStates(summary.counts, end).length === 1) end++;
    rows.push(end - cell > 1 ? { i: cell, s, n, k: end - cell } : { i: cell, s, n });
    cell = end;
  }
  return rows;
}
