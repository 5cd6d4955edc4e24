// Shared helpers of the probe tests: a fake /proc tree in a temp folder, and the 256 MiB experiment.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Creates a temp folder holding `files` (path -> text) and returns its path. */
export function fakeRoot(files: Record<string, string | Buffer> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-probe-"));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  return root;
}

/** Writes 64-bit little-endian entries at entry index `index` of a (sparse) file. */
export function writeEntries(file: string, index: number, entries: readonly bigint[]): void {
  const buffer = Buffer.alloc(entries.length * 8);
  entries.forEach((e, i) => buffer.writeBigUInt64LE(e, i * 8));
  const fd = fs.openSync(file, fs.existsSync(file) ? "r+" : "w+");
  try {
    fs.writeSync(fd, buffer, 0, buffer.length, index * 8);
  } finally {
    fs.closeSync(fd);
  }
}

// pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst)
export const PRESENT = 1n << 63n;
export const SWAPPED = 1n << 62n;
export const FILE = 1n << 61n;
export const EXCLUSIVE = 1n << 56n;
// kpageflags bits
export const KPF_THP = 1n << 22n;
export const KPF_ZERO_PAGE = 1n << 24n;
