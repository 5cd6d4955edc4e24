// How a numpy comparison reads in a notebook: a plain aligned table (real | sim per figure) and
// one chart with both sides per step.
import { Chart, OKABE_ITO, vegaLiteSpec } from "../charts";
import type { NumpyComparison, NumpyCompareRow, NumpySideFigures } from "./compare-numpy";

const STATEMENT_WIDTH = 40;

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/**
 * Lays out the table: "#" and the statement left-aligned, then one real/sim pair of right-aligned
 * numbers per figure under the figure's name, then the verdict.
 */
function layoutTable(figures: readonly string[], body: string[][]): string[] {
  const pairs = figures.length;
  const rows = [["", "", ...figures.flatMap(() => ["real", "sim"]), ""], ...body];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  figures.forEach((name, k) => {
    const [left, right] = [2 + 2 * k, 3 + 2 * k];
    const short = name.length - (widths[left] + 2 + widths[right]);
    if (short > 0) widths[left] += short; // the name spans the pair: widen its real column
  });
  const lastColumn = 2 + 2 * pairs;
  const cell = (text: string, c: number) => (c <= 1 || c === lastColumn ? text.padEnd(widths[c]) : text.padStart(widths[c]));
  const line = (cells: string[]) => cells.join("  ").trimEnd();
  const title = [
    cell("#", 0),
    cell("statement", 1),
    ...figures.map((name, k) => name.padStart(widths[2 + 2 * k] + 2 + widths[3 + 2 * k])),
    cell("agrees", lastColumn),
  ];
  return [line(title), ...rows.map((r) => line(r.map((text, c) => cell(text, c))))];
}

function verdict(row: NumpyCompareRow): string {
  if (row.agrees === null) return "";
  const off = [
    row.agrees.vmRss ? null : "VmRSS",
    row.agrees.anonHuge ? null : "AnonHuge",
    row.agrees.minorFaults ? null : "faults",
  ].filter((x): x is string => x !== null);
  return off.length === 0 ? "yes" : `NO: ${off.join(", ")}`;
}

const cellsOf = (f: NumpySideFigures | null): string[] =>
  f === null ? ["—", "—", "—", "—", "—"] : [signed(f.vmRssKb), signed(f.vmSizeKb), String(f.anonHugeKb), signed(f.minorFaults), f.array ? String(f.array.resident) : "—"];

/** The comparison as text: what ran where, the noise, one line per step, then the notes. */
export function numpyComparisonText(c: Omit<NumpyComparison, "text" | "chart">): string {
  const head =
    c.versions.numpy !== null
      ? `numpy ${c.versions.numpy} (Python ${c.versions.python}) on this host vs the simulator (numpy ${c.versions.simulated.version} rules)`
      : `simulator only (numpy ${c.versions.simulated.version} rules): the real side was skipped, see below`;
  const noise = c.noise ? `interpreter noise (\`pass\`, max): VmRSS ${c.noise.vmRssKb} kB, ${c.noise.minorFaults} minor faults` : null;
  const figures = ["ΔVmRSS kB", "ΔVmSize kB", "AnonHugePages kB", "Δminor faults", "array resident pages"];
  const body = c.rows.map((r) => {
    const real = cellsOf(r.real);
    const sim = cellsOf(r.sim);
    return [String(r.step), clip(r.statement, STATEMENT_WIDTH), ...real.flatMap((v, i) => [v, sim[i]]), verdict(r)];
  });
  const table = layoutTable(figures, body);
  const stock =
    c.hostDiffers.length === 0
      ? "stock Linux (simulated) gives the twin's figures for every statement"
      : `stock Linux (simulated) differs from the twin after ${c.hostDiffers.map((s) => `\`${s}\``).join(", ")}: ` +
        c.rows
          .filter((r) => c.hostDiffers.includes(r.statement))
          .map((r) => `${r.statement}: ΔVmRSS ${signed(r.stock.vmRssKb)} kB, ${signed(r.stock.minorFaults)} faults on stock Linux`)
          .join("; ");
  const lines = [head, ...(noise ? [noise] : []), "", ...table, "", stock, ...c.note.split("\n").map((l) => `· ${l}`)];
  return lines.join("\n");
}

/** 0 and ±powers of ten (every other decade for wide data) up to the first past the data: symlog ticks. */
function symlogTicks(data: readonly number[]): number[] {
  const ticks = [0];
  for (const sign of [1, -1]) {
    const max = Math.max(0, ...data.map((v) => v * sign));
    const factor = max >= 1e4 ? 100 : 10;
    for (let p = 1; max > 0; p *= factor) {
      ticks.push(sign * p);
      if (p >= max) break;
    }
  }
  return ticks.sort((a, b) => a - b);
}

/** One panel per figure (ΔVmRSS, Δminor faults), bars per step, real beside simulated (symlog). */
export function numpyComparisonChart(rows: readonly NumpyCompareRow[]): Chart {
  const label = (r: NumpyCompareRow) => `${r.step}  ${clip(r.statement, 28)}`;
  const values = rows.flatMap((r, order) =>
    (
      [
        ["simulator", r.sim],
        ["real machine", r.real],
      ] as const
    ).flatMap(([side, f]) =>
      f === null
        ? []
        : [
            { step: label(r), order, side, figure: "ΔVmRSS (kB)", value: f.vmRssKb },
            { step: label(r), order, side, figure: "Δminor faults", value: f.minorFaults },
          ],
    ),
  );
  const title = "Each statement, real machine vs simulator";
  const spec = vegaLiteSpec({
    title: { text: title, subtitle: "ΔVmRSS and minor faults per statement; symmetric log scale" },
    data: { values },
    facet: { column: { field: "figure", type: "nominal", title: null, sort: ["ΔVmRSS (kB)", "Δminor faults"], header: { labelFontSize: 12 } } },
    resolve: { scale: { x: "independent" } },
    spec: {
      width: 260,
      height: Math.max(120, rows.length * 26),
      mark: { type: "bar" },
      encoding: {
        y: { field: "step", type: "nominal", sort: { field: "order" }, title: null, axis: { labelLimit: 220 } },
        yOffset: { field: "side", type: "nominal", sort: ["real machine", "simulator"] },
        x: { field: "value", type: "quantitative", scale: { type: "symlog" }, title: null, axis: { values: symlogTicks(values.map((v) => v.value)), labelExpr: "format(datum.value, '~s')" } },
        color: { field: "side", type: "nominal", title: null, sort: ["real machine", "simulator"], scale: { range: [OKABE_ITO.skyBlue, OKABE_ITO.orange] } },
        tooltip: [
          { field: "step", type: "nominal" },
          { field: "side", type: "nominal" },
          { field: "value", type: "quantitative", format: ",d" },
        ],
      },
    },
  } as never);
  const text = rows
    .map((r) => `${label(r)}: ΔVmRSS real ${r.real ? `${r.real.vmRssKb} kB` : "—"}, sim ${r.sim.vmRssKb} kB; faults real ${r.real?.minorFaults ?? "—"}, sim ${r.sim.minorFaults}`)
    .join("\n");
  return new Chart(spec, title, `${title}\n${text}`);
}
