// Facts about the host a simulated machine can be built from (Machine.fromHost()): the settings
// read from /proc and /sys (page size, RAM, swap, THP and its per-size settings, the huge zero
// page, overcommit, the nearest CPU preset) and the fault behaviour measured on throw-away memory.
import * as fs from "fs";
import * as path from "path";
import type { CpuName } from "../hardware/cpu-presets";
import { type ThpMode, type ThpSizeSetting, pmdBytesFor } from "../kernel/presets";
import { nearestCpuPreset } from "./cpuPreset";
import { type HostBehaviour, measureHostBehaviour } from "./host-behaviour";
import { ProbeOptions, Unsupported, resolveOptions, unsupported, whyUnsupported } from "./options";
import { basePageSize } from "./pageSize";
import { readTextOrNull } from "./procfs";
import { HOST_FACTS_FIELDS, requireBehaviour, requireRecord } from "./records";

/**
 * Facts about this host that a simulated machine can be built from: the settings read from /proc
 * and /sys, the nearest CPU preset, and the fault behaviour measured on throw-away memory. What
 * {@link hostFacts} returns; Machine.fromHost() builds the twin from them.
 * @example
 * ```ts
 * const facts = probe.hostFacts();
 * if (facts.ok) {
 *   console.log(facts.pageSize, facts.thp, facts.nearestCpuPreset, facts.findings);
 *   const options = probe.machineOptionsFor(facts); // the MachineOptions of this host
 * }
 * ```
 */
export interface HostFacts {
  /** The facts were read. */
  ok: true;
  /** The base page size in bytes. */
  pageSize: number;
  /** MemTotal from /proc/meminfo, in bytes; null when unreadable. */
  ramBytes: number | null;
  /** /sys/kernel/mm/transparent_hugepage/enabled (REFERENCE §3.4); null when absent (no THP). */
  thp: ThpMode | null;
  /** SwapTotal from /proc/meminfo, in bytes; null when unreadable. */
  swapBytes: number | null;
  /** transparent_hugepage/use_zero_page; null when absent. A host may still forbid zero pages (REFERENCE §3.9). */
  useZeroPage: boolean | null;
  /** Multi-size THP, hugepages-<size>kB/enabled by size in KiB (Linux 6.8+; empty before). */
  thpSizes: Record<number, ThpSizeSetting>;
  /** khugepaged/max_ptes_none; null when absent. */
  maxPtesNone: number | null;
  /** /proc/sys/vm/overcommit_memory: 0 heuristic, 1 always, 2 strict (REFERENCE §3.6); null when unreadable. */
  overcommit: 0 | 1 | 2 | null;
  /** /proc/sys/vm/overcommit_ratio (percent); null when unreadable. */
  overcommitRatio: number | null;
  /** What a first touch does here, measured; { ok: false } when it could not be measured. */
  behaviour: HostBehaviour | Unsupported;
  /** Where this host differs from stock Linux (the simulator's linux-x86_64 preset), in plain words. */
  findings: string[];
  /** The CPU's model name from /proc/cpuinfo; null when unreadable. */
  cpuModel: string | null;
  /** The simulator's CPU preset nearest to this CPU (by vendor, family and model, or arm64 part). */
  nearestCpuPreset: CpuName;
  /** True when the CPU matched no preset closely and the nearest is a guess. */
  presetGuessed: boolean;
  /** What could not be read or was guessed, in plain words. */
  notes: string[];
}

/** Parses MemTotal (kB) of /proc/meminfo text into bytes; null if absent. */
export function parseMemTotal(text: string): number | null {
  const m = /^MemTotal:\s*(\d+) kB$/m.exec(text);
  return m === null ? null : Number(m[1]) * 1024;
}

/** Parses SwapTotal (kB) of /proc/meminfo text into bytes; null if absent. */
export function parseSwapTotal(text: string): number | null {
  const m = /^SwapTotal:\s*(\d+) kB$/m.exec(text);
  return m === null ? null : Number(m[1]) * 1024;
}

/** Parses one size's hugepages-<size>kB/enabled ("always inherit madvise [never]"); null if none. */
export function parseThpSizeSetting(text: string): ThpSizeSetting | null {
  const m = /\[(always|inherit|madvise|never)\]/.exec(text);
  return m === null ? null : (m[1] as ThpSizeSetting);
}

/** Parses a sysfs or sysctl file holding one non-negative integer; null otherwise. */
export function parseCount(text: string): number | null {
  const value = text.trim();
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** Reads every hugepages-<size>kB/enabled under the THP folder; sizes without a readable setting are left out. */
function readThpSizes(thpDir: string): Record<number, ThpSizeSetting> {
  const sizes: Record<number, ThpSizeSetting> = {};
  let names: string[] = [];
  try {
    names = fs.readdirSync(thpDir);
  } catch {
    return sizes;
  }
  for (const name of names) {
    const m = /^hugepages-(\d+)kB$/.exec(name);
    const text = m === null ? null : readTextOrNull(path.join(thpDir, name, "enabled"));
    const setting = text === null ? null : parseThpSizeSetting(text);
    if (m !== null && setting !== null) sizes[Number(m[1])] = setting;
  }
  return sizes;
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
 * Reads the host facts a simulated preset needs, and measures the fault behaviour when the
 * options point at this kernel (the default /proc and /sys; recorded folders are only read).
 * Returns them (fields the host hides are null, with a note), or { ok: false, reason } off
 * Linux or without /proc.
 * @example
 * ```ts
 * const facts = probe.hostFacts();
 * if (!facts.ok) console.log("no probe here:", facts.reason);
 * else console.log(`${facts.pageSize} B pages, THP ${facts.thp}, CPU like ${facts.nearestCpuPreset}`);
 * ```
 */
export function hostFacts(options?: ProbeOptions): HostFacts | Unsupported {
  const opts = resolveOptions("hostFacts", options);
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
  const thpDir = path.join(opts.sysRoot, "kernel", "mm", "transparent_hugepage");
  const optional = (file: string) => readTextOrNull(file);
  const meminfo = read(path.join(opts.procRoot, "meminfo"), "RAM size");
  const thpText = read(path.join(thpDir, "enabled"), "THP mode");
  const overcommitText = read(path.join(opts.procRoot, "sys", "vm", "overcommit_memory"), "overcommit mode");
  const ratioText = optional(path.join(opts.procRoot, "sys", "vm", "overcommit_ratio"));
  const zeroText = optional(path.join(thpDir, "use_zero_page"));
  const ptesText = optional(path.join(thpDir, "khugepaged", "max_ptes_none"));
  const cpuinfo = read(path.join(opts.procRoot, "cpuinfo"), "CPU");
  const cpu = nearestCpuPreset(cpuinfo ?? "");
  notes.push(`CPU preset ${cpu.preset}: ${cpu.note}`);
  const liveKernel = opts.procRoot === "/proc" && opts.sysRoot === "/sys";
  const behaviour: HostBehaviour | Unsupported = liveKernel
    ? measureHostBehaviour()
    : unsupported("not measured: procRoot/sysRoot point at recorded files, not at this kernel");
  const facts: HostFacts = {
    ok: true,
    pageSize,
    ramBytes: meminfo === null ? null : parseMemTotal(meminfo),
    swapBytes: meminfo === null ? null : parseSwapTotal(meminfo),
    thp: thpText === null ? null : parseThpMode(thpText),
    useZeroPage: zeroText === null ? null : parseCount(zeroText) === 1,
    thpSizes: readThpSizes(thpDir),
    maxPtesNone: ptesText === null ? null : parseCount(ptesText),
    overcommit: overcommitText === null ? null : parseOvercommit(overcommitText),
    overcommitRatio: ratioText === null ? null : parseCount(ratioText),
    behaviour,
    findings: [],
    cpuModel: cpu.model,
    nearestCpuPreset: cpu.preset,
    presetGuessed: cpu.guessed,
    notes,
  };
  if (!behaviour.ok) notes.push(`fault behaviour ${behaviour.reason}`);
  facts.findings = findingsOf(facts);
  return facts;
}

const KiB = 1024;

/** Where `facts` differ from stock Linux as the linux-x86_64 preset models it, one sentence each. */
export function findingsOf(given: HostFacts): string[] {
  const facts = requireRecord<HostFacts>("findingsOf", "facts", given, HOST_FACTS_FIELDS);
  requireBehaviour("findingsOf", facts.behaviour);
  const out: string[] = [];
  const b = facts.behaviour;
  if (b.ok && b.readFault.result === "private-page") {
    out.push(
      `A read of untouched memory allocates a private zeroed page here (${b.readFault.bytesAllocated / KiB} KiB counted in RSS per fault); ` +
        "stock Linux maps the shared zero page and RSS does not grow.",
    );
  }
  if (b.ok && b.hugeRangeRead.result === "huge-page") {
    out.push(
      `A read in a huge-page range allocates a whole ${b.hugeRangeRead.bytesAllocated / KiB / KiB} MiB page here; ` +
        "stock Linux maps the huge zero page (use_zero_page = 1) and RSS does not grow.",
    );
  }
  if (b.ok && b.hugeRangeRead.result === "small-pages" && facts.thp !== "never") {
    out.push("A read in a MADV_HUGEPAGE range used small pages here; stock Linux maps the huge zero page.");
  }
  if (b.ok && b.hugeZeroWrite.result === "huge-page") {
    out.push(
      "A write to the huge zero page allocates a whole 2 MiB page here, as newer kernels do (do_huge_zero_wp_pmd); the " +
        "stock preset models the split of Linux 5.8 on, which backs one 4 KiB page (so a read-first loop over a " +
        "MADV_HUGEPAGE range ends on huge pages here, on 4 KiB pages in the stock preset).",
    );
  }
  if (facts.useZeroPage === false) out.push("transparent_hugepage/use_zero_page is 0: reads in huge-page ranges never map the huge zero page.");
  const pmd = pmdBytesFor(facts.pageSize);
  const small = Object.entries(facts.thpSizes).filter(([kib, s]) => Number(kib) * KiB < pmd && s !== "never");
  if (small.length > 0) {
    out.push(`Multi-size THP is enabled: ${small.map(([kib, s]) => `${kib} KiB ${s}`).join(", ")}; stock Linux leaves sizes below the PMD size off.`);
  }
  if (b.ok && b.writeFault.result > facts.pageSize && b.writeFault.result < pmd) {
    out.push(`One written byte allocates ${b.writeFault.result / KiB} KiB here (a multi-size THP), not one ${facts.pageSize / KiB} KiB page.`);
  }
  if (facts.thp !== null && facts.thp !== "madvise") out.push(`THP is "${facts.thp}" (the simulator's stock preset uses "madvise").`);
  if (facts.overcommit !== null && facts.overcommit !== 0) out.push(`vm.overcommit_memory is ${facts.overcommit} (stock: 0, heuristic).`);
  if (facts.pageSize !== 4096) out.push(`The base page is ${facts.pageSize / KiB} KiB (stock x86-64: 4 KiB).`);
  return out;
}
