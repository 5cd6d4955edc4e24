// /proc/self/maps: the process's virtual memory areas (VMAs), one line each, and what changed
// between two snapshots — how the probe finds the mapping a fresh allocation landed in.
import * as path from "path";
import { ResolvedOptions } from "./options";
import { readTextOrNull } from "./procfs";

/** One line of /proc/PID/maps. */
export interface Vma {
  start: number;
  end: number;
  /** "rw-p", "r-xp", "---p", ... */
  perms: string;
  offset: number;
  inode: number;
  /** "" for anonymous memory, "[heap]", "[stack]", or a file path. */
  path: string;
}

/** A half-open virtual address range [start, end). */
export interface MappingRange {
  /** First address of the range. */
  start: number;
  /** Address just past the range. */
  end: number;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+\S+\s+(\d+)\s*(.*)$/;

/** Parses the text of /proc/PID/maps; lines that do not parse are skipped. */
export function parseMaps(text: string): Vma[] {
  const vmas: Vma[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    vmas.push({
      start: parseInt(m[1], 16),
      end: parseInt(m[2], 16),
      perms: m[3],
      offset: parseInt(m[4], 16),
      inode: Number(m[5]),
      path: m[6].trim(),
    });
  }
  return vmas;
}

/** Reads and parses <procRoot>/self/maps; returns null when it cannot be read. */
export function readMaps(opts: ResolvedOptions): Vma[] | null {
  const text = readTextOrNull(path.join(opts.procRoot, "self", "maps"));
  return text === null ? null : parseMaps(text);
}

/** True for the kind of VMA malloc's mmap creates: private, anonymous, readable and writable. */
export function isPrivateAnonymousWritable(vma: Vma): boolean {
  return vma.perms === "rw-p" && vma.inode === 0 && vma.path === "";
}

function sameVma(a: Vma, b: Vma): boolean {
  return a.start === b.start && a.end === b.end && a.perms === b.perms && a.inode === b.inode && a.path === b.path;
}

/** A stretch of address space that appeared between two maps snapshots, and the VMA now holding it. */
export interface NewRegion extends MappingRange {
  vma: Vma;
}

/**
 * Lists the address ranges of private anonymous writable VMAs in `after` that no VMA of `before`
 * covered: a fresh mmap, or the part a VMA grew by (the kernel merges a new anonymous mmap into
 * an adjacent compatible VMA, so a fresh chunk often shows up as a neighbour growing).
 */
export function regionsNewIn(before: readonly Vma[], after: readonly Vma[]): NewRegion[] {
  const regions: NewRegion[] = [];
  for (const vma of after) {
    if (!isPrivateAnonymousWritable(vma) || before.some((old) => sameVma(old, vma))) continue;
    const covering = before
      .filter((old) => old.start < vma.end && old.end > vma.start)
      .sort((a, b) => a.start - b.start);
    let cursor = vma.start;
    for (const old of covering) {
      if (old.start > cursor) regions.push({ start: cursor, end: old.start, vma });
      cursor = Math.max(cursor, old.end);
    }
    if (cursor < vma.end) regions.push({ start: cursor, end: vma.end, vma });
  }
  return regions;
}
