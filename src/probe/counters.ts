// Process-wide counters: /proc/self/status (VmRSS, VmSize, RssAnon) and /proc/self/stat (minor faults).
import * as path from "path";
import { ProbeOptions, Unsupported, resolveOptions, unsupported, whyUnsupported } from "./options";
import { readTextOrNull } from "./procfs";

/** Memory totals of the process, in kB as /proc/self/status prints them. */
export interface ProcessStatus {
  ok: true;
  VmRSS: number;
  VmSize: number;
  RssAnon: number;
}

export interface MinorFaults {
  ok: true;
  /** Faults resolved without I/O since the process started (zero-page maps and fresh frames included). */
  minorFaults: number;
}

/** Parses "Key:   123 kB" lines of /proc/PID/status; returns the three totals or null if one is missing. */
export function parseStatus(text: string): Omit<ProcessStatus, "ok"> | null {
  const field = (key: string) => {
    const m = new RegExp(`^${key}:\\s*(\\d+) kB$`, "m").exec(text);
    return m === null ? null : Number(m[1]);
  };
  const VmRSS = field("VmRSS");
  const VmSize = field("VmSize");
  const RssAnon = field("RssAnon");
  return VmRSS === null || VmSize === null || RssAnon === null ? null : { VmRSS, VmSize, RssAnon };
}

/**
 * Parses field 10 (minflt) of /proc/PID/stat. The command name (field 2) is in parentheses and
 * may itself hold spaces and ")", so fields are counted from the last ")". Returns null if absent.
 */
export function parseMinorFaults(text: string): number | null {
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const fields = text.slice(close + 1).trim().split(/\s+/); // fields[0] is field 3 (state)
  const value = Number(fields[10 - 3]);
  return Number.isInteger(value) && value >= 0 ? value : null;
}

/**
 * Reads the process's resident set (VmRSS), virtual size (VmSize) and anonymous RSS (RssAnon)
 * from /proc/self/status. Returns them in kB, or { ok: false, reason }.
 */
export function status(options?: ProbeOptions): ProcessStatus | Unsupported {
  const opts = resolveOptions(options);
  const why = whyUnsupported(opts);
  if (why !== null) return unsupported(why);
  const file = path.join(opts.procRoot, "self", "status");
  const text = readTextOrNull(file);
  const parsed = text === null ? null : parseStatus(text);
  return parsed === null ? unsupported(`${file} is unreadable or lacks VmRSS/VmSize/RssAnon`) : { ok: true, ...parsed };
}

/**
 * Reads how many minor faults (resolved without I/O) the process has taken: /proc/self/stat
 * field 10. Returns the count, or { ok: false, reason }.
 */
export function minorFaults(options?: ProbeOptions): MinorFaults | Unsupported {
  const opts = resolveOptions(options);
  const why = whyUnsupported(opts);
  if (why !== null) return unsupported(why);
  const file = path.join(opts.procRoot, "self", "stat");
  const text = readTextOrNull(file);
  const count = text === null ? null : parseMinorFaults(text);
  return count === null ? unsupported(`${file} is unreadable or malformed`) : { ok: true, minorFaults: count };
}
