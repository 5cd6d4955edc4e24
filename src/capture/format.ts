// The capture file: one record per line, so a capture can be read as a stream, committed beside a
// notebook and diffed. The first line names the format and its version, the second holds the
// recorded facts (JSON), the last counts the records, so a file cut short is told from a whole one.
//
//   pagelab-capture 1
//   meta {"program":["python3","prog.py"],"pageSize":4096,"machine":{...},...}
//   site 3 "prog.py:2 l = np.zeros(2**28)"      a call site: id, label (JSON string)
//   t 120                                        time: ms since the program started
//   a 17 2147483664 7f3a1c000010 3               allocation: id, bytes, address (hex), site
//   f 17                                         free of allocation 17
//   s mmap 7f3a1c000000 2147487744 rw anon       memory system call (addresses hex, lengths decimal)
//   k 4 line 3 "prog.py:3"                       sync marker: seq, kind, site, label (JSON string)
//   r 4 125 2099332 2310440 7f3a1c000+1,55c0+33  residency sample: seq (0 = periodic), ms, VmRSS kB,
//                                                VmSize kB, resident anonymous pages (vpn hex+count)
//   x 0 - "exited with status 0"                 the program's end: status, signal, message
//   end 1234                                     the number of records between meta and end
import type { MachineOptions } from "../kernel";

/** The first line of every capture file. */
export const CAPTURE_MAGIC = "pagelab-capture";
/** The version this library writes and reads. */
export const CAPTURE_VERSION = 1;
/** Site 0: allocations before the first marked line (the interpreter's start-up, imports). */
export const STARTUP_SITE = 0;

/** What was recorded about the program, the host and the recorders: the file's second line. */
export interface CaptureMeta {
  /** The command line that was run. */
  program: string[];
  /** When the capture started (ISO 8601). */
  started: string;
  /** The host's name, to tell captures of other machines apart. */
  host: string;
  /** The host's base page size, bytes. */
  pageSize: number;
  /** The Machine options of the host's twin, recorded so a replay elsewhere builds the same machine. */
  machine: MachineOptions;
  /** Python line numbers were recorded (the program ran under pagelab's Python runner). */
  pythonLines: boolean;
  /** Period of the residency samples, ms (0: samples only at sync markers). */
  intervalMs: number;
  /** Recorder versions and paths, as found. */
  tools: Record<string, string>;
}

/** mmap: a new mapping at `address` (what the call returned). */
export interface MmapRecord {
  /** Always "syscall". */
  kind: "syscall";
  /** The system call. */
  call: "mmap";
  /** The mapping's start. */
  address: number;
  /** Its length in bytes, as asked. */
  length: number;
  /** "rw", "r", "rx", "none", ... */
  prot: string;
  /** MAP_ANONYMOUS (true) or a file. */
  anonymous: boolean;
}

/** munmap of [address, address + length). */
export interface MunmapRecord {
  /** Always "syscall". */
  kind: "syscall";
  /** The system call. */
  call: "munmap";
  /** Start of the range unmapped. */
  address: number;
  /** Its length in bytes. */
  length: number;
}

/** brk that moved the program break from `from` to `to` (queries are not recorded). */
export interface BrkRecord {
  /** Always "syscall". */
  kind: "syscall";
  /** The system call. */
  call: "brk";
  /** The break before the call. */
  from: number;
  /** The break after it. */
  to: number;
}

/** mremap: a mapping resized, perhaps moved. */
export interface MremapRecord {
  /** Always "syscall". */
  kind: "syscall";
  /** The system call. */
  call: "mremap";
  /** The old start. */
  address: number;
  /** The old length. */
  length: number;
  /** The start after the call. */
  newAddress: number;
  /** The length after the call. */
  newLength: number;
}

/** madvise over a range (pagelab's own sync markers are not recorded as calls). */
export interface MadviseRecord {
  /** Always "syscall". */
  kind: "syscall";
  /** The system call. */
  call: "madvise";
  /** Start of the range. */
  address: number;
  /** Its length. */
  length: number;
  /** "dontneed", "hugepage", "free", ... (MADV_ lower-cased). */
  advice: string;
}

/** mprotect over a range. */
export interface MprotectRecord {
  /** Always "syscall". */
  kind: "syscall";
  /** The system call. */
  call: "mprotect";
  /** Start of the range. */
  address: number;
  /** Its length. */
  length: number;
  /** The new protection: "rw", "r", "none", ... */
  prot: string;
}

/** A memory system call of the program, as strace showed it (failed calls are not recorded). */
export type SyscallRecord = MmapRecord | MunmapRecord | BrkRecord | MremapRecord | MadviseRecord | MprotectRecord;

/** What a sync marker stands for: a top-level line about to run, a pagelab_mark() call, the end. */
export type SyncKind = "line" | "mark" | "end";

/** Resident pages as runs: [first virtual page number, count]. */
export type PageRun = readonly [vpn: number, count: number];

/** A call site: its id and label. */
export interface SiteRecord {
  /** Always "site". */
  kind: "site";
  /** The id allocations name. */
  site: number;
  /** "prog.py:2 l = np.zeros(2**28)", or a native frame "libfoo.so+0x1a2b". */
  label: string;
}

/** The time: what follows happened at or after it. */
export interface TimeRecord {
  /** Always "time". */
  kind: "time";
  /** ms since the program started. */
  ms: number;
}

/** A malloc-family allocation (malloc, calloc, or the new block of a realloc). */
export interface AllocRecord {
  /** Always "alloc". */
  kind: "alloc";
  /** The allocation's id, for its free. */
  id: number;
  /** Bytes requested. */
  size: number;
  /** The address malloc returned. */
  address: number;
  /** The call site. */
  site: number;
}

/** A free (or the old block of a realloc). */
export interface FreeRecord {
  /** Always "free". */
  kind: "free";
  /** The id of the allocation freed. */
  id: number;
}

/** A sync marker: the same point in every recorder's stream. */
export interface SyncRecord {
  /** Always "sync". */
  kind: "sync";
  /** 1, 2, 3, ... in order. */
  seq: number;
  /** What it stands for. */
  sync: SyncKind;
  /** The line about to run (or the line of pagelab_mark). */
  site: number;
  /** pagelab_mark's label, "end", or "". */
  label: string;
}

/** A residency sample of the real process. */
export interface SampleRecord {
  /** Always "sample". */
  kind: "sample";
  /** The sync marker it was taken at, or 0 for a periodic sample. */
  seq: number;
  /** ms since the program started. */
  ms: number;
  /** VmRSS, kB. */
  vmRssKb: number;
  /** VmSize, kB. */
  vmSizeKb: number;
  /** The process's own resident pages of its heap and anonymous mappings. */
  resident: PageRun[];
}

/** How the program ended. */
export interface ExitRecord {
  /** Always "exit". */
  kind: "exit";
  /** The exit status, or null when a signal ended it. */
  status: number | null;
  /** The signal ("SIGSEGV"), or null. */
  signal: string | null;
  /** "exited with status 0", "killed by SIGSEGV". */
  message: string;
}

/** One record of a capture file (the header, meta and end lines are not records). */
export type CaptureRecord = SiteRecord | TimeRecord | AllocRecord | FreeRecord | SyscallRecord | SyncRecord | SampleRecord | ExitRecord;

const hex = (n: number): string => n.toString(16);

function formatRuns(runs: readonly PageRun[]): string {
  return runs.length === 0 ? "-" : runs.map(([vpn, count]) => `${hex(vpn)}+${count}`).join(",");
}

/** The line of one record (without the newline). */
export function formatRecord(r: CaptureRecord): string {
  switch (r.kind) {
    case "site": return `site ${r.site} ${JSON.stringify(r.label)}`;
    case "time": return `t ${r.ms}`;
    case "alloc": return `a ${r.id} ${r.size} ${hex(r.address)} ${r.site}`;
    case "free": return `f ${r.id}`;
    case "sync": return `k ${r.seq} ${r.sync} ${r.site} ${JSON.stringify(r.label)}`;
    case "sample": return `r ${r.seq} ${r.ms} ${r.vmRssKb} ${r.vmSizeKb} ${formatRuns(r.resident)}`;
    case "exit": return `x ${r.status ?? "-"} ${r.signal ?? "-"} ${JSON.stringify(r.message)}`;
    case "syscall":
      switch (r.call) {
        case "mmap": return `s mmap ${hex(r.address)} ${r.length} ${r.prot} ${r.anonymous ? "anon" : "file"}`;
        case "munmap": return `s munmap ${hex(r.address)} ${r.length}`;
        case "brk": return `s brk ${hex(r.from)} ${hex(r.to)}`;
        case "mremap": return `s mremap ${hex(r.address)} ${r.length} ${hex(r.newAddress)} ${r.newLength}`;
        case "madvise": return `s madvise ${hex(r.address)} ${r.length} ${r.advice}`;
        case "mprotect": return `s mprotect ${hex(r.address)} ${r.length} ${r.prot}`;
      }
  }
}

/** The header line. */
export function formatHeader(): string {
  return `${CAPTURE_MAGIC} ${CAPTURE_VERSION}`;
}

/** The meta line. */
export function formatMeta(meta: CaptureMeta): string {
  return `meta ${JSON.stringify(meta)}`;
}

/** The trailer line. */
export function formatEnd(records: number): string {
  return `end ${records}`;
}

/** A line that does not parse: the reason, for the caller to place at its line number. */
export class LineError extends Error {}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const HEX = /^[0-9a-f]+$/;
const WORD = /^[a-z_|]+$/i;
const SYNC_KINDS: readonly string[] = ["line", "mark", "end"];

function decimal(text: string | undefined, what: string): number {
  if (text === undefined || !DECIMAL.test(text)) throw new LineError(`${what} must be a decimal integer, got ${JSON.stringify(text ?? "")}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new LineError(`${what} is too large: ${text}`);
  return n;
}

function address(text: string | undefined, what: string): number {
  if (text === undefined || !HEX.test(text)) throw new LineError(`${what} must be a hex address, got ${JSON.stringify(text ?? "")}`);
  const n = parseInt(text, 16);
  if (!Number.isSafeInteger(n)) throw new LineError(`${what} is too large: ${text}`);
  return n;
}

function word(text: string | undefined, what: string): string {
  if (text === undefined || !WORD.test(text)) throw new LineError(`${what} must be a word, got ${JSON.stringify(text ?? "")}`);
  return text;
}

function jsonString(text: string, what: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LineError(`${what} must be a JSON string, got ${text.slice(0, 60)}`);
  }
  if (typeof value !== "string") throw new LineError(`${what} must be a JSON string, got ${text.slice(0, 60)}`);
  return value;
}

/** The fields of a line: exactly `count` before a free-text rest when `rest` is set. */
function fields(line: string, count: number, rest: boolean): { parts: string[]; tail: string } {
  const parts: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const space = line.indexOf(" ", at);
    const end = space < 0 ? line.length : space;
    parts.push(line.slice(at, end));
    at = space < 0 ? line.length : space + 1;
  }
  const tail = line.slice(at);
  if (!rest && tail !== "") throw new LineError(`expected ${count} fields, found more: ${JSON.stringify(tail.slice(0, 40))}`);
  if (rest && tail === "") throw new LineError(`expected ${count + 1} fields, found ${parts.filter((p) => p !== "").length}`);
  return { parts, tail };
}

function runs(text: string | undefined): PageRun[] {
  if (text === "-") return [];
  if (text === undefined || text === "") throw new LineError(`resident pages must be "-" or runs vpn+count, got nothing`);
  return text.split(",").map((run) => {
    const plus = run.indexOf("+");
    if (plus < 0) throw new LineError(`a run of resident pages must be vpn+count, got ${JSON.stringify(run)}`);
    return [address(run.slice(0, plus), "a run's first page"), decimal(run.slice(plus + 1), "a run's page count")] as const;
  });
}

function parseSyscall(line: string): SyscallRecord {
  const call = line.slice(2, line.indexOf(" ", 2) < 0 ? line.length : line.indexOf(" ", 2));
  switch (call) {
    case "mmap": {
      const { parts: p } = fields(line, 6, false);
      if (p[5] !== "anon" && p[5] !== "file") throw new LineError(`mmap's backing must be anon or file, got ${JSON.stringify(p[5])}`);
      return { kind: "syscall", call, address: address(p[2], "mmap's address"), length: decimal(p[3], "mmap's length"), prot: word(p[4], "mmap's protection"), anonymous: p[5] === "anon" };
    }
    case "munmap": {
      const { parts: p } = fields(line, 4, false);
      return { kind: "syscall", call, address: address(p[2], "munmap's address"), length: decimal(p[3], "munmap's length") };
    }
    case "brk": {
      const { parts: p } = fields(line, 4, false);
      return { kind: "syscall", call, from: address(p[2], "brk's old break"), to: address(p[3], "brk's new break") };
    }
    case "mremap": {
      const { parts: p } = fields(line, 6, false);
      return { kind: "syscall", call, address: address(p[2], "mremap's address"), length: decimal(p[3], "mremap's old length"), newAddress: address(p[4], "mremap's new address"), newLength: decimal(p[5], "mremap's new length") };
    }
    case "madvise": {
      const { parts: p } = fields(line, 5, false);
      return { kind: "syscall", call, address: address(p[2], "madvise's address"), length: decimal(p[3], "madvise's length"), advice: word(p[4], "madvise's advice") };
    }
    case "mprotect": {
      const { parts: p } = fields(line, 5, false);
      return { kind: "syscall", call, address: address(p[2], "mprotect's address"), length: decimal(p[3], "mprotect's length"), prot: word(p[4], "mprotect's protection") };
    }
    default:
      throw new LineError(`unknown system call ${JSON.stringify(call)} (expected mmap, munmap, brk, mremap, madvise or mprotect)`);
  }
}

/** Parses one record line; throws LineError with the reason when it does not parse. */
export function parseRecord(line: string): CaptureRecord {
  const tag = line.slice(0, line.indexOf(" ") < 0 ? line.length : line.indexOf(" "));
  switch (tag) {
    case "site": {
      const { parts: p, tail } = fields(line, 2, true);
      return { kind: "site", site: decimal(p[1], "a site's id"), label: jsonString(tail, "a site's label") };
    }
    case "t": {
      const { parts: p } = fields(line, 2, false);
      return { kind: "time", ms: decimal(p[1], "a time") };
    }
    case "a": {
      const { parts: p } = fields(line, 5, false);
      return { kind: "alloc", id: decimal(p[1], "an allocation's id"), size: decimal(p[2], "an allocation's size"), address: address(p[3], "an allocation's address"), site: decimal(p[4], "an allocation's site") };
    }
    case "f": {
      const { parts: p } = fields(line, 2, false);
      return { kind: "free", id: decimal(p[1], "a freed allocation's id") };
    }
    case "s":
      return parseSyscall(line);
    case "k": {
      const { parts: p, tail } = fields(line, 4, true);
      if (!SYNC_KINDS.includes(p[2])) throw new LineError(`a sync marker's kind must be line, mark or end, got ${JSON.stringify(p[2])}`);
      return { kind: "sync", seq: decimal(p[1], "a sync marker's seq"), sync: p[2] as SyncKind, site: decimal(p[3], "a sync marker's site"), label: jsonString(tail, "a sync marker's label") };
    }
    case "r": {
      const { parts: p } = fields(line, 6, false);
      return { kind: "sample", seq: decimal(p[1], "a sample's seq"), ms: decimal(p[2], "a sample's time"), vmRssKb: decimal(p[3], "a sample's VmRSS"), vmSizeKb: decimal(p[4], "a sample's VmSize"), resident: runs(p[5]) };
    }
    case "x": {
      const { parts: p, tail } = fields(line, 3, true);
      const status = p[1] === "-" ? null : decimal(p[1], "the exit status");
      const signal = p[2] === "-" ? null : word(p[2], "the signal");
      return { kind: "exit", status, signal, message: jsonString(tail, "the exit message") };
    }
    default:
      throw new LineError(`unknown record ${JSON.stringify(tag.slice(0, 20))} (expected site, t, a, f, s, k, r, x or end)`);
  }
}
