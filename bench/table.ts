// The results as a table: aligned plain text for the terminal, Markdown for bench/RESULTS.md.
import type { MemoryPeak } from "./harness";
import type { Figure, ScenarioResult } from "./result";

const HEADER = ["scenario", "simulator", "reference", "ratio", "sim peak RSS / heap", "target", "met"];

function formatFigure(figure: Figure | null): string {
  if (figure === null) return "-";
  const digits = figure.unit === "ms" && figure.value >= 100 ? 0 : 1;
  return `${figure.value.toFixed(digits)} ${figure.unit}`;
}

function formatRatio(ratio: ScenarioResult["ratio"]): string {
  if (ratio === null) return "-";
  const digits = ratio.value >= 10 ? 0 : 2;
  return `${ratio.value.toFixed(digits)} (${ratio.label})`;
}

/** Bytes as MiB, or KiB below one MiB (virtual scale's page state is kilobytes). */
function formatBytes(bytes: number): string {
  return bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function formatMemory(memory: MemoryPeak | null): string {
  return memory === null ? "-" : `${formatBytes(memory.rssBytes)} / ${formatBytes(memory.heapBytes)}`;
}

function verdict(met: boolean | null): string {
  return met === null ? "n/a" : met ? "yes" : "NO";
}

/** Returns the cells of each row: one row per scenario, targets joined with "; ". */
export function tableRows(results: readonly ScenarioResult[]): string[][] {
  return results.map((r) => {
    if (r.skipped !== undefined) return [r.title, "skipped", "-", "-", "-", r.skipped, "-"];
    return [
      r.title,
      r.simulator ? `${formatFigure(r.simulator)}` : "-",
      r.reference ? `${formatFigure(r.reference)}` : r.referenceMissing ?? "-",
      formatRatio(r.ratio),
      formatMemory(r.memory),
      r.targets.map((t) => `${t.text}: ${t.actual}`).join("; ") || "-",
      r.targets.map((t) => verdict(t.met)).join(", ") || "-",
    ];
  });
}

/** The table as aligned plain text. */
export function textTable(results: readonly ScenarioResult[]): string {
  const rows = [HEADER, ...tableRows(results)];
  const widths = HEADER.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** The table as Markdown (pipes in cells escaped). */
export function markdownTable(results: readonly ScenarioResult[]): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  const line = (row: string[]) => `| ${row.map(escape).join(" | ")} |`;
  return [line(HEADER), line(HEADER.map(() => "---")), ...tableRows(results).map(line)].join("\n");
}
