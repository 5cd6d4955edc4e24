// Accounting with Linux's names and units: /proc/PID/status and /proc/PID/smaps figures in kB,
// plus Windows' PROCESS_MEMORY_COUNTERS_EX names on that preset.

import { thpEnabledFor, vmaHasHugeRange } from "./huge";
import type { Machine } from "./machine";
import type { Process } from "./process";
import { entryPfn, isSwapEntry, isZeroEntry } from "./pte";
import type { Prot, Vma } from "./vma";

/**
 * A process's memory as /proc/[pid]/status reports it, in kB (the Windows fields in bytes): what
 * {@link Process.status} returns.
 * @example
 * ```ts
 * const p = new Machine().spawn();
 * const addr = p.mmap(1 << 20);
 * p.touch(addr, 1 << 20, "write");
 * const { VmSize, VmRSS } = p.status(); // 1024 kB mapped, 1024 kB resident
 * ```
 */
export interface ProcessStatus {
  /** Peak VmSize, kB. */
  VmPeak: number;
  /** Mapped virtual memory, kB. */
  VmSize: number;
  /** Peak VmRSS, kB. */
  VmHWM: number;
  /** Resident memory, kB: private pages mapped, zero-page mappings excluded (REFERENCE §3.3). */
  VmRSS: number;
  /** Resident anonymous memory, kB (all of VmRSS here: there are no file mappings). */
  RssAnon: number;
  /** Resident file-backed memory, kB (always 0: file mappings are not modelled). */
  RssFile: number;
  /** Resident shared memory, kB (always 0: shared mappings are not modelled). */
  RssShmem: number;
  /** Private writable mappings, kB. */
  VmData: number;
  /** Page-table pages except the top level (mm_pgtables_bytes), kB. */
  VmPTE: number;
  /** Pages of the process in swap, kB (MM_SWAPENTS, REFERENCE §9.2). */
  VmSwap: number;
  /** Windows preset only: commit charge of the process (PrivateUsage), in BYTES like the Win32 API. */
  PrivateUsage?: number;
  /** Windows preset only: resident bytes (WorkingSetSize), in BYTES like the Win32 API. */
  WorkingSetSize?: number;
}

/** One mapping of a process as /proc/[pid]/smaps reports it (sizes in kB): what Process.smaps returns. */
export interface SmapsEntry {
  /** First address of the mapping. */
  start: number;
  /** Address just past the mapping. */
  end: number;
  /** The mapping's label ("[heap]" for brk), if any. */
  name?: string;
  /** The mapping's protection. */
  prot: Prot;
  /** Virtual size of the mapping, kB. */
  Size: number;
  /** Resident private pages of the mapping, kB (zero-page mappings excluded). */
  Rss: number;
  /** Resident anonymous pages, kB. */
  Anonymous: number;
  /** Resident memory in transparent huge pages, kB. */
  AnonHugePages: number;
  /** Pages of the mapping in swap, kB. */
  Swap: number;
  /** Pages MADV_FREE marked that are still resident, kB (REFERENCE §9.6). */
  LazyFree: number;
  /** 1 when a fault here may allocate a transparent huge page (THP mode, madvise and alignment allow it). */
  THPeligible: 0 | 1;
  /** The VMA's flags in smaps' two-letter words, e.g. "rd wr mr mw me ac". */
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
    VmSwap: kB(mm.swapPages * pageBytes),
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
    let swapped = 0;
    let lazy = 0;
    proc.mm.pageTable.forEachLeaf(vma.start, vma.end, (vaddr, entry, _node, index) => {
      if (isSwapEntry(entry)) swapped += pageBytes;
      else if (index >= 0 && machine.lazyFree.isLazy(entryPfn(entry), proc.pid, vaddr)) lazy += pageBytes;
      if (isZeroEntry(entry) || isSwapEntry(entry)) return; // smaps_pte_entry skips the zero page (REFERENCE §3.3)
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
      Swap: swapped / 1024,
      LazyFree: lazy / 1024,
      THPeligible: eligible ? 1 : 0,
      VmFlags: vmFlagsOf(vma),
    };
    if (vma.name !== undefined) entry.name = vma.name;
    return entry;
  });
}
