// @ts-check
// The chart renderer's worker thread: Vega-Lite spec -> vega-lite compile -> vega View (headless)
// -> SVG -> PNG through resvg (WebAssembly). vega's toSVG and resvg's initWasm are asynchronous,
// so they run here; the main thread (src/charts/render.ts) posts a request and blocks on a shared
// flag, which makes rendering synchronous for the Jupyter display protocol.
"use strict";
const fs = require("fs");
const { workerData } = require("worker_threads");
const { createTextWidth } = require("./text-metrics.cjs");

/** @type {{ port: import("worker_threads").MessagePort, flag: Int32Array, modules: { vega: string, vegaLite: string, resvg: string, wasm: string }, fonts: { regular: string, bold: string }, fontFamily: string }} */
const { port, flag, modules, fonts, fontFamily } = workerData;
// A failure to load is kept and sent as the reply to every request, so the waiting thread hears
// of it at once instead of sleeping until its timeout.
let loaded;
try {
  const resvg = require(modules.resvg);
  const vega = require(modules.vega);
  const regular = new Uint8Array(fs.readFileSync(fonts.regular));
  const bold = new Uint8Array(fs.readFileSync(fonts.bold));
  // Lay text out with the widths of the font the PNG is drawn with.
  vega.textMetrics.width = createTextWidth(regular, bold);
  loaded = {
    vega,
    vegaLite: require(modules.vegaLite),
    resvg,
    // Compiling the module synchronously avoids a fetch of the .wasm file (resvg's default).
    wasmReady: resvg.initWasm(new WebAssembly.Module(fs.readFileSync(modules.wasm))),
    fontBuffers: [regular, bold],
  };
} catch (error) {
  loaded = { error };
}

/** Renders one spec to an SVG string and PNG bytes. */
async function render(spec, scale) {
  if (loaded.error) throw loaded.error;
  const { vega, vegaLite, resvg, wasmReady, fontBuffers } = loaded;
  await wasmReady;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    // Embedded fonts only, system fonts off: the same spec gives the same bytes on every machine.
    const image = new resvg.Resvg(svg, {
      font: { fontBuffers, loadSystemFonts: false, defaultFontFamily: fontFamily, sansSerifFamily: fontFamily },
      fitTo: { mode: "zoom", value: scale },
      shapeRendering: 2,
      textRendering: 1,
    });
    const png = image.render().asPng();
    image.free();
    return { svg, png };
  } finally {
    view.finalize();
  }
}

port.on("message", async (request) => {
  let reply;
  try {
    reply = { id: request.id, ...(await render(request.spec, request.scale)) };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  // The reply is queued before the flag flips, so the waiting thread always finds it.
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
