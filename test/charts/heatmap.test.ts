import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { HeatmapRow, heatmapRows } from "../../src/charts/heatmap-data";
import { residencyHeatmapSpec } from "../../src/charts/heatmap-spec";
import { residencyHeatmapChart } from "../../src/charts/heatmap";
import { FakeSource, STATES } from "./fake-source";

const BASE = 0x7f0000000000;
const PAGE = 4096;

/** Reads counts[state][cell] back from heatmap rows. */
function expandRows(rows: readonly HeatmapRow[], states: number, cells: number): number[][] {
  const counts = Array.from({ length: states }, () => new Array<number>(cells).fill(0));
  for (const row of rows) for (let cell = row.i; cell < row.i + (row.k ?? 1); cell++) counts[row.s][cell] += row.n;
  return counts;
}

/** The data rows inside a heatmap spec (its first layer). */
function specRows(spec: Record<string, unknown>): HeatmapRow[] {
  const layer = (spec.layer as { data: { values: HeatmapRow[] } }[])[0];
  return layer.data.values;
}

describe("heatmapRows", () => {
  it("encodes every count of every state in every cell exactly", () => {
    const summaries = fc
      .tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 70 }))
      .chain(([cells, columns]) =>
        fc.tuple(
          fc.array(fc.array(fc.constantFrom(0, 0, 0, 1, 512), { minLength: cells, maxLength: cells }), { minLength: STATES, maxLength: STATES }),
          fc.constant(columns),
        ),
      );
    fc.assert(
      fc.property(summaries, ([counts, columns]) => {
        const rows = heatmapRows({ cellBytes: 512 * PAGE, counts }, columns);
        expect(expandRows(rows, STATES, counts[0].length)).toEqual(counts);
        for (const row of rows) {
          // A run never crosses a grid row, and only pure cells form runs.
          if (row.k !== undefined) expect(Math.floor(row.i / columns)).toBe(Math.floor((row.i + row.k - 1) / columns));
        }
      }),
    );
  });

  it("merges a uniform range into one row per grid row", () => {
    const counts = [new Uint32Array(200).fill(8), ...Array.from({ length: 6 }, () => new Uint32Array(200))];
    expect(heatmapRows({ cellBytes: 8 * PAGE, counts }, 64)).toEqual([
      { i: 0, s: 0, n: 8, k: 64 },
      { i: 64, s: 0, n: 8, k: 64 },
      { i: 128, s: 0, n: 8, k: 64 },
      { i: 192, s: 0, n: 8, k: 8 },
    ]);
  });

  it("rejects summaries whose states disagree on the number of cells", () => {
    expect(() => heatmapRows({ cellBytes: PAGE, counts: [new Uint32Array(4), new Uint32Array(3)] }, 64)).toThrow(InvalidArgumentError);
  });
});

describe("residencyHeatmapChart", () => {
  it("draws the source's states per cell: single pages when the range is small", () => {
    const source = new FakeSource(BASE, 100).set(0, 1, 2).set(1, 10, 1).set(50, 3, 3);
    const chart = residencyHeatmapChart(source, BASE, 100 * PAGE);
    const rows = specRows(chart.spec);
    const counts = expandRows(rows, STATES, 100);
    const expected = source.residencySummary(BASE, 100 * PAGE, 100).counts.map((c) => Array.from(c));
    expect(counts).toEqual(expected);
    expect(chart.text).toContain("resident 1 page (4 KiB)");
    expect(chart.text).toContain("zero page 10 pages (40 KiB)");
    expect(chart.text).toContain("huge page 3 pages (12 KiB)");
    expect(chart.text).toContain("1 page per cell");
  });

  it("summarises a 2 GiB array into at most 2048 cells of a power-of-two number of pages", () => {
    const pages = 2 ** 31 / PAGE + 1;
    const source = new FakeSource(BASE, pages).set(0, 1, 2).set(1000, 5000, 1).set(200_000, 70_000, 2);
    const chart = residencyHeatmapChart(source, BASE + 16, 2 ** 31, { bounds: [{ start: BASE + 16, end: BASE + 16 + 2 ** 31 }] });
    const rows = specRows(chart.spec);
    const cells = Math.max(...rows.map((r) => r.i + (r.k ?? 1)));
    expect(cells).toBeLessThanOrEqual(2048);
    const totals = expandRows(rows, STATES, cells).map((perCell) => perCell.reduce((a, b) => a + b, 0));
    expect(totals[2]).toBe(1 + 70_000);
    expect(totals[1]).toBe(5000);
    expect(chart.text).toContain("2 MiB (512 pages) per cell");
  });

  it("marks bounds and outlines annotations where they fall", () => {
    const source = new FakeSource(BASE, 64);
    const chart = residencyHeatmapChart(source, BASE, 64 * PAGE, {
      bounds: [{ start: BASE + 16, end: BASE + 10 * PAGE, label: "f" }],
      annotations: [{ addr: BASE, length: 16, label: "allocator header" }],
    });
    const layers = chart.spec.layer as { data: { values: Record<string, unknown>[] } }[];
    const markers = layers[1].data.values;
    expect(markers.map((m) => m.text)).toEqual(["◂ f start", "◂ f end"]);
    expect(markers[0].x).toBeCloseTo(16 / PAGE);
    expect(markers[1].x).toBe(10);
    const outlines = layers[2].data.values;
    expect(outlines[0].text).toBe("allocator header (16 B)");
    expect(outlines[0].x0).toBe(0);
  });

  it("zooms down to single pages and keeps offsets from the original origin", () => {
    const source = new FakeSource(BASE, 2 ** 20).set(300_000, 1, 2);
    const chart = residencyHeatmapChart(source, BASE, 2 ** 20 * PAGE, { title: "big" });
    const zoomed = chart.zoom(BASE + 300_000 * PAGE - 8 * PAGE, 16 * PAGE);
    const rows = specRows(zoomed.spec);
    expect(expandRows(rows, STATES, 16)[2][8]).toBe(1);
    expect(zoomed.text).toContain("1 page per cell");
    expect(zoomed.title).toBe("big (zoom)");
    expect(zoomed.zoom(BASE + 300_000 * PAGE, PAGE).title).toBe("big (zoom)");
    expect(JSON.stringify(zoomed.spec)).toContain(`+ ${(300_000 - 8) * PAGE}`);
    expect(() => chart.zoom({ addr: BASE - PAGE, length: PAGE })).toThrow(/outside the chart's pages/);
  });

  it("halves the cells when mixed cells would make the data too large", () => {
    const pages = 2048 * 8;
    const source = new FakeSource(BASE, pages);
    for (let p = 0; p < pages; p++) source.states[p] = p % 6;
    const chart = residencyHeatmapChart(source, BASE, pages * PAGE);
    const rows = specRows(chart.spec);
    expect(JSON.stringify(rows).length).toBeLessThanOrEqual(120_000);
    const cells = Math.max(...rows.map((r) => r.i + 1));
    expect(cells).toBeLessThan(2048);
    const totals = expandRows(rows, STATES, cells).map((perCell) => perCell.reduce((a, b) => a + b, 0));
    for (let state = 0; state < 6; state++) expect(totals[state]).toBe(source.states.filter((x) => x === state).length);
  });

  it("validates its arguments before summarising", () => {
    let calls = 0;
    const source = { pageSize: PAGE, residencySummary: () => (calls++, { cellBytes: PAGE, counts: [new Uint32Array(1)] }) };
    expect(() => residencyHeatmapChart(source, -1, PAGE)).toThrow(/addr must be an integer/);
    expect(() => residencyHeatmapChart(source, 0, 0)).toThrow(/length must be an integer/);
    expect(() => residencyHeatmapChart(source, 2 ** 57 - PAGE, 2 * PAGE)).toThrow(/addr \+ length must be <= 2\*\*57/);
    expect(() => residencyHeatmapChart(source, 2 ** 57, PAGE)).toThrow(/addr must be an integer in \[0, 2\*\*57\)/);
    expect(() => residencyHeatmapChart(source, 0, PAGE, { maxCells: 5000 })).toThrow(/options.maxCells/);
    expect(() => residencyHeatmapChart({ pageSize: 3000, residencySummary: source.residencySummary }, 0, PAGE)).toThrow(/pageSize/);
    expect(() => residencyHeatmapChart(null as never, 0, PAGE)).toThrow(InvalidArgumentError);
    expect(calls).toBe(0);
  });
});

describe("residencyHeatmapSpec", () => {
  it("shows the unmapped state in the legend only when present", () => {
    const counts = Array.from({ length: STATES }, () => new Uint32Array(2));
    counts[0][0] = 1;
    counts[2][1] = 1;
    const spec = residencyHeatmapSpec({ cellBytes: PAGE, counts }, { start: BASE, pageSize: PAGE, title: "t" }).spec;
    expect(JSON.stringify(spec)).not.toContain('"unmapped","');
    counts[6][1] = 1;
    const withGap = residencyHeatmapSpec({ cellBytes: 2 * PAGE, counts }, { start: BASE, pageSize: PAGE, title: "t" }).spec;
    const color = (withGap.layer as { encoding: { color: { scale: { domain: string[] } } } }[])[0].encoding.color;
    expect(color.scale.domain).toContain("unmapped");
  });
});

describe("the heatmap's subtitle", () => {
  it("spans the pages summarised, not the last cell's rounding, from the page holding the start", () => {
    // 3 cells of 4 pages over 10 pages: the last cell holds 2; the range ends 10 pages on
    const counts = Array.from({ length: STATES }, (_, s) => (s === 0 ? [4, 4, 2] : [0, 0, 0]));
    const { text } = residencyHeatmapSpec({ cellBytes: 4 * PAGE, counts }, { start: BASE + 16, pageSize: PAGE, title: "t" });
    expect(text).toContain(`(10 pages) at 0x${BASE.toString(16)}–0x${(BASE + 10 * PAGE).toString(16)}`);
  });
});
