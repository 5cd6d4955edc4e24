// load(file): a capture file checked from its first line to its last in one streaming pass, and
// handed back as a Capture that walks its records again on demand. Memory stays bounded by the
// program's live allocations and its call sites, never by the number of calls.
import * as fs from "fs";
import { InvalidArgumentError } from "../errors";
import { CaptureFormatError } from "./errors";
import { CheckedRecordCursor, CURSOR_END, CURSOR_RECORD, GeneratorRecordCursor, recordAt, type RecordCursor } from "./cursor";
import { type CaptureMeta, type CaptureRecord, type ExitRecord, STARTUP_SITE } from "./format";

export { STARTUP_SITE } from "./format";

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

const loaded = new WeakSet<Capture>();

/** Yields the records of `file`, checked as load() checked them; the file is opened at the first record. */
function* checkedRecords(file: string): Generator<CaptureRecord> {
  const cursor = new CheckedRecordCursor(file, null);
  try {
    for (let kind = cursor.next(); kind !== CURSOR_END; kind = cursor.next()) yield recordAt(cursor, kind);
  } finally {
    cursor.close();
  }
}

/**
 * A cursor over the records of `capture`: for a capture from load(), straight over its file with
 * no object per allocation or free; for any other object with records(), over that generator.
 * @internal For replay(); capture.records() yields the same records as objects.
 */
export function recordCursor(capture: Capture): RecordCursor {
  return loaded.has(capture) ? new CheckedRecordCursor(capture.file, null) : new GeneratorRecordCursor(capture.records());
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
  const sites = new Map<number, string>([[STARTUP_SITE, "(before the first line: start-up and imports)"]]);
  const summary: CaptureSummary = { allocations: 0, frees: 0, syscalls: 0, samples: 0, syncMarkers: 0, peakLiveBytes: 0, liveBytesAtEnd: 0, durationMs: 0, exit: null };
  const cursor = new CheckedRecordCursor(file, summary);
  for (let kind = cursor.next(); kind !== CURSOR_END; kind = cursor.next()) {
    if (kind === CURSOR_RECORD && cursor.record?.kind === "site") sites.set(cursor.record.site, cursor.record.label);
  }
  const checkedMeta = cursor.meta;
  if (checkedMeta === null) throw new CaptureFormatError(file, 2, "no meta line");
  const capture: Capture = {
    file,
    meta: checkedMeta,
    sites,
    summary,
    records: () => checkedRecords(file),
  };
  loaded.add(capture);
  return capture;
}
