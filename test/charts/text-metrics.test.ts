import { readFileSync } from "fs";
import { createRequire } from "module";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const ASSETS = path.join(__dirname, "..", "..", "assets");
const { createTextWidth } = require(path.join(ASSETS, "text-metrics.cjs")) as {
  createTextWidth(regular: Uint8Array, bold: Uint8Array): (item: Record<string, unknown>, text?: string) => number;
};
const regular = new Uint8Array(readFileSync(path.join(ASSETS, "fonts", "DejaVuSans.ttf")));
const bold = new Uint8Array(readFileSync(path.join(ASSETS, "fonts", "DejaVuSans-Bold.ttf")));
const width = createTextWidth(regular, bold);

type Resvg = typeof import("@resvg/resvg-wasm");
let resvg: Resvg;

beforeAll(async () => {
  resvg = require("@resvg/resvg-wasm") as Resvg;
  await resvg.initWasm(readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
});

/** The width resvg draws `text` with, from the text's bounding box. */
function drawnWidth(text: string, size: number, weight: string): number {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="100"><text x="0" y="50" font-family="DejaVu Sans" font-size="${size}" font-weight="${weight}">${text}</text></svg>`;
  const image = new resvg.Resvg(svg, { font: { fontBuffers: [regular, bold], defaultFontFamily: "DejaVu Sans" } });
  const box = image.getBBox();
  image.free();
  return box?.width ?? 0;
}

describe("text metrics from the embedded font", () => {
  it("match the widths resvg draws, within a few percent", () => {
    for (const [text, size, weight] of [
      ["Residency of 2 GiB at 0x7f0000000000", 14, "bold"],
      ["offset in row", 11, "normal"],
      ["1,030 tables, 4.02 MiB, 524,300 entries used (99.4%)", 10, "normal"],
      ["◂ array start", 10, "bold"],
    ] as const) {
      const measured = width({ fontSize: size, fontWeight: weight === "bold" ? "bold" : undefined }, text);
      expect(Math.abs(measured - drawnWidth(text, size, weight)) / measured).toBeLessThan(0.05);
    }
  });

  it("scale with font size, use bold metrics for bold text, and stop at the limit", () => {
    const base = width({ fontSize: 10 }, "Hello, pages");
    expect(width({ fontSize: 20 }, "Hello, pages")).toBeCloseTo(2 * base);
    expect(width({ fontSize: 10, fontWeight: "bold" }, "Hello, pages")).toBeGreaterThan(base);
    expect(width({ fontSize: 10, fontWeight: 700 }, "Hello, pages")).toBe(width({ fontSize: 10, fontWeight: "bold" }, "Hello, pages"));
    expect(width({ fontSize: 10, limit: 20 }, "Hello, pages")).toBe(20);
    expect(width({ fontSize: 10 }, "iiii")).toBeLessThan(width({ fontSize: 10 }, "WWWW"));
    expect(width({ fontSize: 11, text: "from item" })).toBe(width({ fontSize: 11 }, "from item"));
  });
});
