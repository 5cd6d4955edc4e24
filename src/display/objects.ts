// How the simulator's own objects display in a notebook: an array as the residency heatmap of its
// pages, a process as its RSS timeline. The lower layers cannot import charts: their classes own
// their display method and text, and ask the registry (src/display-protocol.ts) for the bundle
// this module registers. A machine displays as its own text (meminfo figures).
import { Process } from "../kernel";
import { NDArray } from "../runtime";
import { arrayHeatmapChart, memoryTimelineChart } from "../charts";
import { registerDisplay, type MimeBundle } from "../display-protocol";

registerDisplay(NDArray, (arr): MimeBundle => (arr.freed ? {} : arrayHeatmapChart(arr).toMimeBundle()));

registerDisplay(Process, (proc): MimeBundle => {
  const events = proc.events;
  if (!proc.alive || events.length < 2) return {}; // its own text says what there is to say
  return memoryTimelineChart(events, { title: `pid ${proc.pid}: VmRSS and VmSize over its calls`, status: { ...proc.status() } }).toMimeBundle();
});
