// Joins what the three recorders wrote into one capture file, in the program's order.
// heaptrack's stream is the spine: it holds every allocation call in order, and the runner's
// markers in it (REFERENCE §12.2). strace's calls and the residency samples are placed by the sync
// markers (exactly: each appears in every stream with the same seq) and, between two markers, by
// time (approximately: heaptrack stamps its stream every few ms).
import * as fs from "fs";
import type { CaptureMeta, CaptureRecord, SyncKind } from "./format";
import { HeaptrackRawParser } from "./heaptrack";
import { readLines } from "./lines";
import { STARTUP_SITE } from "./load";
import type { ProcessSample } from "./sample";
import { parseStraceLine, type StraceLine } from "./strace";
import { CaptureWriter } from "./writer";

/** The runner's calibration pair and marker sizes (assets/python/capture_runner.py). */
export const CALIBRATION_SIZES = [40961, 40963] as const;
export const SYNC_MARKER_SIZE = 8;

/** A sample the capturing process took, at a sync marker (seq > 0) or on its timer (seq 0). */
export interface TakenSample extends ProcessSample {
  seq: number;
  /** Time of the sample, ms since the epoch. */
  epochMs: number;
}

/** A sync marker as the runner announced it on the control socket. */
export interface AnnouncedSync {
  seq: number;
  sync: SyncKind;
  site: number;
  label: string;
}

/** What merge reads. */
export interface MergeInputs {
  heaptrackFile: string;
  straceFile: string | null;
  /** The runner's site labels (Python mode), else null: sites are native frames. */
  sitesFile: string | null;
  /** The traced program's pid (the Python runner's, or strace's first pid when null). */
  pid: number | null;
  syncs: readonly AnnouncedSync[];
  samples: readonly TakenSample[];
  exit: { status: number | null; signal: string | null; message: string };
  /** Called every `progressEvery` heaptrack lines with the count so far. */
  onProgress?: (lines: number) => void;
}

const PROGRESS_EVERY = 200_000;

function readSites(file: string | null): Map<number, string> {
  const sites = new Map<number, string>();
  if (file === null || !fs.existsSync(file)) return sites;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const space = line.indexOf(" ");
    if (space < 0) continue;
    try {
      sites.set(Number(line.slice(0, space)), JSON.parse(line.slice(space + 1)) as string);
    } catch {
      // a site line cut short by a crash: its allocations keep the id, with a generic label
    }
  }
  return sites;
}

/** strace's calls of one process, read lazily; marker k ends segment k. */
class StraceStream {
  private readonly lines: Generator<{ text: string }> | null;
  private next: StraceLine | null = null;
  private pid: number | null;
  private brk: number | null = null;
  /** Epoch ms of the first call: the program's time 0. */
  t0: number | null = null;

  constructor(file: string | null, pid: number | null, private readonly pageSize: number) {
    this.lines = file === null || !fs.existsSync(file) ? null : readLines(file);
    this.pid = pid;
    this.advance();
  }

  private advance(): void {
    this.next = null;
    if (this.lines === null) return;
    for (;;) {
      const r = this.lines.next();
      if (r.done === true) return;
      const parsed = parseStraceLine(r.value.text, this.pageSize);
      if (parsed === null) continue;
      this.pid ??= parsed.pid;
      if (parsed.pid !== this.pid) continue;
      this.t0 ??= parsed.ms;
      this.next = parsed;
      return;
    }
  }

  /** Emits the calls before marker `seq` and consumes it (all remaining when seq is Infinity); with `untilMs` (program time) stops there too, never crossing a marker. */
  drain(emit: (r: CaptureRecord) => void, seq: number, untilMs = Infinity): void {
    while (this.next !== null) {
      const n = this.next;
      if ("marker" in n) {
        if (n.marker > seq) return;
        this.advance();
        if (n.marker === seq) return;
        continue;
      }
      if (untilMs !== Infinity && n.ms - (this.t0 ?? 0) > untilMs) return;
      const s = n.syscall;
      if (s.call === "brk") {
        const from = this.brk;
        this.brk = s.to;
        if (from !== null && from !== s.to) emit({ kind: "syscall", call: "brk", from, to: s.to });
      } else {
        emit(s);
      }
      this.advance();
    }
  }
}

/** Writes the capture file from the recorders' outputs; returns the number of records. A failed write leaves no partial file. */
export function mergeCapture(out: string, meta: CaptureMeta, inputs: MergeInputs): number {
  const writer = new CaptureWriter(out, meta);
  try {
    return mergeInto(writer, meta, inputs);
  } catch (e) {
    writer.abandon();
    throw e;
  }
}

function mergeInto(writer: CaptureWriter, meta: CaptureMeta, inputs: MergeInputs): number {
  const emit = (r: CaptureRecord): void => writer.write(r);
  const python = inputs.sitesFile !== null;
  const labels = readSites(inputs.sitesFile);
  const emittedSites = new Set<number>([STARTUP_SITE]);
  const siteOfIp = new Map<number, number>();
  const parser = new HeaptrackRawParser();
  const strace = new StraceStream(inputs.straceFile, inputs.pid, meta.pageSize);
  const syncBySeq = new Map(inputs.syncs.map((s) => [s.seq, s]));
  const syncSamples = new Map(inputs.samples.filter((s) => s.seq > 0).map((s) => [s.seq, s]));
  const periodic = inputs.samples.filter((s) => s.seq === 0);
  let periodicNext = 0;
  const t0 = (): number => strace.t0 ?? inputs.samples[0]?.epochMs ?? 0;

  const useSite = (site: number, label: () => string): number => {
    if (!emittedSites.has(site)) {
      emittedSites.add(site);
      emit({ kind: "site", site, label: label() });
    }
    return site;
  };
  const sampleRecord = (s: TakenSample): CaptureRecord => ({ kind: "sample", seq: s.seq, ms: Math.max(0, Math.round(s.epochMs - t0())), vmRssKb: s.vmRssKb, vmSizeKb: s.vmSizeKb, resident: s.resident });
  const emitPeriodicUntil = (ms: number): void => {
    while (periodicNext < periodic.length && periodic[periodicNext].epochMs - t0() <= ms) emit(sampleRecord(periodic[periodicNext++]));
  };

  const live = new Map<number, number>(); // ptr -> id
  const markerPtrs = new Set<number>();
  let nextId = 1;
  let site = STARTUP_SITE;
  let markerIp: number | null = null;
  let pendingCalibration: { size: number; ptr: number; ip: number } | null = null;
  let seq = 0;
  let lines = 0;

  const allocate = (size: number, ptr: number, ip: number): void => {
    const old = live.get(ptr);
    if (old !== undefined) emit({ kind: "free", id: old }); // a free the hook did not see
    const at = python ? useSite(site, () => labels.get(site) ?? `site ${site}`) : nativeSite(ip);
    const id = nextId++;
    live.set(ptr, id);
    emit({ kind: "alloc", id, size, address: ptr, site: at });
  };
  const nativeSite = (ip: number): number => {
    let id = siteOfIp.get(ip);
    if (id === undefined) {
      id = siteOfIp.size + 1;
      siteOfIp.set(ip, id);
    }
    return useSite(id, () => parser.frameLabel(ip));
  };

  for (const line of readLines(inputs.heaptrackFile)) {
    if (++lines % PROGRESS_EVERY === 0) inputs.onProgress?.(lines);
    const event = parser.line(line.text);
    if (event === null) continue;
    if (event.type === "time") {
      strace.drain(emit, seq, event.ms);
      emitPeriodicUntil(event.ms);
      emit({ kind: "time", ms: event.ms });
      continue;
    }
    if (event.type === "free") {
      if (markerPtrs.delete(event.ptr)) continue;
      const id = live.get(event.ptr);
      if (id !== undefined) {
        live.delete(event.ptr);
        emit({ kind: "free", id });
      }
      continue;
    }
    const { size, ptr, ip } = event;
    if (python && markerIp === null) {
      if (size === CALIBRATION_SIZES[1] && pendingCalibration !== null && pendingCalibration.ip === ip) {
        markerIp = ip;
        markerPtrs.add(ptr).add(pendingCalibration.ptr);
        pendingCalibration = null;
        continue;
      }
      if (pendingCalibration !== null) allocate(pendingCalibration.size, pendingCalibration.ptr, pendingCalibration.ip);
      pendingCalibration = size === CALIBRATION_SIZES[0] ? { size, ptr, ip } : null;
      if (pendingCalibration === null) allocate(size, ptr, ip);
      continue;
    }
    if (ip === markerIp) {
      markerPtrs.add(ptr);
      if (size === SYNC_MARKER_SIZE) {
        seq++;
        strace.drain(emit, seq);
        const announced = syncBySeq.get(seq);
        const syncSite = announced === undefined ? site : useSite(announced.site, () => labels.get(announced.site) ?? `site ${announced.site}`);
        emit({ kind: "sync", seq, sync: announced?.sync ?? "mark", site: syncSite, label: announced?.label ?? "" });
        const taken = syncSamples.get(seq);
        if (taken !== undefined) {
          emitPeriodicUntil(taken.epochMs - t0());
          emit(sampleRecord(taken));
        }
      } else {
        site = size / 16 - 1;
      }
      continue;
    }
    allocate(size, ptr, ip);
  }
  if (pendingCalibration !== null) allocate(pendingCalibration.size, pendingCalibration.ptr, pendingCalibration.ip);
  strace.drain(emit, Infinity);
  emitPeriodicUntil(Infinity);
  emit({ kind: "exit", ...inputs.exit });
  writer.close();
  return writer.records;
}
