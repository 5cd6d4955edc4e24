// `npm run bench -- --compare old.json`: each figure of this run beside the same figure of an
// earlier run's JSON (`npm run -s bench -- --json > old.json`, or --write-json), with its change,
// so a regression shows in review.
import * as fs from "fs";
import type { MachineInfo } from "./machine-info";
import type { ScenarioResult } from "./result";

/** What `--json` and `--write-json` write: the machine, the commit and every scenario's result. */
export interface BenchJson {
  /** The machine and commit of the run. */
  machine: MachineInfo;
  /** Repetitions of each timed phase. */
  reps: number;
  /** The whole run's wall time. */
  seconds: number;
  /** Every scenario's outcome. */
  results: ScenarioResult[];
}

/** One compared figure: its name, old and new values, and whether higher is better. */
interface Change {
  figure: string;
  unit: string;
  before: number;
  after: number;
  higherIsBetter: boolean;
}

/** Reads a bench JSON; throws an Error naming the file when it is not one. */
export function readBenchJson(path: string): BenchJson {
  const value = JSON.parse(fs.readFileSync(path, "utf8")) as Partial<BenchJson>;
  if (!Array.isArray(value.results)) throw new Error(`${path} is not a bench JSON (no "results" array)`);
  return value as BenchJson;
}

/** The comparable figures of one scenario: simulator, references, ratio and peak memory. */
function figuresOf(r: ScenarioResult): Map<string, { value: number; unit: string; higherIsBetter: boolean }> {
  const out = new Map<string, { value: number; unit: string; higherIsBetter: boolean }>();
  const rate = (unit: string): boolean => unit.endsWith("/s");
  if (r.simulator) out.set("simulator", { value: r.simulator.value, unit: r.simulator.unit, higherIsBetter: rate(r.simulator.unit) });
  if (r.reference) out.set(`reference (${r.reference.label})`, { value: r.reference.value, unit: r.reference.unit, higherIsBetter: rate(r.reference.unit) });
  if (r.secondReference) {
    const f = r.secondReference;
    out.set(`second reference (${f.label})`, { value: f.value, unit: f.unit, higherIsBetter: rate(f.unit) });
  }
  // A speed-up is better higher; every other ratio here is simulator over reference time.
  if (r.ratio) out.set(`ratio ${r.ratio.label}`, { value: r.ratio.value, unit: "", higherIsBetter: r.ratio.label === "speed-up" });
  if (r.memory) {
    out.set("peak RSS", { value: r.memory.rssBytes / 2 ** 20, unit: "MiB", higherIsBetter: false });
    out.set("peak heap", { value: r.memory.heapBytes / 2 ** 20, unit: "MiB", higherIsBetter: false });
  }
  return out;
}

/** The changes of every figure both runs have, scenario by scenario. */
function changes(before: readonly ScenarioResult[], after: readonly ScenarioResult[]): Map<string, Change[]> {
  const out = new Map<string, Change[]>();
  for (const now of after) {
    const then = before.find((r) => r.id === now.id);
    if (!then) continue;
    const old = figuresOf(then);
    const rows: Change[] = [];
    for (const [figure, f] of figuresOf(now)) {
      const o = old.get(figure);
      if (o && o.unit === f.unit) rows.push({ figure, unit: f.unit, before: o.value, after: f.value, higherIsBetter: f.higherIsBetter });
    }
    out.set(now.title, rows);
  }
  return out;
}

function formatValue(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
}

/** A change as a percentage, marked better or worse (within 5%: "~", the noise of a shared host). */
function formatChange(c: Change): string {
  if (c.before === 0) return c.after === 0 ? "unchanged" : "new";
  const pct = ((c.after - c.before) / Math.abs(c.before)) * 100;
  const better = c.higherIsBetter ? pct > 0 : pct < 0;
  const verdict = Math.abs(pct) < 5 ? "~" : better ? "better" : "WORSE";
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}% ${verdict}`;
}

/** The comparison as text lines: the old run's commit and date, then one line per figure. */
export function compareLines(old: BenchJson, results: readonly ScenarioResult[]): string[] {
  const lines = [`compared with ${old.machine.commit ?? "an unknown commit"} (${old.machine.date}, ${old.machine.cpu}):`];
  for (const [title, rows] of changes(old.results, results)) {
    lines.push(`  ${title}`);
    if (rows.length === 0) lines.push("    no figure in both runs");
    for (const c of rows) lines.push(`    ${c.figure}: ${formatValue(c.before, c.unit)} -> ${formatValue(c.after, c.unit)} (${formatChange(c)})`);
  }
  return lines;
}
