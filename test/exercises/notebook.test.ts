// notebooks/09-exercises.ipynb, the worked examples: committed with its outputs (questions as
// Markdown, charts with their PNG, each output bounded), no error or stderr, and a CLAIMS line
// whose every claim held. Reads the JSON only; executing it is the runner's job.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXERCISE_KINDS } from "../../src/exercises";

interface Output { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }
interface Cell { cell_type: string; source: string | string[]; outputs?: Output[] }

const joined = (value: unknown) => (Array.isArray(value) ? value.join("") : typeof value === "string" ? value : "");
const cells = (JSON.parse(readFileSync(path.resolve(__dirname, "../../notebooks/09-exercises.ipynb"), "utf8")) as { cells: Cell[] }).cells;
const outputs = cells.flatMap((c) => c.outputs ?? []);

describe("notebooks/09-exercises.ipynb", () => {
  it("opens with its question and works an example of every kind", () => {
    expect(joined(cells[0].source)).toMatch(/^# 09 · Exercises you can grade/);
    const code = cells.filter((c) => c.cell_type === "code").map((c) => joined(c.source)).join("\n");
    for (const kind of EXERCISE_KINDS) expect(code, kind).toContain(`exercises.exercise("${kind}"`);
    expect(code).toContain("exercises.problemSet(");
  });

  it("was committed with its outputs, without errors or stderr", () => {
    expect(cells.filter((c) => c.cell_type === "code").every((c) => (c.outputs ?? []).length > 0)).toBe(true);
    expect(outputs.filter((o) => o.output_type === "error" || o.name === "stderr")).toEqual([]);
  });

  it("shows questions as Markdown and charts with their PNG, each output under 300 KB", () => {
    expect(outputs.filter((o) => joined(o.data?.["text/markdown"]).includes("Answer with:")).length).toBeGreaterThanOrEqual(EXERCISE_KINDS.length);
    const charts = outputs.filter((o) => o.data?.["application/vnd.vegalite.v5+json"] !== undefined);
    expect(charts.length).toBeGreaterThanOrEqual(EXERCISE_KINDS.length);
    for (const chart of charts) expect(chart.data?.["image/png"]).toBeTypeOf("string");
    for (const output of outputs) expect(JSON.stringify(output).length).toBeLessThan(300 * 1024);
  });

  it("ends with one CLAIMS line, every claim held", () => {
    const lines = outputs.map((o) => joined(o.text)).join("").split("\n").filter((l) => l.startsWith("CLAIMS "));
    expect(lines).toHaveLength(1);
    const m = /^CLAIMS 09-exercises: (\d+) checked, (\d+) held/.exec(lines[0]);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(0);
    expect(m?.[2]).toBe(m?.[1]);
  });
});
