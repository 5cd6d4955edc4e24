// Facts about the host a simulated machine can be built from (the lead's Machine.fromHost()):
// page size, RAM, THP mode, overcommit mode and the nearest CPU preset.
import * as path from "path";
import { CpuPresetName, nearestCpuPreset } from "./cpuPreset";
import { ProbeOptions, Unsupported, resolveOptions, unsupported, whyUnsupported } from "./options";
import { basePageSize } from "./pageSize";
import { readTextOrNull } from "./procfs";

export type ThpMode = "always" | "madvise" | "never";

export interface HostFacts {
  ok: true;
  pageSize: number;
  /** MemTotal from /proc/meminfo, in bytes; null when unreadable. */
  ramBytes: number | null;
  /** /sys/kernel/mm/transparent_hugepage/enabled (REFERENCE §3.4); null when absent (no THP). */
  thp: ThpMode | null;
  /** /proc/sys/vm/overcommit_memory: 0 heuristic, 1 always, 2 strict (REFERENCE §3.6); null when unreadable. */
  overcommit: 0 | 1 | 2 | null;
  cpuModel: string | null;
  nearestCpuPreset: CpuPresetName;
  presetGuessed: boolean;
  notes: string[];
}

/** Parses MemTotal (kB) of /proc/meminfo text into bytes; null if absent. */
export function parseMemTotal(text: string): number | null {
  const m = /^MemTotal:\s*(\d+) kB$/m.exec(text);
  return m === null ? null : Number(m[1]) * 1024;
}

/** Parses the bracketed choice of a sysfs THP setting ("always [madvise] never"); null if none. */
export function parseThpMode(text: string): ThpMode | null {
  const m = /\[(always|madvise|never)\]/.exec(text);
  return m === null ? null : (m[1] as ThpMode);
}

/** Parses /proc/sys/vm/overcommit_memory; null unless 0, 1 or 2. */
export function parseOvercommit(text: string): 0 | 1 | 2 | null {
  const value = text.trim();
  return value === "0" || value === "1" || value === "2" ? (Number(value) as 0 | 1 | 2) : null;
}

/**
 * Reads the host facts a simulated preset needs. Returns them (fields the host hides are null,
 * with a note), or { ok: false, reason } off Linux or without /proc.
 */
export function hostFacts(options?: ProbeOptions): HostFacts | Unsupported {
  const opts = resolveOptions(options);
  const why = whyUnsupported(opts);
  if (why !== null) return unsupported(why);
  const pageSize = basePageSize(opts);
  if (pageSize === null) return unsupported("the page size could not be read (no KernelPageSize in smaps, no getconf)");
  const notes: string[] = [];
  const read = (file: string, what: string) => {
    const text = readTextOrNull(file);
    if (text === null) notes.push(`${file} is unreadable: ${what} unknown`);
    return text;
  };
  const meminfo = read(path.join(opts.procRoot, "meminfo"), "RAM size");
  const thpText = read(path.join(opts.sysRoot, "kernel", "mm", "transparent_hugepage", "enabled"), "THP mode");
  const overcommitText = read(path.join(opts.procRoot, "sys", "vm", "overcommit_memory"), "overcommit mode");
  const cpuinfo = read(path.join(opts.procRoot, "cpuinfo"), "CPU");
  const cpu = nearestCpuPreset(cpuinfo ?? "");
  notes.push(`CPU preset ${cpu.preset}: ${cpu.note}`);
  return {
    ok: true,
    pageSize,
    ramBytes: meminfo === null ? null : parseMemTotal(meminfo),
    thp: thpText === null ? null : parseThpMode(thpText),
    overcommit: overcommitText === null ? null : parseOvercommit(overcommitText),
    cpuModel: cpu.model,
    nearestCpuPreset: cpu.preset,
    presetGuessed: cpu.guessed,
    notes,
  };
}
