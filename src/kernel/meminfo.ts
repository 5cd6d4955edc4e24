// /proc/meminfo for the whole machine, in kB.

import type { Machine } from "./machine";
import { entryPfn, isZeroEntry } from "./pte";
import { userSpaceEnd } from "./mmap";

/** The machine's memory as /proc/meminfo reports it, in kB: what {@link Machine.meminfo} returns. */
export interface Meminfo {
  /** Physical memory, kB. */
  MemTotal: number;
  /** Physical memory no one uses, kB. */
  MemFree: number;
  /** Anonymous pages in use, each counted once however many processes share it (THP included). */
  AnonPages: number;
  /** Huge pages mapped by a PMD somewhere. */
  AnonHugePages: number;
  /** Every page-table page of every process. */
  PageTables: number;
  /** Swap space, kB. */
  SwapTotal: number;
  /** Swap space not in use, kB. */
  SwapFree: number;
  /** Commit limit under overcommit mode 2 (REFERENCE §3.6); Windows: RAM + page file. */
  CommitLimit: number;
  /** Memory charged by every process's accountable mappings. */
  Committed_AS: number;
  /** Windows preset only: the commit charge under its Windows name (same value as Committed_AS, kB). */
  CommitTotal?: number;
}

/** Returns the machine's meminfo figures. */
export function meminfoOf(machine: Machine): Meminfo {
  const pageKb = machine.preset.pageSize / 1024;
  const memory = machine.memory;
  const hugeHeads = new Set<number>();
  for (const proc of machine.processes) {
    proc.mm.pageTable.forEachLeaf(0, userSpaceEnd(machine), (_vaddr, entry, _node, index) => {
      if (index < 0 && !isZeroEntry(entry)) hugeHeads.add(entryPfn(entry));
    });
  }
  const tableFrames = machine.tableFrames; // 0 where the tables take no RAM (mm-policy.ts)
  const anonFrames = memory.usedFrames - memory.reservedFrames - tableFrames;
  const info: Meminfo = {
    MemTotal: memory.totalFrames * pageKb,
    MemFree: memory.freeFrames * pageKb,
    AnonPages: anonFrames * pageKb,
    AnonHugePages: (hugeHeads.size * machine.hugePageBytes) / 1024,
    PageTables: tableFrames * pageKb,
    SwapTotal: machine.preset.swapBytes / 1024,
    SwapFree: (machine.preset.swapBytes - (machine.swap?.usedSlots ?? 0) * machine.preset.pageSize) / 1024,
    CommitLimit: machine.commitLimitBytes() / 1024,
    Committed_AS: machine.committedBytes() / 1024,
  };
  if (machine.preset.os === "windows") info.CommitTotal = info.Committed_AS;
  return info;
}
