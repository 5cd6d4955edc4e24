// The capture lines that make up almost all of a file (allocations, frees, times) parsed straight
// from the read buffer's bytes: no string, no array of fields, no regular expression. The scanner
// accepts a line only when parseRecord (format.ts) would accept it and return the same values;
// anything else (another record, an odd byte, a number out of range) it declines, and the caller
// decodes the line and lets parseRecord parse it or say exactly what is wrong. So parseRecord
// stays the one judge of the format, and the scanner only has to be right about what it accepts.

/** scan() found an allocation line: `a id size address site`. */
export const SCANNED_ALLOC = 1;
/** scan() found a free line: `f id`. */
export const SCANNED_FREE = 2;
/** scan() found a time line: `t ms`. */
export const SCANNED_TIME = 3;

const SPACE = 0x20;
const NEWLINE = 0x0a;
const ZERO = 0x30;
const A = 0x61;
const F = 0x66;
const T = 0x74;

/** Each byte's value as a digit of the format's numbers, or -1: decimal digits, and hex digits (lower case only). */
function digitValues(hex: boolean): Int8Array {
  const values = new Int8Array(256).fill(-1);
  for (let d = 0; d < 10; d++) values[ZERO + d] = d;
  if (hex) for (let d = 10; d < 16; d++) values[A + d - 10] = d;
  return values;
}
const DECIMAL_DIGIT = digitValues(false);
const HEX_DIGIT = digitValues(true);

/**
 * Reads the hot record lines of a capture from bytes; the fields of the last line scanned stay on
 * it. The bytes must be followed by a byte that is no decimal or hex digit, space or newline
 * (LineReader keeps a 0 there), so the scanner stops at the end of the bytes without checking where that is.
 */
export class HotLineScanner {
  /** SCANNED_ALLOC, SCANNED_FREE or SCANNED_TIME: what the last accepted line was. */
  kind = 0;
  /** The allocation's id (alloc and free). */
  id = 0;
  /** Bytes requested (alloc). */
  size = 0;
  /** The address malloc returned (alloc). */
  address = 0;
  /** The call site (alloc). */
  site = 0;
  /** ms since the program started (time). */
  ms = 0;
  private value = 0;

  /**
   * Parses the line starting at `buffer[start]`. Returns the index after its newline, or -1 when
   * it declines the line (it is another kind, does not parse, or ends before its newline).
   */
  scan(buffer: Uint8Array, start: number): number {
    if (buffer[start + 1] !== SPACE) return -1;
    const tag = buffer[start];
    let i = start + 2;
    if (tag === A) {
      if ((i = this.decimal(buffer, i, SPACE)) < 0) return -1;
      this.id = this.value;
      if ((i = this.decimal(buffer, i, SPACE)) < 0) return -1;
      this.size = this.value;
      if ((i = this.hex(buffer, i, SPACE)) < 0) return -1;
      this.address = this.value;
      if ((i = this.decimal(buffer, i, NEWLINE)) < 0) return -1;
      this.site = this.value;
      this.kind = SCANNED_ALLOC;
      return i;
    }
    if (tag === F) {
      if ((i = this.decimal(buffer, i, NEWLINE)) < 0) return -1;
      this.id = this.value;
      this.kind = SCANNED_FREE;
      return i;
    }
    if (tag === T) {
      if ((i = this.decimal(buffer, i, NEWLINE)) < 0) return -1;
      this.ms = this.value;
      this.kind = SCANNED_TIME;
      return i;
    }
    return -1;
  }

  /**
   * A decimal field followed by `stop`, as format.ts's decimal() accepts it: digits, no leading
   * zero unless the number is 0, a safe integer. Each step is exact while the value stays safe,
   * and a value that grew past it cannot come back below, so the bound is checked once at the end.
   */
  private decimal(buffer: Uint8Array, i: number, stop: number): number {
    const first = i;
    let n = 0;
    for (let d = DECIMAL_DIGIT[buffer[i]]; d >= 0; d = DECIMAL_DIGIT[buffer[++i]]) n = n * 10 + d;
    if (i === first || buffer[i] !== stop || n > Number.MAX_SAFE_INTEGER || (buffer[first] === ZERO && i - first > 1)) return -1;
    this.value = n;
    return i + 1;
  }

  /**
   * A hex field followed by `stop`, as format.ts's address() accepts it: lower-case hex digits
   * (leading zeros allowed), a safe integer. Multiplying by 16 is exact, so the value is exact
   * until it passes the bound, where the scanner declines it. Not bitwise: addresses exceed 2**32.
   */
  private hex(buffer: Uint8Array, i: number, stop: number): number {
    const first = i;
    let n = 0;
    for (let d = HEX_DIGIT[buffer[i]]; d >= 0; d = HEX_DIGIT[buffer[++i]]) n = n * 16 + d;
    if (i === first || buffer[i] !== stop || n > Number.MAX_SAFE_INTEGER) return -1;
    this.value = n;
    return i + 1;
  }
}
