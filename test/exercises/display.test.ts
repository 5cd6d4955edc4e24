// How exercises show in a notebook (Markdown bundles through the display protocol), the charts of
// the question and of the truth, and problem sets for a class as Markdown or HTML.
import { describe, expect, it } from "vitest";
import { HeatmapChart, Chart } from "../../src/charts";
import { toMimeBundle } from "../../src/display";
import { InvalidArgumentError } from "../../src/errors";
import { EXERCISE_KINDS, exercise, problemSet } from "../../src/exercises";

describe("in a notebook", () => {
  it("an exercise displays its question as Markdown, with its text for plain frontends", () => {
    const ex = exercise("memory-after-steps", { seed: 4 });
    const bundle = toMimeBundle(ex);
    expect(bundle["text/markdown"]).toBe(ex.toMarkdown());
    expect(bundle["text/markdown"]).toContain("```python\nimport numpy as np\na = np.zeros(");
    expect(bundle["text/markdown"]).toContain("{ VmRSS: <kB>, VmSize: <kB> }");
    expect(bundle["text/plain"]).toContain("VmRSS and VmSize after a few steps (memory-after-steps, seed 4, easy)");
    expect(bundle["text/markdown"]).not.toContain("**Answer.**");
  });

  it("a check result displays the verdict and why; the truth's chart is a chart of the run", () => {
    for (const kind of EXERCISE_KINDS) {
      const ex = exercise(kind, { seed: 4, difficulty: "medium" });
      const result = ex.check(ex.solution());
      const bundle = toMimeBundle(result);
      expect(bundle["text/markdown"], kind).toMatch(/^\*\*✓ Right: /);
      expect(bundle["text/plain"], kind).toContain(result.message);
      expect(result.chart, kind).toBeInstanceOf(Chart);
      expect(result.chart, kind).toBe(result.chart); // drawn once
    }
  });

  it("resident-pages asks with the heatmap to fill in: only the header's page resident", () => {
    const ex = exercise("resident-pages", { seed: 4 });
    expect(ex.chart).toBeInstanceOf(HeatmapChart);
    expect(ex.chart?.text).toMatch(/resident 1\b|1 resident|resident: 1/);
    expect(exercise("tlb-misses", { seed: 4 }).chart).toBeNull();
  });

  it("the question's chart renders to a bundle with its PNG", () => {
    const bundle = toMimeBundle(exercise("resident-pages", { seed: 4 }).chart);
    expect(bundle["application/vnd.vegalite.v5+json"]).toBeDefined();
    expect(typeof bundle["image/png"]).toBe("string");
  });
});

describe("problemSet", () => {
  const kinds = ["memory-after-steps", "brk-or-mmap"] as const;

  it("writes one sheet per seed with one problem of each kind, without answers by default", () => {
    const md = problemSet(kinds, [101, 102]);
    expect(md.startsWith("# Memory exercises\n")).toBe(true);
    expect(md.match(/^## Sheet for seed /gm)).toHaveLength(2);
    expect(md.match(/^### /gm)).toHaveLength(4);
    expect(md).toContain(exercise("brk-or-mmap", { seed: 102 }).question);
    expect(md).not.toContain("**Answer.**");
    expect(problemSet(kinds, [101, 102])).toBe(md);
  });

  it("with answers: each problem followed by its solution and why", () => {
    const md = problemSet(kinds, [101], { answers: true, difficulty: "hard", title: "Week 3" });
    expect(md.startsWith("# Week 3 — answers\n")).toBe(true);
    const ex = exercise("memory-after-steps", { seed: 101, difficulty: "hard" });
    expect(md).toContain(`VmRSS: **${(ex.solution().VmRSS as number).toLocaleString("en-US")} kB**`);
    expect(md.match(/\*\*Answer\.\*\*/g)).toHaveLength(2);
  });

  it("as HTML: a standalone page, text escaped, charts embedded unless asked not to", () => {
    const html = problemSet(["resident-pages"], [5], { format: "html", answers: true });
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<pre><code>import numpy as np");
    expect(html).toContain("<strong>Answer.</strong>");
    expect(html.match(/<img alt="[^"]*" src="data:image\/png;base64,/g)).toHaveLength(2); // the question's heatmap and the truth's
    const plain = problemSet(["resident-pages", "tlb-misses"], [5], { format: "html", charts: false });
    expect(plain).not.toContain("<img");
    expect(plain).not.toContain("Answer.");
    expect(plain).toContain("&lt;page&gt;");
  });

  it("refuses bad arguments with InvalidArgumentError", () => {
    expect(() => problemSet([], [1])).toThrow(/kinds must be a non-empty array/);
    expect(() => problemSet(["fork"] as never, [1])).toThrow(/unknown exercise kind "fork" \(did you mean "fork-copies"\?\)/);
    expect(() => problemSet(kinds, [])).toThrow(/seeds must be a non-empty array/);
    expect(() => problemSet(kinds, [1, -2])).toThrow(/seed must be a whole number/);
    expect(() => problemSet(kinds, [1], { format: "pdf" as never })).toThrow(/format must be "markdown" or "html"/);
    expect(() => problemSet(kinds, [1], { answer: true } as never)).toThrow(/unknown option "answer"/);
    expect(() => problemSet(kinds, [1], { answer: true } as never)).toThrow(InvalidArgumentError);
  });
});
