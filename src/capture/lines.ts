// Reading a text file one line at a time, synchronously and in bounded memory (a chunk and the
// line being assembled), so a notebook cell can walk a capture of millions of records.
import * as fs from "fs";

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** One line of a file: its text (no newline), its 1-based number, and whether a newline ended it. */
export interface Line {
  text: string;
  number: number;
  terminated: boolean;
}

/** Yields the lines of `file` in order; the descriptor is closed when the walk ends or stops early. */
export function* readLines(file: string): Generator<Line> {
  const fd = fs.openSync(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let pending: Buffer[] = [];
    let number = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      let start = 0;
      for (let i = buffer.indexOf(NEWLINE, 0); i >= 0 && i < n; i = buffer.indexOf(NEWLINE, start)) {
        const piece = buffer.subarray(start, i);
        const text = pending.length === 0 ? piece.toString("utf8") : Buffer.concat([...pending, piece]).toString("utf8");
        pending = [];
        start = i + 1;
        yield { text, number: ++number, terminated: true };
      }
      if (start < n) pending.push(Buffer.from(buffer.subarray(start, n)));
    }
    if (pending.length > 0) yield { text: Buffer.concat(pending).toString("utf8"), number: ++number, terminated: false };
  } finally {
    fs.closeSync(fd);
  }
}
