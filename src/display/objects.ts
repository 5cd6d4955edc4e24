// How the simulator's own objects display in a notebook: an array as the residency heatmap of its
// pages, a process as its status with an RSS timeline, a machine as its meminfo. The lower layers
// cannot import charts, so the display layer gives their classes the protocol here.
import { Machine, Process } from "../kernel";
import { NDArray } from "../runtime";
import { memoryTimelineChart, residencyHeatmap } from "../charts";
import { installDisplay, TEXT_MIME, type MimeBundle } from "./mime";

/** The heatmap of an array's pages, with its bounds and the allocator's header marked. */
export function arrayHeatmap(arr: NDArray, title?: string) {
  const proc = arr.runtime.proc as Process;
  const pageSize = proc.pageSize;
  const first = Math.floor((arr.address - 16) / pageSize) * pageSize;
  const end = Math.max(arr.address + arr.nbytes, arr.address + 1);
  const last = Math.ceil(end / pageSize) * pageSize;
  return residencyHeatmap(proc, first, last - first, {
    title: title ?? `${arr.dtype.name} array of ${arr.size.toLocaleString("en-US")} elements at 0x${arr.address.toString(16)}`,
    bounds: [{ start: arr.address, end: arr.address + arr.nbytes, label: "array" }],
    annotations: [{ addr: arr.address - 16, length: 16, label: "allocator header" }],
  });
}

function arrayText(arr: NDArray): string {
  return arr.toString();
}

function processText(proc: Process): string {
  if (!proc.alive) return `Process(pid ${proc.pid}, ${proc.killed ? "killed" : "exited"})`;
  const s = proc.status();
  return `Process(pid ${proc.pid}${proc.alive ? "" : ", dead"}, VmSize ${s.VmSize} kB, VmRSS ${s.VmRSS} kB, RssAnon ${s.RssAnon} kB, VmPTE ${s.VmPTE} kB)`;
}

function machineText(machine: Machine): string {
  const m = machine.meminfo();
  return `Machine(${machine.preset.name}, MemTotal ${m.MemTotal} kB, MemFree ${m.MemFree} kB, AnonPages ${m.AnonPages} kB, PageTables ${m.PageTables} kB)`;
}

installDisplay(NDArray.prototype, {
  bundle: (arr): MimeBundle => (arr.freed ? { [TEXT_MIME]: arrayText(arr) } : arrayHeatmap(arr).toMimeBundle()),
  text: arrayText,
});

installDisplay(Process.prototype, {
  bundle: (proc): MimeBundle => {
    const events = proc.events;
    if (events.length < 2) return { [TEXT_MIME]: processText(proc) };
    const status = proc.alive ? { status: { ...proc.status() } } : {}; // an exited process has no figures left
    return memoryTimelineChart(events, { title: `pid ${proc.pid}: VmRSS and VmSize over its calls`, ...status }).toMimeBundle();
  },
  text: processText,
});

installDisplay(Machine.prototype, {
  bundle: (machine): MimeBundle => ({ [TEXT_MIME]: machineText(machine) }),
  text: machineText,
});
