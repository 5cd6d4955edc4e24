// A capture file's records walked one at a time with the file's contract checked as they come:
// the header and meta lines first, every site defined before it is named, no id allocated twice
// or freed when not live, sync markers in order, and an end line that counts the records. The
// allocation and free lines, nearly all of a file, reach the caller as numbers on the cursor
// (scan.ts parses them from the read buffer), so a walk of millions of calls makes no garbage
// per call; any other line is decoded and parsed by parseRecord into a record object.
import { IntegerMap } from "./integer-map";
import { InvalidArgumentError, PagelabError, describeValue } from "../errors";
import { errorCode } from "../probe/options";
import { CaptureFileError, CaptureFormatError } from "./errors";
import {
  CAPTURE_MAGIC, CAPTURE_VERSION, type CaptureMeta, type CaptureRecord, formatRecord, LineError, parseRecord, STARTUP_SITE,
} from "./format";
import { LineReader } from "./lines";
import type { CaptureSummary } from "./load";
import { HotLineScanner, SCANNED_ALLOC, SCANNED_FREE } from "./scan";

/** next() has no more records: the file ended whole. */
export const CURSOR_END = 0;
/** next() reached an allocation: its fields are the cursor's id, size, address and site. */
export const CURSOR_ALLOC = 1;
/** next() reached a free: the cursor's id is the allocation freed. */
export const CURSOR_FREE = 2;
/** next() reached any other record: it is the cursor's record. */
export const CURSOR_RECORD = 3;

/** What next() reached: CURSOR_END, CURSOR_ALLOC, CURSOR_FREE or CURSOR_RECORD. */
export type CursorKind = typeof CURSOR_END | typeof CURSOR_ALLOC | typeof CURSOR_FREE | typeof CURSOR_RECORD;

/**
 * Records one at a time without an object per allocation or free: next() says what it reached,
 * and the fields of that record are on the cursor until the next call.
 * @example
 * ```ts
 * const cursor = recordCursor(capture);
 * try {
 *   for (let k = cursor.next(); k !== CURSOR_END; k = cursor.next()) if (k === CURSOR_ALLOC) bytes += cursor.size;
 * } finally {
 *   cursor.close();
 * }
 * ```
 */
export interface RecordCursor {
  /** Moves to the next record; throws CaptureFormatError where the file breaks its contract. */
  next(): CursorKind;
  /** The allocation's id (CURSOR_ALLOC, CURSOR_FREE). */
  readonly id: number;
  /** Bytes requested (CURSOR_ALLOC). */
  readonly size: number;
  /** The address malloc returned (CURSOR_ALLOC). */
  readonly address: number;
  /** The call site (CURSOR_ALLOC). */
  readonly site: number;
  /** The record (CURSOR_RECORD). */
  readonly record: CaptureRecord | null;
  /** Stops the walk early and releases the file (again is harmless). */
  close(): void;
}

/** The fields of the record a cursor is at, for both kinds of cursor. */
abstract class CursorFields implements RecordCursor {
  /** The allocation's id (CURSOR_ALLOC, CURSOR_FREE). */
  id = 0;
  /** Bytes requested (CURSOR_ALLOC). */
  size = 0;
  /** The address malloc returned (CURSOR_ALLOC). */
  address = 0;
  /** The call site (CURSOR_ALLOC). */
  site = 0;
  /** The record (CURSOR_RECORD). */
  record: CaptureRecord | null = null;
  abstract next(): CursorKind;
  abstract close(): void;

  /** Copies an allocation's or a free's numbers onto the cursor and says which it was (null: another record). */
  protected callOf(record: CaptureRecord): typeof CURSOR_ALLOC | typeof CURSOR_FREE | null {
    if (record.kind === "alloc") {
      this.id = record.id;
      this.size = record.size;
      this.address = record.address;
      this.site = record.site;
      return CURSOR_ALLOC;
    }
    if (record.kind === "free") {
      this.id = record.id;
      return CURSOR_FREE;
    }
    return null;
  }
}

function fail(reason: string): never {
  throw new LineError(reason);
}

/** Checks a capture's meta line: what replay needs must be there, with the right types. */
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

/** A line that is no record (the header, meta, end line or a comment): next() reads on. */
const NOT_A_RECORD = -1;

/** Walks a capture file's records after its meta line, checking each against what came before. */
export class CheckedRecordCursor extends CursorFields {
  /** The meta line, once next() has read past it. */
  meta: CaptureMeta | null = null;
  private readonly lines: LineReader;
  private readonly scanner = new HotLineScanner();
  /** The sites defined so far. */
  private readonly sites = new IntegerMap<true>();
  /** Live allocations: id → bytes. */
  private readonly live = new IntegerMap<number>();
  private liveBytes = 0;
  private lastSync = 0;
  private count = 0;
  private ended = false;
  private done = false;
  /** The number of the line read last. */
  private line = 0;

  /**
   * Opens `file`; with `summary`, the totals are counted into it as the walk goes. `where` is the
   * call that reads it; `reloaded` says load() already checked the file, so a record that breaks
   * the contract now means the file changed since.
   */
  constructor(
    private readonly file: string,
    private readonly summary: CaptureSummary | null,
    private readonly where = "capture.load(file)",
    private readonly reloaded = false,
  ) {
    super();
    this.sites.set(STARTUP_SITE, true);
    try {
      this.lines = new LineReader(file);
    } catch (e) {
      throw this.refusal(e);
    }
  }

  /** Moves to the next record; throws CaptureFormatError (and closes the file) where the file breaks its contract. */
  next(): CursorKind {
    if (this.done) return CURSOR_END;
    try {
      return this.advance();
    } catch (e) {
      this.close();
      throw this.refusal(e);
    }
  }

  /** The error to throw for `e`: a capture error naming the file, whatever went wrong reading it. */
  private refusal(e: unknown): unknown {
    const format = e instanceof LineError ? new CaptureFormatError(this.file, this.line, e.message) : e;
    if (format instanceof CaptureFormatError && this.reloaded) {
      return new CaptureFileError(this.where, this.file, `changed since capture.load() read it (line ${format.line}: ${format.reason}); load it again`);
    }
    if (format instanceof PagelabError || !(format instanceof Error && "code" in format)) return format;
    return new CaptureFileError(this.where, this.file, `cannot be read (${errorCode(format)})`);
  }

  /** Stops the walk and closes the file (again is harmless). */
  close(): void {
    this.done = true;
    this.lines.close();
  }

  private advance(): CursorKind {
    const lines = this.lines;
    for (;;) {
      // past the meta line, the common lines are parsed from the bytes; what the scanner declines
      // (another kind, a malformed line, a line cut by the end of the buffer) is read as text
      if (this.line >= 2 && !this.ended) {
        const after = this.scanner.scan(lines.buffer, lines.pos);
        if (after >= 0) {
          lines.pos = after;
          this.line++;
          return this.scanned();
        }
      }
      if (!lines.nextLine()) return this.finish();
      this.line++;
      const kind = this.textLine(lines.text(), lines.terminated);
      if (kind !== NOT_A_RECORD) return kind;
    }
  }

  private scanned(): CursorKind {
    const s = this.scanner;
    this.count++;
    if (s.kind === SCANNED_ALLOC) {
      this.id = s.id;
      this.size = s.size;
      this.address = s.address;
      this.site = s.site;
      return this.allocate();
    }
    if (s.kind === SCANNED_FREE) {
      this.id = s.id;
      return this.free();
    }
    return this.other({ kind: "time", ms: s.ms });
  }

  private textLine(text: string, terminated: boolean): CursorKind | typeof NOT_A_RECORD {
    if (this.ended) fail(`nothing may follow the end line, found ${JSON.stringify(text.slice(0, 40))}`);
    if (!terminated) fail(`the file is truncated: its last line has no newline (${JSON.stringify(text.slice(0, 40))})`);
    if (this.line === 1) {
      const [magic, version] = text.split(" ");
      if (magic !== CAPTURE_MAGIC) fail(`not a pagelab capture: the first line must be "${CAPTURE_MAGIC} ${CAPTURE_VERSION}", got ${JSON.stringify(text.slice(0, 40))}`);
      if (version !== String(CAPTURE_VERSION)) fail(`capture format version ${JSON.stringify(version)} is not supported (this pagelab reads version ${CAPTURE_VERSION})`);
      return NOT_A_RECORD;
    }
    if (this.line === 2) {
      if (!text.startsWith("meta ")) fail(`the second line must be "meta {...}", got ${JSON.stringify(text.slice(0, 40))}`);
      let value: unknown;
      try {
        value = JSON.parse(text.slice(5));
      } catch (e) {
        fail(`meta is not JSON: ${(e as Error).message}`);
      }
      this.meta = requireMeta(value);
      return NOT_A_RECORD;
    }
    if (text.startsWith("end ") || text === "end") {
      const declared = text.slice(4);
      if (declared !== String(this.count)) fail(`the end line counts ${JSON.stringify(declared)} records, the file holds ${this.count}`);
      this.ended = true;
      return NOT_A_RECORD;
    }
    if (text.startsWith("#")) return NOT_A_RECORD;
    const record = parseRecord(text);
    this.count++;
    const call = this.callOf(record);
    if (call === CURSOR_ALLOC) return this.allocate();
    if (call === CURSOR_FREE) return this.free();
    return this.other(record);
  }

  /** Checks the allocation in the cursor's fields against the sites defined and the ids live. */
  private allocate(): CursorKind {
    if (!this.sites.has(this.site)) this.refuseUndefinedSite();
    if (!this.live.setNew(this.id, this.size)) this.refuseLiveId();
    this.liveBytes += this.size;
    const summary = this.summary;
    if (summary !== null) {
      summary.allocations++;
      if (this.liveBytes > summary.peakLiveBytes) summary.peakLiveBytes = this.liveBytes;
    }
    return CURSOR_ALLOC;
  }

  /** Checks the free of the allocation in the cursor's id: it must be live. */
  private free(): CursorKind {
    const size = this.live.take(this.id);
    if (size === undefined) return this.refuseDeadId();
    this.liveBytes -= size;
    if (this.summary !== null) this.summary.frees++;
    return CURSOR_FREE;
  }

  // The refusals of allocate() and free() build their messages out of line, from the cursor's
  // fields: a message built inline made the optimized walk box a number on every call.
  private refuseUndefinedSite(): never {
    fail(`allocation ${this.id} names site ${this.site}, which no site line defined before`);
  }

  private refuseLiveId(): never {
    fail(`allocation id ${this.id} is already live`);
  }

  private refuseDeadId(): never {
    fail(`free of allocation ${this.id}, which is not live`);
  }

  private other(record: CaptureRecord): CursorKind {
    const summary = this.summary;
    switch (record.kind) {
      case "site":
        if (this.sites.has(record.site)) fail(`site ${record.site} is defined twice`);
        this.sites.set(record.site, true);
        break;
      case "sync":
        if (record.seq !== this.lastSync + 1) fail(`sync marker ${record.seq} out of order (the previous was ${this.lastSync})`);
        if (!this.sites.has(record.site)) fail(`sync marker ${record.seq} names site ${record.site}, which no site line defined before`);
        this.lastSync = record.seq;
        if (summary !== null) summary.syncMarkers++;
        break;
      case "sample":
        if (record.seq !== 0 && record.seq !== this.lastSync) fail(`sample of sync marker ${record.seq} does not follow that marker (the last was ${this.lastSync})`);
        if (summary !== null) {
          summary.samples++;
          summary.durationMs = Math.max(summary.durationMs, record.ms);
        }
        break;
      case "time":
        if (summary !== null) summary.durationMs = Math.max(summary.durationMs, record.ms);
        break;
      case "syscall":
        if (summary !== null) summary.syscalls++;
        break;
      case "exit":
        if (summary !== null) summary.exit = { status: record.status, signal: record.signal, message: record.message };
        break;
      default:
        break;
    }
    this.record = record;
    return CURSOR_RECORD;
  }

  /** The file ended: it must have had its header, meta and end lines. Errors name the line after the last. */
  private finish(): CursorKind {
    this.line++;
    if (this.line <= 2) fail(`the file is truncated: it ends before its ${this.line === 1 ? "header" : "meta"} line`);
    if (!this.ended) fail(`the file is truncated: it ends after ${this.count} records without its end line`);
    if (this.summary !== null) this.summary.liveBytesAtEnd = this.liveBytes;
    this.close();
    return CURSOR_END;
  }
}

/**
 * A cursor over any Capture's records() (one not made by load(), whose file cannot be read
 * directly). Each record is checked as load() checks a line: written as its line and parsed back.
 */
export class GeneratorRecordCursor extends CursorFields {
  private readonly records: Generator<CaptureRecord>;
  private count = 0;

  /** Walks `records` (what records() returned) for the call `where`; close() returns it. */
  constructor(records: unknown, private readonly where = "capture.replay(capture)") {
    super();
    if (records === null || typeof records !== "object" || typeof (records as Partial<Generator>).next !== "function" || typeof (records as Partial<Generator>).return !== "function") {
      throw new InvalidArgumentError(`${where}: capture.records() must return a generator of capture records, got ${describeValue(records)}`);
    }
    this.records = records as Generator<CaptureRecord>;
  }

  /** Moves to the next record of the generator; throws InvalidArgumentError for one that is not a capture record. */
  next(): CursorKind {
    const r = this.records.next();
    if (r.done === true) return CURSOR_END;
    this.count++;
    let record: CaptureRecord;
    try {
      record = parseRecord(formatRecord(r.value));
    } catch {
      // formatRecord meets whatever the generator yielded: any failure means it was no record
      throw new InvalidArgumentError(`${this.where}: record ${this.count} of capture.records() is not a capture record, got ${describeValue(r.value)}`);
    }
    this.record = record;
    return this.callOf(record) ?? CURSOR_RECORD;
  }

  /** Returns the generator (its finally blocks run). */
  close(): void {
    this.records.return(undefined);
  }
}

/** The record a cursor is at, as the object records() yields. */
export function recordAt(cursor: RecordCursor, kind: typeof CURSOR_ALLOC | typeof CURSOR_FREE | typeof CURSOR_RECORD): CaptureRecord {
  if (kind === CURSOR_ALLOC) return { kind: "alloc", id: cursor.id, size: cursor.size, address: cursor.address, site: cursor.site };
  if (kind === CURSOR_FREE) return { kind: "free", id: cursor.id };
  return cursor.record as CaptureRecord;
}
