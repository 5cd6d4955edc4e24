// The committed notebooks 01..08 answer the founding questions (docs/design.md, "The founding
// questions"): each opens with its question, carries its outputs (charts included, each bundle
// bounded), ends with a CLAIMS line whose claims all held, and tags every cell whose output
// depends on the host "real-machine". Reads the JSON only: executing them is the runner's job
// (test/notebooks).
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const notebooks = path.resolve(__dirname, "../../notebooks");
const MAX_OUTPUT_BYTES = 300 * 1024;
const CLAIMS_LINE = /^CLAIMS (\S+): (\d+) checked, (\d+) held \(simulated (\d+)\/(\d+), real (\d+)\/(\d+), skipped (\d+)\)$/m;

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
interface Cell {
  cell_type: "markdown" | "code" | "raw";
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: Output[];
}

const joined = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join("") : value ?? "");

// One question per number, as docs/design.md lists them; the words each notebook's title must contain.
const QUESTIONS: Record<string, RegExp> = {
  "01": /np\.zeros\(2\*\*28\).*np\.add\(l, 0, out=l\)/,
  "02": /contiguous/,
  "03": /f\[-1\] = 3/,
  "04": /every platform/,
  "05": /TLB/,
  "06": /freed memory/i,
  "07": /straddles two pages/,
  "08": /this real machine/,
  "10": /memory runs short/,
};

function load(file: string): Cell[] {
  return JSON.parse(readFileSync(path.join(notebooks, file), "utf8")).cells as Cell[];
}

const files = readdirSync(notebooks).filter((f) => /^(0[1-8]|10)-.*\.ipynb$/.test(f)).sort();

describe("notebooks 01..08 and 10", () => {
  it("exist, one per question", () => {
    expect(files.map((f) => f.slice(0, 2))).toEqual(Object.keys(QUESTIONS).sort()); // "10" is an integer-like key: listed first
  });

  describe.each(files)("%s", (file) => {
    const cells = load(file);
    const code = cells.filter((c) => c.cell_type === "code");
    const texts = code.flatMap((c) => (c.outputs ?? []).map((o) => joined(o.text) + joined(o.data?.["text/plain"] as string | string[] | undefined)));

    it("opens with its question", () => {
      const title = joined(cells[0].source).split("\n")[0];
      expect(cells[0].cell_type).toBe("markdown");
      expect(title).toMatch(new RegExp(`^# ${file.slice(0, 2)} · `));
      expect(title).toMatch(QUESTIONS[file.slice(0, 2)]);
    });

    it("was executed and committed with its outputs, without stderr or errors", () => {
      expect(code.every((c) => (c.outputs ?? []).length > 0 || joined(c.source).trim().startsWith("import"))).toBe(true);
      const bad = code.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "error" || o.name === "stderr");
      expect(bad).toEqual([]);
    });

    it("shows at least one chart, each output under 300 KB with its PNG", () => {
      const charts = code.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.["application/vnd.vegalite.v5+json"] !== undefined);
      expect(charts.length).toBeGreaterThan(0);
      for (const chart of charts) {
        expect(chart.data?.["image/png"]).toBeTypeOf("string");
        expect(JSON.stringify(chart).length).toBeLessThan(MAX_OUTPUT_BYTES);
      }
    });

    it("ends with one CLAIMS line, every checked claim held", () => {
      const lines = texts.join("\n").split("\n").filter((l) => l.startsWith("CLAIMS "));
      expect(lines).toHaveLength(1);
      const m = CLAIMS_LINE.exec(lines[0]);
      expect(m).not.toBeNull();
      const [, name, checked, held, simHeld, sim] = m as RegExpExecArray;
      expect(name).toBe(file.replace(/\.ipynb$/, ""));
      expect(Number(held)).toBe(Number(checked));
      expect(Number(simHeld)).toBe(Number(sim));
      expect(Number(sim)).toBeGreaterThanOrEqual(4);
      expect(texts.join("\n")).not.toMatch(/^✗ /m);
    });

    it("tags every cell that reads the real machine real-machine (05 and 06 have none: their real claims are skipped)", () => {
      const readsHost = code.filter((c) => /\bprobe\.(supported|alloc|residency|frames|hostFacts|compare|status)\(|\bMachine\.fromHost\(/.test(joined(c.source)));
      for (const cell of readsHost) expect(cell.metadata.tags ?? []).toContain("real-machine");
    });
  });
});
