// The display protocol every layer shares (docs/design.md, "The display contract"): the MIME
// types a bundle carries, the symbol under which objects offer one, and the registry through
// which the display layer draws the simulator's own objects. A class of a lower layer owns its
// display method and its text; it asks the registry for the rich bundle, so nothing is patched
// onto classes at import time.
import { inspect } from "util";
import { InvalidArgumentError } from "./errors";

export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
export const PNG_MIME = "image/png";
export const TEXT_MIME = "text/plain";

/** One output as MIME type -> content (JSON for Vega-Lite, base64 for PNG, text for text/plain). */
export interface MimeBundle {
  [mime: string]: unknown;
}

/** The key of Deno's (and this package's) display method. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/** Draws instances of one class as a MIME bundle (a chart); text/plain comes from the object itself. */
export type DisplayRenderer<T> = (self: T) => MimeBundle;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructors of any signature
type Constructor<T> = abstract new (...args: any[]) => T;

const renderers = new Map<object, DisplayRenderer<never>>();

/** Registers how instances of `type` (and its subclasses) are drawn; a later registration replaces it. */
export function registerDisplay<T>(type: Constructor<T>, render: DisplayRenderer<T>): void {
  if (typeof type !== "function") throw new InvalidArgumentError(`registerDisplay: type must be a class, got ${String(type)}`);
  if (typeof render !== "function") throw new InvalidArgumentError("registerDisplay: render must be a function (self) => MimeBundle");
  renderers.set(type.prototype as object, render);
}

/** The renderer registered for `value`'s class or its nearest ancestor, or undefined. */
export function rendererFor<T extends object>(value: T): DisplayRenderer<T> | undefined {
  for (let proto = Object.getPrototypeOf(value) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const render = renderers.get(proto);
    if (render !== undefined) return render as DisplayRenderer<T>;
  }
  return undefined;
}

/**
 * The bundle an object of a lower layer offers from its own display method: the registered
 * renderer's bundle (when the display layer is loaded) with the object's own text as text/plain.
 */
export function displayBundle(value: object): MimeBundle {
  const render = rendererFor(value);
  return { ...(render ? render(value) : {}), [TEXT_MIME]: inspect(value) };
}
