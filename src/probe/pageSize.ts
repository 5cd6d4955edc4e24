// The base page size, which indexes /proc/PID/pagemap: the smallest KernelPageSize in
// /proc/self/smaps, else `getconf PAGESIZE`.
import { execFileSync } from "child_process";
import * as path from "path";
import { ResolvedOptions } from "./options";
import { readTextOrNull } from "./procfs";

const cache = new Map<string, number | null>();

/** Returns the smallest KernelPageSize (bytes) listed in smaps text, or null if none is. */
export function smallestKernelPageSize(smapsText: string): number | null {
  let smallest: number | null = null;
  for (const m of smapsText.matchAll(/^KernelPageSize:\s+(\d+) kB$/gm)) {
    const bytes = Number(m[1]) * 1024;
    if (bytes > 0 && (smallest === null || bytes < smallest)) smallest = bytes;
  }
  return smallest;
}

function getconfPageSize(): number | null {
  try {
    const value = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8", timeout: 5000 }).trim());
    return Number.isInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

/** Returns the host's base page size in bytes (cached per procRoot), or null when neither source answers. */
export function basePageSize(opts: ResolvedOptions): number | null {
  if (!cache.has(opts.procRoot)) {
    const smaps = readTextOrNull(path.join(opts.procRoot, "self", "smaps"));
    const size = (smaps === null ? null : smallestKernelPageSize(smaps)) ?? getconfPageSize();
    cache.set(opts.procRoot, size);
  }
  return cache.get(opts.procRoot) ?? null;
}
