// The display contract's vocabulary (docs/design.md, "The display contract"): the MIME types a chart
// bundle carries and the symbol under which objects offer one. Charts build bundles; the display
// layer above them sends bundles to whichever frontend is running.

export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
export const PNG_MIME = "image/png";
export const TEXT_MIME = "text/plain";

/** One output as MIME type -> content (JSON for Vega-Lite, base64 for PNG, text for text/plain). */
export interface MimeBundle {
  [mime: string]: unknown;
}

/** The key of Deno's (and this package's) display method. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");
