// Accounting with Linux's names and units: /proc/PID/status and /proc/PID/smaps figures in kB,
// plus Windows' PROCESS_MEMORY_COUNTERS_EX names on that preset.

import { thpEnabledFor, vmaHasHugeRange } from "./huge";
import type { Machine } from "./machine";
import type { Process } from "./process";
import { isZeroEntry } from "./pte";
import type { Prot, Vma } from "./vma";

export interface ProcessStatus {
  /** Peak VmSize, kB. */
  VmPeak: number;
  /** Mapped virtual memory, kB. */
  VmSize: number;
  /** Peak VmRSS, kB. */
  VmHWM: number;
  /** Resident memory, kB: private pages mapped, zero-page mappings excluded (REFERENCE §3.3). */
  VmRSS: number;
  RssAnon: number;
  RssFile: number;
  RssShmem: number;
  /** Private writable mappings, kB. */
  VmData: number;
  /** Page-table pages except the top level (mm_pgtables_bytes), kB. */
  VmPTE: number;
  /** Windows preset only: commit charge of the process (PrivateUsage), in BYTES like the Win32 API. */
  PrivateUsage?: number;
  /** Windows preset only: resident bytes (WorkingSetSize), in BYTES like the Win32 API. */
  WorkingSetSize?: number;
}

export interface SmapsEntry {
  start: number;
  end: number;
  /** The mapping's label ("[heap]" for brk), if any. */
  name?: string;
  prot: Prot;
  Size: number;
  Rss: number;
  Anonymous: number;
  AnonHugePages: number;
  THPeligible: 0 | 1;
  VmFlags: string;
}

/** Returns smaps' VmFlags for an anonymous private VMA, in the kernel's order. */
export function vmFlagsOf(vma: Vma): string {
  const flags: string[] = [];
  if (vma.prot !== "none") flags.push("rd");
  if (vma.prot === "read-write") flags.push("wr");
  flags.push("mr", "mw", "me"); // an anonymous mmap may always be made readable/writable/executable
  if (vma.accounted) flags.push("ac");
  if (vma.hugepage) flags.push("hg");
  if (vma.nohugepage) flags.push("nh");
  return flags.join(" ");
}

/** Returns /proc/PID/status figures (kB) of a process. */
export function statusOf(machine: Machine, proc: Process): ProcessStatus {
  const kB = (bytes: number) => bytes / 1024;
  const pageBytes = machine.preset.pageSize;
  const mm = proc.mm;
  let data = 0;
  for (const vma of mm.vmas.all()) if (vma.prot === "read-write") data += vma.end - vma.start;
  const rssBytes = mm.rssPages * pageBytes;
  const status: ProcessStatus = {
    VmPeak: kB(mm.peakVmBytes),
    VmSize: kB(mm.vmBytes()),
    VmHWM: kB(mm.hwmPages * pageBytes),
    VmRSS: kB(rssBytes),
    RssAnon: kB(rssBytes),
    RssFile: 0,
    RssShmem: 0,
    VmData: kB(data),
    VmPTE: proc.alive && machine.policy.tablesInRam ? kB(mm.pageTable.pgtablesBytes) : 0,
  };
  if (machine.preset.os === "windows") {
    status.PrivateUsage = mm.committedBytes();
    status.WorkingSetSize = rssBytes;
  }
  return status;
}

/** Returns /proc/PID/smaps entries (kB) of a process, one per VMA. */
export function smapsOf(machine: Machine, proc: Process): SmapsEntry[] {
  const pageBytes = machine.preset.pageSize;
  const hugeBytes = machine.hugePageBytes;
  return proc.mm.vmas.all().map((vma) => {
    let rss = 0;
    let huge = 0;
    proc.mm.pageTable.forEachLeaf(vma.start, vma.end, (_vaddr, entry, _node, index) => {
      if (isZeroEntry(entry)) return; // smaps_pte_entry skips the zero page (REFERENCE §3.3)
      if (index < 0) {
        rss += hugeBytes;
        huge += hugeBytes;
      } else rss += pageBytes;
    });
    const eligible = hugeBytes > 0 && thpEnabledFor(machine.preset, vma) && vmaHasHugeRange(vma, hugeBytes);
    const entry: SmapsEntry = {
      start: vma.start,
      end: vma.end,
      prot: vma.prot,
      Size: (vma.end - vma.start) / 1024,
      Rss: rss / 1024,
      Anonymous: rss / 1024,
      AnonHugePages: huge / 1024,
      THPeligible: eligible ? 1 : 0,
      VmFlags: vmFlagsOf(vma),
    };
    if (vma.name !== undefined) entry.name = vma.name;
    return entry;
  });
}
