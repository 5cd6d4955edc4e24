// Writes a capture file a record at a time through a small buffer, counting the records for the
// end line. The file is written under a temporary name and renamed when whole, so a reader never
// sees half a capture under the final name.
import * as fs from "fs";
import { type CaptureMeta, type CaptureRecord, formatEnd, formatHeader, formatMeta, formatRecord } from "./format";

const FLUSH_BYTES = 1 << 16;

/** A capture file being written. */
export class CaptureWriter {
  private readonly fd: number;
  private readonly temporary: string;
  /** The descriptor is still ours to close (a second close could hit a descriptor reused since). */
  private open = true;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  /** Records written so far. */
  records = 0;

  constructor(readonly file: string, meta: CaptureMeta) {
    this.temporary = `${file}.partial`;
    this.fd = fs.openSync(this.temporary, "w");
    this.line(formatHeader());
    this.line(formatMeta(meta));
  }

  /** Appends one record. */
  write(record: CaptureRecord): void {
    this.records++;
    this.line(formatRecord(record));
  }

  /** Writes the end line and puts the file in place. */
  close(): void {
    this.line(formatEnd(this.records));
    this.flush();
    this.open = false;
    fs.closeSync(this.fd);
    fs.renameSync(this.temporary, this.file);
  }

  /** Gives up: closes the file and removes it (again is harmless). */
  abandon(): void {
    if (this.open) {
      this.open = false;
      fs.closeSync(this.fd);
    }
    fs.rmSync(this.temporary, { force: true });
  }

  private line(text: string): void {
    this.buffer.push(text, "\n");
    this.bufferedBytes += text.length + 1;
    if (this.bufferedBytes >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer.join(""));
    this.buffer = [];
    this.bufferedBytes = 0;
  }
}
