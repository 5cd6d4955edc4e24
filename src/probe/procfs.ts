// Synchronous, bounded reads of kernel files (synchronous so a notebook cell can use them
// without await). /proc files report size 0, so they are read to EOF, never by their stat size.
import * as fs from "fs";

/** Reads a whole (small) text file; returns null when it is missing or unreadable. */
export function readTextOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** Opens a file read-only; returns its descriptor, or the error that prevented opening it. */
export function openReadOnly(file: string): { fd: number } | { error: unknown } {
  try {
    return { fd: fs.openSync(file, "r") };
  } catch (error) {
    return { error };
  }
}

/**
 * Reads `buffer.length` bytes at byte `position` of an open file (pread), looping over short
 * reads. Returns the number of bytes read (less than asked only at end of file).
 */
export function preadFully(fd: number, buffer: Buffer, position: number): number {
  let done = 0;
  while (done < buffer.length) {
    const n = fs.readSync(fd, buffer, done, buffer.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Closes a descriptor, ignoring errors (the probe must never throw on cleanup). */
export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // nothing to do: the descriptor is gone either way
  }
}
