// Reading a text file one line at a time, synchronously and in bounded memory (one read buffer,
// which grows only to hold a line longer than itself), so a notebook cell can walk a capture of
// millions of records. LineReader hands out each line as a byte range of its buffer, so a caller
// can parse the bytes without making a string (capture/scan.ts); readLines decodes every line.
// The byte after the bytes read is always 0 (the buffer holds one byte more than it reads), so
// such a parser can stop at a byte it does not expect without checking where the bytes end.
import * as fs from "fs";

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** One line of a file: its text (no newline), its 1-based number, and whether a newline ended it. */
export interface Line {
  /** The line's text, decoded as UTF-8. */
  text: string;
  /** Its 1-based number. */
  number: number;
  /** Whether a newline ended it (false only for a last line cut short). */
  terminated: boolean;
}

/**
 * A file read in chunks into one buffer. The bytes not yet consumed are `buffer[pos, filled)`,
 * and `buffer[filled]` is 0; after nextLine() returns true the line is `buffer[start, end)`, its
 * newline (if any) excluded. A caller may consume bytes itself by moving `pos` past a newline it parsed.
 */
export class LineReader {
  /** The read buffer: the bytes read, then a 0. */
  buffer: Buffer;
  /** The first byte not consumed yet. */
  pos = 0;
  /** The end of the bytes read into the buffer. */
  filled = 0;
  /** The start of the line nextLine() found. */
  start = 0;
  /** The end of that line (its newline or the end of the file). */
  end = 0;
  /** Whether a newline ended that line (false only for a last line cut short). */
  terminated = true;
  private fd: number | null;
  private eof = false;

  /** Opens `file` for reading `chunkBytes` at a time (tests read a few bytes at a time to cross chunks often); close() (or reading to the end) closes it. */
  constructor(file: string, chunkBytes = CHUNK_BYTES) {
    this.fd = fs.openSync(file, "r");
    this.buffer = Buffer.alloc(chunkBytes + 1);
  }

  /** Finds the next line; false (and the file closed) when the file has no more. */
  nextLine(): boolean {
    let from = this.pos;
    for (;;) {
      const newline = from < this.filled ? this.buffer.indexOf(NEWLINE, from) : -1;
      if (newline >= 0 && newline < this.filled) return this.found(newline, true);
      if (this.eof) {
        if (this.pos < this.filled) return this.found(this.filled, false);
        this.close();
        return false;
      }
      from = this.filled - this.pos; // the bytes searched so far, where they are after refill
      this.refill();
    }
  }

  /** The current line decoded as UTF-8. */
  text(): string {
    return this.buffer.toString("utf8", this.start, this.end);
  }

  /** Closes the file (again is harmless); nextLine() then finds no more lines. */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.eof = true;
    this.pos = this.filled;
  }

  private found(end: number, terminated: boolean): true {
    this.start = this.pos;
    this.end = end;
    this.terminated = terminated;
    this.pos = terminated ? end + 1 : end;
    return true;
  }

  /** Moves the unconsumed bytes to the front (into a buffer twice as large when they fill it) and reads after them. */
  private refill(): void {
    const kept = this.filled - this.pos;
    const room = this.buffer.length - 1;
    if (kept === room) {
      const larger = Buffer.allocUnsafe(room * 2 + 1);
      this.buffer.copy(larger, 0, this.pos, this.filled);
      this.buffer = larger;
    } else {
      this.buffer.copyWithin(0, this.pos, this.filled);
    }
    this.pos = 0;
    this.filled = kept;
    const n = this.fd === null ? 0 : fs.readSync(this.fd, this.buffer, kept, this.buffer.length - 1 - kept, null);
    if (n === 0) this.eof = true;
    this.filled += n;
    this.buffer[this.filled] = 0;
  }
}

/** Yields the lines of `file` in order; the descriptor is closed when the walk ends or stops early. */
export function* readLines(file: string): Generator<Line> {
  const reader = new LineReader(file);
  try {
    for (let number = 1; reader.nextLine(); number++) yield { text: reader.text(), number, terminated: reader.terminated };
  } finally {
    reader.close();
  }
}
