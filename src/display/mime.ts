// MIME bundles: what a Jupyter frontend receives for one output, and the conventions by which
// an object offers one (Deno's Symbol.for("Jupyter.display"), IJavascript's _toMime).
import { inspect } from "util";
import { JUPYTER_DISPLAY, TEXT_MIME, type MimeBundle } from "../display-protocol";

export { JUPYTER_DISPLAY, PNG_MIME, TEXT_MIME, VEGA_LITE_MIME, registerDisplay, type MimeBundle, type DisplayRenderer } from "../display-protocol";

/** What a displayable object offers. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle;
  _toMime(): MimeBundle;
}

/**
 * Collects the MIME bundle of any value: its Jupyter.display method, else its _toMime, else its
 * util.inspect text. Returns a bundle that always has text/plain.
 */
export function toMimeBundle(value: unknown): MimeBundle {
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const holder = value as { [JUPYTER_DISPLAY]?: unknown; _toMime?: unknown };
    const method = typeof holder[JUPYTER_DISPLAY] === "function" ? holder[JUPYTER_DISPLAY] : holder._toMime;
    if (typeof method === "function") {
      const bundle = (method as () => unknown).call(value);
      if (bundle !== null && typeof bundle === "object") {
        const result = { ...(bundle as MimeBundle) };
        if (typeof result[TEXT_MIME] !== "string") result[TEXT_MIME] = inspect(value);
        return result;
      }
    }
  }
  return { [TEXT_MIME]: typeof value === "string" ? value : inspect(value) };
}
