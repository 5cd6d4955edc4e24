// load(file): a capture file checked from its first line to its last in one streaming pass, and
// handed back as a Capture that walks its records again on demand. Memory stays bounded by the
// program's live allocations and its call sites, never by the number of calls.
import * as fs from "fs";
import * as path from "path";
import { InvalidArgumentError, describeValue } from "../errors";
import { errorCode } from "../probe/options";
import { CaptureFileError, CaptureFormatError } from "./errors";
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
  /**
   * The records in file order, read again from the file (bounded memory); throws CaptureFileError
   * when the file is gone or changed since load().
   */
  records(): Generator<CaptureRecord>;
}

/** What load() saw of a capture file: a later walk refuses the file once it no longer matches. */
interface FileStamp {
  /** The file's absolute path, so a later chdir does not move it. */
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** The captures load() made, with their file's stamp. */
const loaded = new WeakMap<Capture, FileStamp>();

/**
 * Stats `file` for `where`: refuses anything but a regular file, and a file the system will not
 * stat (`gone` says what a missing file means to the caller).
 */
function stampOf(where: string, file: string, gone: string): FileStamp {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    const code = errorCode(e);
    throw new CaptureFileError(where, file, code === "ENOENT" ? gone : `cannot be read (${code})`);
  }
  if (stat.isDirectory()) throw new CaptureFileError(where, file, "is a directory, not a capture file");
  if (!stat.isFile()) throw new CaptureFileError(where, file, "is not a regular file (a capture file is one)");
  return { path: path.resolve(file), size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino };
}

/** The same file as load() read: same size, modification time and inode. */
function sameFile(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function describeStamp(s: FileStamp): string {
  return `${s.size} bytes modified ${new Date(s.mtimeMs).toISOString()}`;
}

/**
 * A checked cursor over a loaded capture's file for `where`: the records are read again from the
 * file, so it must still be the file load() checked (same size, modification time and inode).
 */
function reopen(where: string, file: string, was: FileStamp): CheckedRecordCursor {
  const now = stampOf(where, was.path, "is gone since capture.load() read it (ENOENT): its records are read from the file at every walk");
  if (!sameFile(now, was)) {
    throw new CaptureFileError(where, file, `changed since capture.load() read it (then ${describeStamp(was)}, now ${describeStamp(now)}); load it again`);
  }
  return new CheckedRecordCursor(was.path, null, where, true);
}

/** Yields the records of `file`, checked as load() checked them; the file is opened at the first record. */
function* checkedRecords(file: string, stamp: FileStamp): Generator<CaptureRecord> {
  const cursor = reopen("capture.records()", file, stamp);
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
export function recordCursor(capture: Capture, where = "capture.replay(capture)"): RecordCursor {
  const stamp = loaded.get(capture);
  return stamp !== undefined ? reopen(where, capture.file, stamp) : new GeneratorRecordCursor(capture.records(), where);
}

/**
 * Reads and checks a capture file in one streaming pass. Throws CaptureFormatError with the line
 * number and the reason when a line is malformed or the file is cut short, CaptureFileError when
 * the path is a directory or the file cannot be read. The capture's records are read from the file
 * again at every walk (records(), replay()), which refuse it once it is gone or changed.
 * @example
 * ```ts
 * const c = capture.load("notebooks/captures/zeros.capture");
 * c.summary.allocations;             // malloc-family calls recorded
 * for (const r of c.records()) if (r.kind === "sample") console.log(r.vmRssKb);
 * ```
 */
export function load(file: string): Capture {
  const where = "capture.load(file)";
  if (typeof file !== "string" || file === "") throw new InvalidArgumentError(`${where}: file must be a path, got ${describeValue(file)}`);
  if (!fs.existsSync(file)) throw new InvalidArgumentError(`${where}: no file at ${JSON.stringify(file)}`);
  const stamp = stampOf(where, file, "is gone (ENOENT)");
  const sites = new Map<number, string>([[STARTUP_SITE, "(before the first line: start-up and imports)"]]);
  const summary: CaptureSummary = { allocations: 0, frees: 0, syscalls: 0, samples: 0, syncMarkers: 0, peakLiveBytes: 0, liveBytesAtEnd: 0, durationMs: 0, exit: null };
  const cursor = new CheckedRecordCursor(file, summary);
  for (let kind = cursor.next(); kind !== CURSOR_END; kind = cursor.next()) {
    if (kind === CURSOR_RECORD && cursor.record?.kind === "site") sites.set(cursor.record.site, cursor.record.label);
  }
  const checkedMeta = cursor.meta;
  if (checkedMeta === null) throw new CaptureFormatError(file, 2, "no meta line");
  const after = stampOf(where, file, "vanished while it was read (ENOENT)");
  if (!sameFile(after, stamp)) {
    throw new CaptureFileError(where, file, "changed while it was read (is the capture still being written?); load it again");
  }
  const capture: Capture = {
    file,
    meta: checkedMeta,
    sites,
    summary,
    records: () => checkedRecords(file, stamp),
  };
  loaded.set(capture, stamp);
  return capture;
}
