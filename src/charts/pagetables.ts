// Page-table occupancy per level: how many table pages each level holds, what they cost, and how
// full their entries are (sparse tables are why a huge array with few touched pages is cheap).
import { Chart } from "./chart";
import { OKABE_ITO } from "./palette";
import { CHART_WIDTH, vegaLiteSpec } from "./spec";
import { ChartOptions, PageTableLevel } from "./types";
import { binaryTicks, bytesEncoding, formatBytes, formatCount } from "./units";
import { checkChartOptions, requireInteger, requireLabel, requireNonEmptyArray } from "./validate";
import maxBy from "lodash/maxBy";
import sumBy from "lodash/sumBy";

// x86-64: 4 KiB table pages of 512 eight-byte entries (REFERENCE §5: 512 entries per table page).
const DEFAULT_ENTRIES_PER_TABLE = 512;
const DEFAULT_TABLE_BYTES = 4096;

/**
 * Bars of the memory each page-table level takes, labelled with its table count and how full its
 * entries are; returns the chart.
 */
export function pageTableChart(levels: readonly PageTableLevel[], options: ChartOptions = {}): Chart {
  const where = "pageTableChart";
  checkChartOptions(where, options, ["title"]);
  requireNonEmptyArray(where, "levels", levels);
  const values = levels.map((level, i) => {
    const name = requireLabel(where, `levels[${i}].name`, level?.name);
    const tables = requireInteger(where, `levels[${i}].tables`, level.tables, 0, 2 ** 45);
    const perTable = requireInteger(where, `levels[${i}].entriesPerTable`, level.entriesPerTable ?? DEFAULT_ENTRIES_PER_TABLE, 1, 2 ** 20);
    const tableBytes = requireInteger(where, `levels[${i}].tableBytes`, level.tableBytes ?? DEFAULT_TABLE_BYTES, 1, 2 ** 30);
    const used = requireInteger(where, `levels[${i}].entriesUsed`, level.entriesUsed, 0, tables * perTable);
    const occupancy = tables === 0 ? 0 : used / (tables * perTable);
    const label =
      `${formatCount(tables)} table${tables === 1 ? "" : "s"}, ${formatBytes(tables * tableBytes)}, ` +
      `${formatCount(used)} entries used (${(occupancy * 100).toFixed(occupancy < 0.1 ? 2 : 1)}%)`;
    return { name, bytes: tables * tableBytes, label };
  });
  const total = sumBy(values, "bytes");
  const xTicks = binaryTicks(maxBy(values, "bytes")?.bytes ?? 0, 4);
  const title = options.title ?? "Page tables per level";
  const subtitle = `${formatBytes(total)} of page tables in all`;
  const spec = vegaLiteSpec({
    title: { text: title, subtitle },
    width: Math.floor(CHART_WIDTH * 0.6),
    height: 30 * values.length,
    data: { values },
    encoding: {
      y: { field: "name", type: "nominal", sort: values.map((v) => v.name), title: "level (top first)" },
      x: bytesEncoding("bytes", "memory in table pages", xTicks),
    },
    layer: [
      { mark: { type: "bar", color: OKABE_ITO.blue } },
      { mark: { type: "text", align: "left", dx: 4, fontSize: 10 }, encoding: { text: { field: "label" } } },
    ],
  });
  const text = [`${title}: ${subtitle}`, ...values.map((v) => `${v.name}: ${v.label}`)].join("\n");
  return new Chart(spec, title, text);
}
