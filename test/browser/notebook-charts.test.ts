// Issue 5, "Done when": a notebook executed by Jupyter carries, for each chart output, both the
// Vega-Lite object and the PNG; its nbconvert HTML export, opened in headless Chromium, shows
// every chart as a non-blank image.
//
// Executes notebooks/00-tour.ipynb (it draws charts) with scripts/run-notebooks.py into a
// temporary directory (the notebook itself is not touched), checks the executed .ipynb's JSON,
// then opens the HTML export in Debian's Chromium through playwright-core and checks each chart
// <img>: decoded, the same PNG as in the .ipynb, laid out and painted, and not one colour.
// Writes a full-page screenshot into the temporary directory.
//
// Needs `npm run setup` (Jupyter's client, the tslab kernel, dist/). Without Chromium
// (PAGELAB_CHROMIUM, default /usr/bin/chromium) the browser test is skipped with the reason,
// unless PAGELAB_REQUIRE_CHROMIUM=1 (set by scripts/test.sh where setup installs Chromium
// itself: as root on an apt system, as on CI), where a missing browser is a failure.
/// <reference lib="dom" />
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The flags scripts/screenshot.js uses too (a fresh profile per run comes from launchPersistentContext).
import chromiumSetup from "../../scripts/chromium.js";

const root = path.resolve(__dirname, "../..");
const notebook = path.join(root, "notebooks/00-tour.ipynb");
const runner = path.join(root, "scripts/run-notebooks.py");
const python = process.env.PAGELAB_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
const chromiumPath: string = chromiumSetup.executablePath;
const chromiumArgs: string[] = chromiumSetup.chromiumArgs;
const chromiumRequired = process.env.PAGELAB_REQUIRE_CHROMIUM === "1";
const noChromium = existsSync(chromiumPath)
  ? null
  : `no Chromium at ${chromiumPath} (install Debian's chromium or set PAGELAB_CHROMIUM)`;
const VEGA_LITE = "application/vnd.vegalite.v5+json";
// A chart is a picture, not a blank box with a title: at least this share of its pixels differ
// from its most common (background) colour. The tour's charts measure 30 % to 37 %.
const MIN_FOREGROUND_SHARE = 0.05;

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
}
interface Chart {
  cell: number;
  mimeTypes: string[];
  spec: unknown;
  png: string; // base64, no whitespace
}
interface PixelStats {
  width: number;
  height: number;
  distinctColours: number;
  foregroundShare: number; // pixels not of the most common colour
  variance: number; // summed over R, G, B, A
}

const text = (value: unknown) => (Array.isArray(value) ? value.join("") : String(value));

// Every display output of the executed notebook that carries a chart spec or a PNG.
function chartOutputs(ipynbFile: string): Chart[] {
  const nb = JSON.parse(readFileSync(ipynbFile, "utf8")) as { cells: { cell_type: string; outputs?: Output[] }[] };
  const charts: Chart[] = [];
  nb.cells.forEach((cell, index) => {
    for (const output of cell.outputs ?? []) {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") continue;
      const data = output.data ?? {};
      const mimeTypes = Object.keys(data);
      if (!mimeTypes.some((mime) => mime.startsWith("application/vnd.vegalite") || mime === "image/png")) continue;
      charts.push({ cell: index, mimeTypes, spec: data[VEGA_LITE], png: text(data["image/png"] ?? "").replace(/\s+/g, "") });
    }
  });
  return charts;
}

// Width and height from a PNG's IHDR chunk.
function pngSize(base64: string): { width: number; height: number } {
  const bytes = Buffer.from(base64, "base64");
  expect(bytes.subarray(0, 8).toString("hex"), "PNG signature").toBe("89504e470d0a1a0a");
  expect(bytes.subarray(12, 16).toString("latin1"), "first chunk").toBe("IHDR");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

// In the page: draws a decoded image on a canvas at its natural size and measures its pixels.
// Self-contained: playwright sends its source text to the page.
async function measurePixels(image: HTMLImageElement): Promise<PixelStats> {
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  const counts = new Map<number, number>();
  const sum = [0, 0, 0, 0];
  const sumOfSquares = [0, 0, 0, 0];
  for (let i = 0; i < data.length; i += 4) {
    const colour = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
    counts.set(colour, (counts.get(colour) ?? 0) + 1);
    for (let c = 0; c < 4; c++) {
      sum[c] += data[i + c];
      sumOfSquares[c] += data[i + c] * data[i + c];
    }
  }
  const pixels = data.length / 4;
  const most = Math.max(...counts.values());
  let variance = 0;
  for (let c = 0; c < 4; c++) variance += sumOfSquares[c] / pixels - (sum[c] / pixels) ** 2;
  return {
    width: canvas.width,
    height: canvas.height,
    distinctColours: counts.size,
    foregroundShare: (pixels - most) / pixels,
    variance,
  };
}

// The same for an image given as a data: URL (one not in the document).
async function measureDataUrl(page: Page, src: string): Promise<PixelStats> {
  const image = await page.evaluateHandle((source) => {
    const element = new Image();
    element.src = source;
    return element;
  }, src);
  try {
    return await image.evaluate(measurePixels);
  } finally {
    await image.dispose();
  }
}

function expectNotBlank(stats: PixelStats, what: string) {
  expect(stats.width * stats.height, `${what}: pixels`).toBeGreaterThan(0);
  expect(stats.distinctColours, `${what}: distinct colours`).toBeGreaterThan(1);
  expect(stats.variance, `${what}: pixel variance`).toBeGreaterThan(0);
  expect(stats.foregroundShare, `${what}: share of non-background pixels`).toBeGreaterThan(MIN_FOREGROUND_SHARE);
}

describe("a notebook with charts, executed through Jupyter and exported to HTML", () => {
  let out = "";
  let executed = "";
  let html = "";

  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), "pagelab-browser-"));
    // Asynchronous, so this worker keeps answering vitest's RPC while Jupyter runs (60 s limit).
    const run = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
      const child = spawn(python, [runner, "--jobs", "1", "--out", out, "--summary-json", path.join(out, "summary.json"), notebook], { cwd: root });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, output }));
    });
    if (run.status !== 0) throw new Error(`run-notebooks.py exited with ${run.status}:\n${run.output}`);
    executed = path.join(out, "00-tour.ipynb");
    html = path.join(out, "00-tour.html");
  }, 180_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it("carries both the Vega-Lite object and the PNG in each chart output of the .ipynb", () => {
    const charts = chartOutputs(executed);
    expect(charts.length, "chart outputs in 00-tour").toBeGreaterThanOrEqual(3);
    for (const [index, chart] of charts.entries()) {
      const what = `chart ${index} (cell ${chart.cell})`;
      expect(chart.mimeTypes, what).toEqual(expect.arrayContaining([VEGA_LITE, "image/png", "text/plain"]));
      // No text/html: nbconvert and frontends would show it instead of the picture.
      expect(chart.mimeTypes, what).not.toContain("text/html");
      // The spec is stored as a JSON object (not a string) and is a Vega-Lite v5 spec.
      expect(typeof chart.spec, what).toBe("object");
      const spec = chart.spec as Record<string, unknown>;
      expect(spec.$schema, what).toMatch(/vega-lite\/v5/);
      const views = ["mark", "layer", "concat", "hconcat", "vconcat", "facet", "repeat"].filter((key) => key in spec);
      expect(views.length, `${what}: a mark or a composition`).toBeGreaterThan(0);
      expect(JSON.stringify(spec), `${what}: data carried inline`).toContain('"values":');
      const size = pngSize(chart.png);
      expect(size.width, what).toBeGreaterThan(0);
      expect(size.height, what).toBeGreaterThan(0);
    }
  });

  describe.runIf(!noChromium || chromiumRequired)("opened in headless Chromium", () => {
    let context: BrowserContext;
    let profile = "";

    beforeAll(async () => {
      if (noChromium) throw new Error(`${noChromium}; PAGELAB_REQUIRE_CHROMIUM=1 makes this a failure`);
      profile = mkdtempSync(path.join(tmpdir(), "pagelab-chromium-"));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        args: chromiumArgs,
        viewport: { width: 1200, height: 900 },
      });
      // Offline: what shows must come from the HTML itself, not from a CDN.
      await context.route("**/*", (route) => {
        const url = route.request().url();
        return url.startsWith("file:") || url.startsWith("data:") ? route.continue() : route.abort();
      });
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    it("shows every chart as a visible, non-blank image and writes a screenshot", async () => {
      const charts = chartOutputs(executed);
      const page = await context.newPage();
      await page.goto(`file://${html}`, { waitUntil: "load", timeout: 30_000 });

      // The measurement itself tells a blank image from a picture.
      const blank = await page.evaluate(() => {
        const canvas = document.createElement("canvas");
        canvas.width = 40;
        canvas.height = 30;
        const context = canvas.getContext("2d")!;
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, 40, 30);
        return canvas.toDataURL("image/png");
      });
      expect(await measureDataUrl(page, blank)).toEqual({ width: 40, height: 30, distinctColours: 1, foregroundShare: 0, variance: 0 });

      // The images in output areas, in page order; each chart's PNG must appear once, in order.
      const images = page.locator(".jp-OutputArea-output img");
      const sources = (await images.evaluateAll((nodes) => nodes.map((node) => (node as HTMLImageElement).src))).map((src) =>
        src.replace(/\s+/g, ""),
      );
      const pngSources = charts.map((chart) => `data:image/png;base64,${chart.png}`);
      expect(sources.filter((src) => src.startsWith("data:image/png")).length, "PNG images in the HTML").toBe(charts.length);
      const positions = pngSources.map((src) => sources.indexOf(src));
      expect(positions.every((position) => position >= 0), "every chart's PNG is in the HTML").toBe(true);
      expect([...positions].sort((a, b) => a - b), "charts in notebook order").toEqual(positions);

      for (const [index, chart] of charts.entries()) {
        const what = `chart ${index} (cell ${chart.cell})`;
        const image = images.nth(positions[index]);
        // Decoded at the PNG's own size.
        const natural = await image.evaluate((node) => ({
          complete: (node as HTMLImageElement).complete,
          width: (node as HTMLImageElement).naturalWidth,
          height: (node as HTMLImageElement).naturalHeight,
        }));
        expect(natural, what).toEqual({ complete: true, ...pngSize(chart.png) });
        expect(natural.width, what).toBeGreaterThan(0);
        // Its decoded pixels, drawn on a canvas, are not one colour.
        expectNotBlank(await image.evaluate(measurePixels), `${what}, decoded`);
        // Laid out and visible, and what is painted on screen is not blank either.
        expect(await image.isVisible(), `${what} visible`).toBe(true);
        const box = await image.boundingBox();
        expect(box && box.width > 0 && box.height > 0, `${what}: rendered box ${JSON.stringify(box)}`).toBe(true);
        const painted = await image.screenshot();
        expectNotBlank(await measureDataUrl(page, `data:image/png;base64,${painted.toString("base64")}`), `${what}, on screen`);
      }

      const screenshot = path.join(out, "00-tour.png");
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(pngSize(readFileSync(screenshot).toString("base64")).height).toBeGreaterThan(900);
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
      await page.close();
    }, 60_000);
  });

  if (noChromium && !chromiumRequired) {
    // The reason, printed with the run and kept as the skipped test's name in reports.
    console.warn(`[test/browser] the headless Chromium check is skipped: ${noChromium}`);
    it.skip(`opened in headless Chromium: skipped, ${noChromium}`, () => {});
  }
});
