// The capture layer's refusals: a capture file that does not parse, and a recorder that is missing.
import { InvalidArgumentError, UnsupportedError } from "../errors";

/**
 * A capture file that is malformed or cut short: `line` is the 1-based line where reading stopped
 * (for a truncated file, the line after the last one), `reason` says what was expected there.
 * @example
 * ```ts
 * try { capture.load("prog.capture"); } catch (e) { if (e instanceof capture.CaptureFormatError) console.log(e.line, e.reason); }
 * ```
 */
export class CaptureFormatError extends InvalidArgumentError {
  constructor(
/** The capture file. */
    readonly file: string,
/** The 1-based line where reading stopped. */
    readonly line: number,
/** What was wrong there. */
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/**
 * A capture file that cannot be read as one: a directory or other non-file, a file the system
 * will not read (`reason` gives the errno code), or a file that is gone or changed since
 * capture.load() checked it (its records are read again from the file at every walk).
 * @example
 * ```ts
 * try { capture.replay(c); } catch (e) { if (e instanceof capture.CaptureFileError) console.log(e.file, e.reason); }
 * ```
 */
export class CaptureFileError extends InvalidArgumentError {
  /** @internal Thrown by load(), records() and replay(); not made by callers. */
  constructor(
/** The call that read the file, e.g. "capture.load(file)". */
    where: string,
/** The capture file. */
    readonly file: string,
/** Why it cannot be read, e.g. "is a directory, not a capture file". */
    readonly reason: string,
  ) {
    super(`${where}: ${JSON.stringify(file)} ${reason}`);
  }
}

/** A program capture needs (heaptrack, strace, a Python) is not installed; the message gives the install command. */
export class CaptureToolMissingError extends UnsupportedError {
  /** @internal Thrown by capture(); not made by callers. */
  constructor(
/** The missing tool. */
    readonly tool: string,
/** The command that installs it (Debian). */
    readonly installCommand: string,
  ) {
    super(`pagelab capture needs ${tool}, which is not installed here; install it with \`${installCommand}\``);
  }
}
