// MIME bundles: what a Jupyter frontend receives for one output, and the conventions by which
// an object offers one (Deno's Symbol.for("Jupyter.display"), IJavascript's _toMime).
import { inspect } from "util";
import { InvalidArgumentError, describeValue } from "../errors";
import { JUPYTER_DISPLAY, TEXT_MIME, type MimeBundle } from "../charts/bundle";

export { JUPYTER_DISPLAY, PNG_MIME, TEXT_MIME, VEGA_LITE_MIME, type MimeBundle } from "../charts/bundle";

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

/** How instances of a class display: a bundle builder and a short text (for inspect and text/plain). */
export interface DisplayMethods<T> {
  bundle(self: T): MimeBundle;
  text(self: T): string;
}

/**
 * Gives every instance of a class the display protocol (Jupyter.display, _toMime, inspect text),
 * for classes of lower layers that cannot import the display code themselves. Returns nothing.
 */
export function installDisplay<T extends object>(prototype: T, methods: DisplayMethods<T>): void {
  if (prototype === null || typeof prototype !== "object") {
    throw new InvalidArgumentError(`installDisplay: prototype must be an object, got ${describeValue(prototype)}`);
  }
  if (typeof methods?.bundle !== "function" || typeof methods.text !== "function") {
    throw new InvalidArgumentError("installDisplay: methods must have bundle(self) and text(self) functions");
  }
  const bundle = function (this: T): MimeBundle {
    return { [TEXT_MIME]: methods.text(this), ...methods.bundle(this) };
  };
  Object.defineProperty(prototype, JUPYTER_DISPLAY, { value: bundle, configurable: true, writable: true });
  Object.defineProperty(prototype, "_toMime", { value: bundle, configurable: true, writable: true });
  Object.defineProperty(prototype, inspect.custom, {
    value: function (this: T): string {
      return methods.text(this);
    },
    configurable: true,
    writable: true,
  });
}
