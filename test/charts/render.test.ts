import { describe, expect, it } from "vitest";
import { Chart, MAX_BUNDLE_BYTES } from "../../src/charts/chart";
import { renderChart } from "../../src/charts/render";
import { VEGA_LITE_SCHEMA, vegaLiteSpec } from "../../src/charts/spec";
import { residencyHeatmapChart } from "../../src/charts/heatmap";
import { InvalidArgumentError } from "../../src/errors";
import { FakeSource } from "./fake-source";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A small bar chart spec. */
function barSpec(title = "bars") {
  return vegaLiteSpec({
    title,
    width: 200,
    height: 100,
    data: { values: [{ k: "a", v: 3 }, { k: "b", v: 5 }] },
    mark: "bar",
    encoding: { x: { field: "k", type: "nominal" }, y: { field: "v", type: "quantitative" } },
  });
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

describe("renderChart", () => {
  it("renders synchronously to an SVG and a valid PNG", () => {
    const { svg, png } = renderChart(barSpec());
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("DejaVu Sans");
    expect(Array.from(png.slice(0, 8))).toEqual(PNG_SIGNATURE);
  });

  it("gives byte-identical PNGs for the same spec", () => {
    const first = renderChart(barSpec());
    const second = renderChart(barSpec());
    expect(Buffer.from(second.png).equals(Buffer.from(first.png))).toBe(true);
    expect(second.svg).toBe(first.svg);
  });

  it("scales the PNG by the pixel ratio", () => {
    const [w1, h1] = pngSize(renderChart(barSpec(), { scale: 1 }).png);
    const [w2, h2] = pngSize(renderChart(barSpec(), { scale: 2 }).png);
    expect(w2).toBe(2 * w1);
    expect(h2).toBe(2 * h1);
  });

  it("draws text with the embedded font (a changed title changes the pixels)", () => {
    const a = renderChart(barSpec("first title")).png;
    const b = renderChart(barSpec("other title")).png;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it("reports an invalid spec as an error and keeps working", () => {
    const broken = { $schema: VEGA_LITE_SCHEMA, mark: "no-such-mark", data: { values: [] } };
    expect(() => renderChart(broken)).toThrow(/renderChart/);
    expect(Array.from(renderChart(barSpec()).png.slice(0, 8))).toEqual(PNG_SIGNATURE);
  });

  it("validates the scale", () => {
    expect(() => renderChart(barSpec(), { scale: 0 })).toThrow(InvalidArgumentError);
    expect(() => renderChart(barSpec(), { scale: 5 })).toThrow(/scale must be a number in \(0, 4\]/);
  });
});

describe("Chart", () => {
  it("offers the Vega-Lite spec, a PNG and text, and no HTML", () => {
    const chart = new Chart(barSpec(), "bars", "two bars");
    const bundle = chart[Symbol.for("Jupyter.display") as never] as unknown as () => Record<string, unknown>;
    const mime = bundle.call(chart);
    expect(Object.keys(mime).sort()).toEqual(["application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
    expect(mime["application/vnd.vegalite.v5+json"]).toBe(chart.spec);
    expect(Array.from(Buffer.from(mime["image/png"] as string, "base64").slice(0, 8))).toEqual(PNG_SIGNATURE);
    expect(mime["text/plain"]).toBe("two bars");
    expect(chart._toMime()).toEqual(mime);
  });

  it("keeps a 2 GiB heatmap's bundle under the bound, and deterministic", () => {
    const base = 0x7f0000000000;
    const pages = 2 ** 19 + 1;
    const source = new FakeSource(base, pages).set(0, 1, 2).set(1000, 5000, 1).set(200_000, 70_000, 2);
    for (let p = 450_000; p < 470_000; p += 3) source.set(p, 1, 2);
    const bundleOf = () => residencyHeatmapChart(source, base + 16, 2 ** 31).toMimeBundle();
    const bundle = bundleOf();
    expect(JSON.stringify(bundle).length).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(bundleOf()["image/png"]).toBe(bundle["image/png"]);
  });

  it("keeps the worst case, every cell mixing six states, under the bound", () => {
    const base = 0x7f0000000000;
    const pages = 4096 * 8;
    const source = new FakeSource(base, pages);
    for (let p = 0; p < pages; p++) source.states[p] = (p * 7) % 6;
    const bundle = residencyHeatmapChart(source, base, pages * 4096, { maxCells: 4096 }).toMimeBundle();
    expect(typeof bundle["image/png"]).toBe("string");
    expect(JSON.stringify(bundle).length).toBeLessThan(MAX_BUNDLE_BYTES);
  });

  it("prints a short text through util.inspect and rejects a spec without $schema", async () => {
    const { inspect } = await import("util");
    expect(inspect(new Chart(barSpec(), "bars", "long text"))).toBe("Chart: bars");
    expect(() => new Chart({} as never, "t", "x")).toThrow(InvalidArgumentError);
  });

  it("falls back to spec and text when the spec cannot render", () => {
    const chart = new Chart({ $schema: VEGA_LITE_SCHEMA, mark: "no-such-mark", data: { values: [] } }, "broken", "text");
    const bundle = chart.toMimeBundle();
    expect(bundle["image/png"]).toBeUndefined();
    expect(bundle["text/plain"]).toMatch(/^text\n\(PNG unavailable: renderChart/);
  });
});
