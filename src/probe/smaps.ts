// /proc/self/smaps: per-mapping memory accounting (REFERENCE §3.5).
import * as path from "path";
import type { SmapsEntry } from "../kernel/accounting";
import { MappingRange, parseMaps } from "./maps";
import { ProbeOptions, ResolvedOptions, Unsupported, resolveOptions, unsupported, whyUnsupported } from "./options";
import { readTextOrNull } from "./procfs";
import { checkRange } from "./range";

/**
 * One real mapping's smaps entry, sizes in kB as the kernel prints them. It shares the simulator's
 * SmapsEntry fields (same names, units and types) and adds what only a real kernel reports: Swap
 * and KernelPageSize. It lacks `prot`/`name`/`Size`, which the probe does not read.
 */
export type RealSmapsEntry = {
  /** The entry was read. */
  ok: true;
} & Pick<SmapsEntry, "start" | "end" | "Rss" | "Anonymous" | "AnonHugePages" | "THPeligible" | "VmFlags"> & {
  /** Swapped-out memory of the mapping, kB. */
  Swap: number;
  /** The page size backing the mapping, kB. */
  KernelPageSize: number;
};

/** Parses the text of /proc/PID/smaps into one entry per mapping. */
export function parseSmaps(text: string): RealSmapsEntry[] {
  const entries: RealSmapsEntry[] = [];
  let current: RealSmapsEntry | null = null;
  for (const line of text.split("\n")) {
    const header = parseMaps(line);
    if (header.length === 1) {
      current = {
        ok: true, start: header[0].start, end: header[0].end, Rss: 0, Anonymous: 0, AnonHugePages: 0,
        Swap: 0, KernelPageSize: 0, THPeligible: 0, VmFlags: "",
      };
      entries.push(current);
      continue;
    }
    const field = /^(\w+):\s*(.*)$/.exec(line);
    if (current === null || field === null) continue;
    const [, key, value] = field;
    if (key === "VmFlags") current.VmFlags = value.trim().split(/\s+/).filter(Boolean).join(" ");
    else if (key === "THPeligible") current.THPeligible = value.trim() === "1" ? 1 : 0;
    else if (key === "Rss" || key === "Anonymous" || key === "AnonHugePages" || key === "Swap" || key === "KernelPageSize") {
      current[key] = parseInt(value, 10) || 0;
    }
  }
  return entries;
}

/** Reads <procRoot>/self/smaps and returns the entry of the mapping containing `address`, or why not. */
export function readSmapsEntry(opts: ResolvedOptions, address: number): RealSmapsEntry | Unsupported {
  const text = readTextOrNull(path.join(opts.procRoot, "self", "smaps"));
  if (text === null) return unsupported(`${path.join(opts.procRoot, "self", "smaps")} is not readable`);
  const entry = parseSmaps(text).find((e) => e.start <= address && address < e.end);
  return entry ?? unsupported(`no mapping of this process contains 0x${address.toString(16)} (was it freed?)`);
}

/**
 * The smaps entry (Rss, Anonymous, AnonHugePages, THPeligible, VmFlags, ...) of the mapping that
 * contains range.start. Returns it, or { ok: false, reason } when it cannot be read.
 */
export function smapsOf(range: MappingRange, options?: ProbeOptions): RealSmapsEntry | Unsupported {
  const checked = checkRange(range, "smapsOf: range");
  const opts = resolveOptions("smapsOf", options);
  const why = whyUnsupported(opts);
  return why !== null ? unsupported(why) : readSmapsEntry(opts, checked.start);
}
