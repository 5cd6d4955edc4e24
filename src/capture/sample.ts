// A residency sample of another process: VmRSS and VmSize from /proc/PID/status, and which pages
// of its private anonymous memory (the heap and anonymous mappings, where malloc's memory lives)
// are present, from /proc/PID/pagemap (REFERENCE §3.5). Reading another process's pagemap needs
// the same user (PTRACE_MODE_READ), not root: without CAP_SYS_ADMIN only the frame numbers are hidden.
import * as fs from "fs";
import { parseMaps, type Vma } from "../probe/maps";
import { PAGE_EXCLUSIVE, PAGE_PRESENT, readPagemap } from "../probe/pagemap";
import { closeQuietly, openReadOnly } from "../probe/procfs";
import type { PageRun } from "./format";

/** What one sample saw. */
export interface ProcessSample {
  vmRssKb: number;
  vmSizeKb: number;
  resident: PageRun[];
}

function statusField(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** The heap and private anonymous writable mappings: what malloc's memory is made of. */
export function isAnonymousHeapMemory(vma: Vma): boolean {
  return vma.perms === "rw-p" && vma.inode === 0 && (vma.path === "" || vma.path === "[heap]");
}

// A page of its own: present and mapped by this process only. The shared zero page, which an
// untouched page that was read maps, is present but not exclusive (REFERENCE §3.5, §12.3).
const OWN_PAGE = PAGE_PRESENT | PAGE_EXCLUSIVE;
const own = (flag: number): boolean => (flag & OWN_PAGE) === OWN_PAGE;

/** Appends the process's own resident pages of `flags` (starting at vpn `first`) to `runs`, merging adjacent runs. */
function appendRuns(runs: [number, number][], first: number, flags: Uint8Array): void {
  let i = 0;
  while (i < flags.length) {
    if (!own(flags[i])) {
      i++;
      continue;
    }
    const start = i;
    while (i < flags.length && own(flags[i])) i++;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] + last[1] === first + start) last[1] += i - start;
    else runs.push([first + start, i - start]);
  }
}

/** Samples process `pid`; null when it is gone (or its /proc files cannot be read). */
export function sampleProcess(pid: number, pageSize: number): ProcessSample | null {
  let status: string;
  let maps: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    maps = fs.readFileSync(`/proc/${pid}/maps`, "utf8");
  } catch {
    return null;
  }
  const opened = openReadOnly(`/proc/${pid}/pagemap`);
  if (!("fd" in opened)) return null;
  const runs: [number, number][] = [];
  try {
    for (const vma of parseMaps(maps).filter(isAnonymousHeapMemory)) {
      const first = vma.start / pageSize;
      appendRuns(runs, first, readPagemap(opened.fd, first, (vma.end - vma.start) / pageSize).flags);
    }
  } catch {
    return null;
  } finally {
    closeQuietly(opened.fd);
  }
  return { vmRssKb: statusField(status, "VmRSS"), vmSizeKb: statusField(status, "VmSize"), resident: runs };
}
