// load(file): a capture file checked from its first line to its last in one streaming pass, and
// handed back as a Capture that walks its records again on demand. Memory stays bounded by the
// program's live allocations and its call sites, never by the number of calls.
import * as fs from "fs";
import { InvalidArgumentError } from "../errors";
import { CaptureFormatError } from "./errors";
import { CAPTURE_MAGIC, CAPTURE_VERSION, type CaptureMeta, type CaptureRecord, type ExitRecord, LineError, parseRecord } from "./format";
import { readLines } from "./lines";

/** Totals of a capture, counted while it was checked. */
export interface CaptureSummary {
/** malloc-family calls recorded. */
  allocations: number;
/** free calls recorded. */
  frees: number;
/** Memory system calls recorded. */
  syscalls: number;
/** Residency samples. */
  samples: number;
/** Sync markers (lines reached, pagelab_mark calls, the end). */
  syncMarkers: number;
  /** Bytes the program held at once in allocations, at most. */
  peakLiveBytes: number;
  /** Bytes still allocated at the end. */
  liveBytesAtEnd: number;
  /** The last time recorded, ms since the program started. */
  durationMs: number;
  /** How the program ended (null when the capture holds no exit record). */
  exit: Pick<ExitRecord, "status" | "signal" | "message"> | null;
}

/** A loaded capture: its recorded facts, call sites and totals, and its records as a stream. */
export interface Capture {
/** The path it was loaded from. */
  readonly file: string;
/** The recorded facts (the meta line). */
  readonly meta: CaptureMeta;
  /** Call-site labels by id ("prog.py:2 l = np.zeros(2**28)", or a native frame). */
  readonly sites: ReadonlyMap<number, string>;
/** Totals counted while the file was checked. */
  readonly summary: CaptureSummary;
  /** The records in file order, read again from the file (bounded memory). */
  records(): Generator<CaptureRecord>;
}

/** Site 0: allocations before the first marked line (the interpreter's start-up, imports). */
export const STARTUP_SITE = 0;

function requireMeta(value: unknown): CaptureMeta {
  const m = value as Partial<CaptureMeta> | null;
  const problems: string[] = [];
  if (m === null || typeof m !== "object") return fail("meta must be a JSON object");
  if (!Array.isArray(m.program) || !m.program.every((a) => typeof a === "string")) problems.push("program must be an array of strings");
  if (typeof m.pageSize !== "number" || !Number.isInteger(m.pageSize) || m.pageSize <= 0 || (m.pageSize & (m.pageSize - 1)) !== 0) problems.push("pageSize must be a power of two");
  if (m.machine === null || typeof m.machine !== "object") problems.push("machine must be an object of Machine options");
  if (typeof m.intervalMs !== "number" || m.intervalMs < 0) problems.push("intervalMs must be a number >= 0");
  if (typeof m.pythonLines !== "boolean") problems.push("pythonLines must be true or false");
  if (problems.length > 0) return fail(`meta: ${problems.join("; ")}`);
  return { started: "", host: "", tools: {}, ...m } as CaptureMeta;
}

function fail(reason: string): never {
  throw new LineError(reason);
}

/** Walks the records after the meta line, checking each against what came before. */
function* checkedRecords(file: string, onMeta: (meta: CaptureMeta) => void, summary: CaptureSummary | null): Generator<CaptureRecord> {
  const sites = new Set<number>([STARTUP_SITE]);
  const live = new Map<number, number>();
  let liveBytes = 0;
  let lastSync = 0;
  let count = 0;
  let ended = false;
  let lineNumber = 0;
  try {
    for (const line of readLines(file)) {
      lineNumber = line.number;
      if (ended) fail(`nothing may follow the end line, found ${JSON.stringify(line.text.slice(0, 40))}`);
      if (!line.terminated) fail(`the file is truncated: its last line has no newline (${JSON.stringify(line.text.slice(0, 40))})`);
      if (line.number === 1) {
        const [magic, version] = line.text.split(" ");
        if (magic !== CAPTURE_MAGIC) fail(`not a pagelab capture: the first line must be "${CAPTURE_MAGIC} ${CAPTURE_VERSION}", got ${JSON.stringify(line.text.slice(0, 40))}`);
        if (version !== String(CAPTURE_VERSION)) fail(`capture format version ${JSON.stringify(version)} is not supported (this pagelab reads version ${CAPTURE_VERSION})`);
        continue;
      }
      if (line.number === 2) {
        if (!line.text.startsWith("meta ")) fail(`the second line must be "meta {...}", got ${JSON.stringify(line.text.slice(0, 40))}`);
        let value: unknown;
        try {
          value = JSON.parse(line.text.slice(5));
        } catch (e) {
          fail(`meta is not JSON: ${(e as Error).message}`);
        }
        onMeta(requireMeta(value));
        continue;
      }
      if (line.text.startsWith("end ") || line.text === "end") {
        const declared = line.text.slice(4);
        if (declared !== String(count)) fail(`the end line counts ${JSON.stringify(declared)} records, the file holds ${count}`);
        ended = true;
        continue;
      }
      if (line.text.startsWith("#")) continue;
      const record = parseRecord(line.text);
      count++;
      switch (record.kind) {
        case "site":
          if (sites.has(record.site)) fail(`site ${record.site} is defined twice`);
          sites.add(record.site);
          break;
        case "alloc":
          if (!sites.has(record.site)) fail(`allocation ${record.id} names site ${record.site}, which no site line defined before`);
          if (live.has(record.id)) fail(`allocation id ${record.id} is already live`);
          live.set(record.id, record.size);
          liveBytes += record.size;
          if (summary) {
            summary.allocations++;
            summary.peakLiveBytes = Math.max(summary.peakLiveBytes, liveBytes);
          }
          break;
        case "free": {
          const size = live.get(record.id);
          if (size === undefined) fail(`free of allocation ${record.id}, which is not live`);
          live.delete(record.id);
          liveBytes -= size;
          if (summary) summary.frees++;
          break;
        }
        case "sync":
          if (record.seq !== lastSync + 1) fail(`sync marker ${record.seq} out of order (the previous was ${lastSync})`);
          if (!sites.has(record.site)) fail(`sync marker ${record.seq} names site ${record.site}, which no site line defined before`);
          lastSync = record.seq;
          if (summary) summary.syncMarkers++;
          break;
        case "sample":
          if (record.seq !== 0 && record.seq !== lastSync) fail(`sample of sync marker ${record.seq} does not follow that marker (the last was ${lastSync})`);
          if (summary) {
            summary.samples++;
            summary.durationMs = Math.max(summary.durationMs, record.ms);
          }
          break;
        case "time":
          if (summary) summary.durationMs = Math.max(summary.durationMs, record.ms);
          break;
        case "syscall":
          if (summary) summary.syscalls++;
          break;
        case "exit":
          if (summary) summary.exit = { status: record.status, signal: record.signal, message: record.message };
          break;
      }
      yield record;
    }
    lineNumber++;
    if (lineNumber <= 2) fail(`the file is truncated: it ends before its ${lineNumber === 1 ? "header" : "meta"} line`);
    if (!ended) fail(`the file is truncated: it ends after ${count} records without its end line`);
    if (summary) summary.liveBytesAtEnd = liveBytes;
  } catch (e) {
    if (e instanceof LineError) throw new CaptureFormatError(file, lineNumber, e.message);
    throw e;
  }
}

/**
 * Reads and checks a capture file in one streaming pass. Throws CaptureFormatError with the line
 * number and the reason when a line is malformed or the file is cut short.
 * @example
 * ```ts
 * const c = capture.load("notebooks/captures/zeros.capture");
 * c.summary.allocations;             // malloc-family calls recorded
 * for (const r of c.records()) if (r.kind === "sample") console.log(r.vmRssKb);
 * ```
 */
export function load(file: string): Capture {
  if (typeof file !== "string" || file === "") throw new InvalidArgumentError(`capture.load(file): file must be a path, got ${JSON.stringify(file)}`);
  if (!fs.existsSync(file)) throw new InvalidArgumentError(`capture.load(file): no file at ${JSON.stringify(file)}`);
  let meta: CaptureMeta | null = null;
  const sites = new Map<number, string>([[STARTUP_SITE, "(before the first line: start-up and imports)"]]);
  const summary: CaptureSummary = { allocations: 0, frees: 0, syscalls: 0, samples: 0, syncMarkers: 0, peakLiveBytes: 0, liveBytesAtEnd: 0, durationMs: 0, exit: null };
  for (const record of checkedRecords(file, (m) => (meta = m), summary)) {
    if (record.kind === "site") sites.set(record.site, record.label);
  }
  const checkedMeta = meta as CaptureMeta | null;
  if (checkedMeta === null) throw new CaptureFormatError(file, 2, "no meta line");
  return {
    file,
    meta: checkedMeta,
    sites,
    summary,
    records: () => checkedRecords(file, () => undefined, null),
  };
}
