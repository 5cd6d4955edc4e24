// Process-wide counters: /proc/self/status (VmRSS, VmSize, RssAnon) and /proc/self/stat (minor faults).
import * as path from "path";
import type { ProcessStatus } from "../kernel/accounting";
import { ProbeOptions, Unsupported, resolveOptions, unsupported, whyUnsupported } from "./options";
import { readTextOrNull } from "./procfs";

/**
 * Memory totals of this real process, in kB as /proc/self/status prints them: the fields of the
 * simulator's ProcessStatus the probe reads, plus `ok` (a probe call may answer Unsupported).
 */
export type RealStatus = {
  /** The figures were read. */
  ok: true;
} & Pick<ProcessStatus, "VmRSS" | "VmSize" | "RssAnon">;

/** The minor faults of this real process so far: what {@link minorFaults} returns. */
export interface MinorFaults {
  /** The count was read. */
  ok: true;
  /** Faults resolved without I/O since the process started (zero-page maps and fresh frames included). */
  minorFaults: number;
}

/** Parses "Key:   123 kB" lines of /proc/PID/status; returns the three totals or null if one is missing. */
export function parseStatus(text: string): Omit<RealStatus, "ok"> | null {
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
 * Reads <procRoot>/self/<name> for the call `where` and parses it; returns the parsed value, or { ok: false, reason }
 * (off Linux, unreadable, or `parse` found nothing: then `missing` says what was expected).
 */
function readSelf<T>(where: string, options: ProbeOptions | undefined, name: string, parse: (text: string) => T | null, missing: string): T | Unsupported {
  const opts = resolveOptions(where, options);
  const why = whyUnsupported(opts);
  if (why !== null) return unsupported(why);
  const file = path.join(opts.procRoot, "self", name);
  const text = readTextOrNull(file);
  const parsed = text === null ? null : parse(text);
  return parsed === null ? unsupported(`${file} is unreadable or ${missing}`) : parsed;
}

/**
 * Reads the process's resident set (VmRSS), virtual size (VmSize) and anonymous RSS (RssAnon)
 * from /proc/self/status. Returns them in kB, or { ok: false, reason }.
 */
export function status(options?: ProbeOptions): RealStatus | Unsupported {
  const parsed = readSelf("status", options, "status", parseStatus, "lacks VmRSS/VmSize/RssAnon");
  return "ok" in parsed ? parsed : { ok: true, ...parsed };
}

/**
 * Reads how many minor faults (resolved without I/O) the process has taken: /proc/self/stat
 * field 10. Returns the count, or { ok: false, reason }.
 */
export function minorFaults(options?: ProbeOptions): MinorFaults | Unsupported {
  const count = readSelf("minorFaults", options, "stat", parseMinorFaults, "malformed");
  return typeof count === "number" ? { ok: true, minorFaults: count } : count;
}
