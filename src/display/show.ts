// show(x): send an object's whole MIME bundle to whichever Jupyter kernel runs this code
// (tslab, Deno, IJavascript), or print its text when there is none.
import { MimeBundle, PNG_MIME, TEXT_MIME, toMimeBundle } from "./mime";

type WriteDisplayData = (data: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

/** Finds a loaded module whose file path ends with `suffix` (tslab is found, never loaded). */
function loadedModule(suffix: string): Record<string, unknown> | null {
  for (const id of Object.keys(require.cache)) {
    if (id.replace(/\\/g, "/").endsWith(suffix)) return (require.cache[id]?.exports as Record<string, unknown>) ?? null;
  }
  return null;
}

/** tslab's internal writer: set while a cell runs, it sends a complete display_data message. */
function sendThroughTslab(bundle: MimeBundle): boolean {
  const write = loadedModule("tslab/dist/jupyter.js")?.lastWriteDisplayData;
  if (typeof write !== "function") return false;
  (write as WriteDisplayData)({ data: bundle, metadata: {}, transient: {} }, false);
  return true;
}

/** tslab's public display sends one MIME type per message: the PNG is the one every frontend shows. */
function sendThroughTslabPublic(bundle: MimeBundle): boolean {
  const display = loadedModule("tslab/dist/public.js")?.display as { raw?: unknown } | undefined;
  if (typeof display?.raw !== "function") return false;
  const [mime, content] = typeof bundle[PNG_MIME] === "string" ? [PNG_MIME, bundle[PNG_MIME]] : [TEXT_MIME, bundle[TEXT_MIME]];
  (display.raw as (mime: string, content: unknown) => void).call(display, mime, content);
  return true;
}

/** Deno's kernel: Deno.jupyter.display(bundle, { raw: true }) sends the bundle as it is. */
function sendThroughDeno(bundle: MimeBundle): boolean {
  const deno = (globalThis as { Deno?: { jupyter?: { display?: unknown } } }).Deno;
  const display = deno?.jupyter?.display;
  if (typeof display !== "function") return false;
  const sent = (display as (obj: unknown, options: object) => unknown)(bundle, { raw: true });
  // It answers with a Promise; a rejection (no kernel session) must not surface as unhandled.
  if (sent instanceof Promise) sent.catch(() => undefined);
  return true;
}

/** IJavascript's session object $$ (global while a cell runs) takes a bundle through $$.mime. */
function sendThroughIJavascript(bundle: MimeBundle): boolean {
  const session = (globalThis as { $$?: { mime?: unknown } }).$$;
  if (typeof session?.mime !== "function") return false;
  (session.mime as (bundle: MimeBundle) => void).call(session, bundle);
  return true;
}

// Whole-bundle channels first; tslab's one-MIME public display only if its internals changed.
const CHANNELS: ((bundle: MimeBundle) => boolean)[] = [
  sendThroughTslab,
  sendThroughDeno,
  sendThroughIJavascript,
  sendThroughTslabPublic,
];

/**
 * Displays a value in the notebook: its whole MIME bundle through the first kernel found
 * (tslab, Deno, IJavascript), else its text on stdout. Never throws for a missing frontend;
 * returns nothing, so a cell ending in show(x) prints nothing more.
 * @example
 * ```ts
 * const m = new Machine();
 * const a = numpy(m.spawn()).zeros([256, 1024]);
 * a.slice(0, 64).fill(1);
 * show(a);                     // the array's residency heatmap
 * show(arrayHeatmapChart(a));  // the same chart, from its factory
 * show(m);                     // the machine's own display
 * ```
 */
export function show(value: unknown): void {
  const bundle = toMimeBundle(value);
  for (const send of CHANNELS) {
    try {
      if (send(bundle)) return;
    } catch {
      // A kernel that is present but not in a cell (tslab's display throws "Not ready"): try the next.
    }
  }
  console.log(String(bundle[TEXT_MIME]));
}
