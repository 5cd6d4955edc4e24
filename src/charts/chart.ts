// A Chart: a Vega-Lite spec with a title and a text summary, displayable in every notebook
// frontend. Its MIME bundle carries the spec (JupyterLab, Notebook 7, VS Code), a PNG (classic
// Notebook, nbconvert HTML, GitHub) and the text; never text/html, which frontends would prefer.
import { inspect } from "util";
import { InvalidArgumentError, describeValue } from "../errors";
import { JUPYTER_DISPLAY, MimeBundle, PNG_MIME, TEXT_MIME, VEGA_LITE_MIME } from "./bundle";
import { RenderedChart, prepareRenderer, renderChart } from "./render";
import { VegaLiteSpec } from "./spec";

/** Every output stays below this many bytes (docs/design.md, display contract: every output bounded, well under 300 KB). */
export const MAX_BUNDLE_BYTES = 300 * 1024;

// Sharp on high-density screens; the bundle falls back to 1x when a PNG would not fit the bound.
const PNG_SCALES = [1.5, 1];

/**
 * A chart: a Vega-Lite spec with a title and a text summary. `show(chart)` (or returning it from a
 * notebook cell) displays it: live in JupyterLab, Notebook 7 and VS Code, as a PNG elsewhere.
 *
 * @example
 * const chart = memoryTimelineChart(proc.events);
 * chart.spec;   // the Vega-Lite spec
 * chart.toPNG(); // the picture
 */
export class Chart {
  private rendered: RenderedChart | null = null;

  constructor(
    /** The Vega-Lite v5 spec (what the application/vnd.vegalite.v5+json output carries). */
    readonly spec: VegaLiteSpec,
    /** The chart's title. */
    readonly title: string,
    /** What the chart shows, as text (the text/plain output). */
    readonly text: string,
  ) {
    if (spec === null || typeof spec !== "object" || typeof spec.$schema !== "string") {
      throw new InvalidArgumentError(`Chart: spec must be a Vega-Lite spec with $schema, got ${describeValue(spec)}`);
    }
    if (typeof title !== "string") throw new InvalidArgumentError(`Chart: title must be a string, got ${describeValue(title)}`);
    if (typeof text !== "string") throw new InvalidArgumentError(`Chart: text must be a string, got ${describeValue(text)}`);
    // A chart is usually displayed soon after it is built: let the renderer load meanwhile.
    prepareRenderer();
  }

  /** Renders (once) and returns the chart as SVG text. */
  toSVG(): string {
    return this.render().svg;
  }

  /** Renders (once) and returns the chart as PNG bytes. */
  toPNG(): Uint8Array {
    return this.render().png;
  }

  /**
   * Builds the MIME bundle: Vega-Lite spec, base64 PNG and text, under MAX_BUNDLE_BYTES.
   * If rendering fails the bundle keeps the spec and says why in the text instead of throwing.
   */
  toMimeBundle(): MimeBundle {
    const bundle: MimeBundle = { [VEGA_LITE_MIME]: this.spec, [TEXT_MIME]: this.text };
    const fixedBytes = JSON.stringify(this.spec).length + Buffer.byteLength(this.text);
    try {
      const png = Buffer.from(this.render().png).toString("base64");
      if (fixedBytes + png.length <= MAX_BUNDLE_BYTES) bundle[PNG_MIME] = png;
      else bundle[TEXT_MIME] = `${this.text}\n(PNG omitted: it would exceed ${MAX_BUNDLE_BYTES} bytes)`;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      bundle[TEXT_MIME] = `${this.text}\n(PNG unavailable: ${reason})`;
    }
    return bundle;
  }

  /** The Jupyter display protocol (tslab, Deno): the MIME bundle. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return this.toMimeBundle();
  }

  /** IJavascript's display convention. */
  _toMime(): MimeBundle {
    return this.toMimeBundle();
  }

  /** What Node's util.inspect (and a notebook's plain-text view) prints: "Chart: <title>". */
  [inspect.custom](): string {
    return `Chart: ${this.title}`;
  }

  /** The chart's text summary. */
  toString(): string {
    return this.text;
  }

  /** Renders at the largest scale whose PNG keeps the bundle under the bound; cached. */
  private render(): RenderedChart {
    if (this.rendered !== null) return this.rendered;
    const budget = MAX_BUNDLE_BYTES - JSON.stringify(this.spec).length - Buffer.byteLength(this.text);
    let rendered = renderChart(this.spec, { scale: PNG_SCALES[0] });
    for (const scale of PNG_SCALES.slice(1)) {
      // base64 grows the PNG by 4/3.
      if (Math.ceil(rendered.png.length / 3) * 4 <= budget) break;
      rendered = renderChart(this.spec, { scale });
    }
    this.rendered = rendered;
    return rendered;
  }
}
