// Synchronous chart rendering: Vega-Lite spec -> SVG -> PNG.
// vega's toSVG and resvg's initWasm only exist as Promises, but the Jupyter display protocol
// ([Symbol.for("Jupyter.display")]()) is synchronous. So one worker thread (assets/render-worker.cjs)
// owns vega and resvg, and this thread posts a request and sleeps on a shared flag (Atomics.wait)
// until the reply is queued, then takes it with receiveMessageOnPort: no event-loop turn needed.
import * as path from "path";
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from "worker_threads";
import { InternalCheckError, InvalidArgumentError, describeValue } from "../errors";
import { CHART_FONT, VegaLiteSpec } from "./spec";
import { checkOptions } from "../validate";

/** A rendered chart: its SVG and its PNG. */
export interface RenderedChart {
  /** The SVG vega draws (text as font-family "DejaVu Sans"). */
  svg: string;
  /** PNG bytes rasterised by resvg with the embedded font only. */
  png: Uint8Array;
}

/** Options of renderChart. */
export interface RenderOptions {
  /** Pixel ratio of the PNG (1 = the spec's CSS pixels); default 1.5. */
  scale?: number;
}

const DEFAULT_SCALE = 1.5;
// Generous: the first render also starts the worker and compiles resvg's 2.5 MB wasm module.
const RENDER_TIMEOUT_MS = 60_000;

// Both src/charts and dist/charts sit two levels below the package root, beside assets/.
const ASSETS = path.join(__dirname, "..", "..", "assets");

interface RenderWorker {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  nextId: number;
}

let current: RenderWorker | null = null;

/** Starts the render worker; returns its handles (unref'd, so it never keeps Node alive). */
function startWorker(): RenderWorker {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(path.join(ASSETS, "render-worker.cjs"), {
    workerData: {
      port: port2,
      flag,
      modules: {
        vega: require.resolve("vega"),
        vegaLite: require.resolve("vega-lite"),
        resvg: require.resolve("@resvg/resvg-wasm"),
        wasm: require.resolve("@resvg/resvg-wasm/index_bg.wasm"),
      },
      fonts: { regular: path.join(ASSETS, "fonts", "DejaVuSans.ttf"), bold: path.join(ASSETS, "fonts", "DejaVuSans-Bold.ttf") },
      fontFamily: CHART_FONT,
    },
    transferList: [port2],
  });
  const handle: RenderWorker = { worker, port: port1, flag, nextId: 1 };
  const forget = (): void => {
    if (current === handle) current = null;
  };
  worker.on("exit", forget);
  worker.on("error", forget);
  worker.unref();
  port1.unref();
  return handle;
}

/** Drops a worker that stopped answering, so the next render starts a fresh one. */
function discardWorker(handle: RenderWorker): void {
  if (current === handle) current = null;
  handle.port.close();
  void handle.worker.terminate();
}

/**
 * Starts the render worker in the background if it is not running, so that a later render does
 * not wait for vega and resvg to load (about 0.3 s). Returns at once.
 */
export function prepareRenderer(): void {
  if (current === null) current = startWorker();
}

/**
 * Renders a Vega-Lite spec to SVG and PNG, synchronously (this thread blocks until done).
 * Returns the SVG text and the PNG bytes; the same spec and scale always give the same bytes.
 */
export function renderChart(spec: VegaLiteSpec, options: RenderOptions = {}): RenderedChart {
  checkOptions<RenderOptions>("renderChart", options, ["scale"]);
  const scale = options.scale ?? DEFAULT_SCALE;
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0 || scale > 4) {
    throw new InvalidArgumentError(`renderChart: scale must be a number in (0, 4], got ${describeValue(scale)}`);
  }
  if (spec === null || typeof spec !== "object") {
    throw new InvalidArgumentError(`renderChart: spec must be a Vega-Lite spec object, got ${describeValue(spec)}`);
  }
  prepareRenderer();
  const handle = current as RenderWorker;
  const id = handle.nextId++;
  Atomics.store(handle.flag, 0, 0);
  handle.port.postMessage({ id, spec, scale });
  const woke = Atomics.wait(handle.flag, 0, 0, RENDER_TIMEOUT_MS);
  const received = receiveMessageOnPort(handle.port);
  if (woke === "timed-out" || received === undefined) {
    discardWorker(handle);
    throw new InternalCheckError(`renderChart: the render worker did not answer within ${RENDER_TIMEOUT_MS} ms`);
  }
  const reply = received.message as { id: number; svg?: string; png?: Uint8Array; error?: string };
  if (reply.id !== id) {
    discardWorker(handle);
    throw new InternalCheckError(`renderChart: the render worker answered request ${reply.id}, expected ${id}`);
  }
  if (reply.error !== undefined || reply.svg === undefined || reply.png === undefined) {
    throw new InvalidArgumentError(`renderChart: Vega could not render the spec: ${reply.error ?? "no output"}`);
  }
  return { svg: reply.svg, png: reply.png };
}
