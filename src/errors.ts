// One error hierarchy for the whole simulator, so a notebook can tell a student's typo
// (InvalidArgumentError) from what the simulated system refuses (OutOfMemoryError) or
// punishes (SegmentationFault, ProcessKilledError).

/**
 * The machine-readable kind of a {@link PagelabError}, one per subclass: test `error.kind` instead of matching the
 * message.
 */
export type PagelabErrorKind =
  | "invalid-argument"
  | "out-of-memory"
  | "segmentation-fault"
  | "process-killed"
  | "process-exited"
  | "index-error"
  | "value-error"
  | "memory-error"
  | "unsupported"
  | "use-after-free"
  | "heap-corruption"
  | "internal-check"
  | "claim-failed"
  | "step-failed";

/**
 * The base class of every refusal pagelab makes. Catch it to tell the simulator's errors from a notebook's own bugs;
 * each subclass names one reason, and `kind` says which.
 * @example
 * ```ts
 * try {
 *   new Machine().spawn().touch(0x1000, 1, "read"); // nothing is mapped there
 * } catch (e) {
 *   if (e instanceof PagelabError) console.log(e.kind, e.message); // "segmentation-fault", ...
 * }
 * ```
 */
export class PagelabError extends Error {
  /**
   * @param kind - Which refusal this is (the subclass's kind).
   * @param message - What was refused and why, naming the expected type or value.
   */
  constructor(readonly kind: PagelabErrorKind, message: string) {
    super(typeof message === "string" ? message : describeValue(message));
    this.name = new.target.name;
  }
}

/** A caller passed a bad value: the message names the argument and the value. */
export class InvalidArgumentError extends PagelabError {
  constructor(message: string) {
    super("invalid-argument", message);
  }
}

/** The simulated system refused memory (mmap ENOMEM, overcommit, allocator failure). */
export class OutOfMemoryError extends PagelabError {
  constructor(message: string) {
    super("out-of-memory", message);
  }
}

/** An access outside any mapping or against its protection. */
export class SegmentationFault extends PagelabError {
  /**
   * @param message - What was accessed and why it was refused.
   * @param address - The faulting virtual address (si_addr).
   */
  constructor(message: string, readonly address: number) {
    super("segmentation-fault", message);
  }
}

/** The process was killed (OOM killer) and can no longer run. */
export class ProcessKilledError extends PagelabError {
  constructor(message: string) {
    super("process-killed", message);
  }
}

/** An array (or other buffer) was used or freed again after free() released its memory. */
export class UseAfterFreeError extends PagelabError {
  constructor(message: string) {
    super("use-after-free", message);
  }
}

/** A call on a process that has exited: it has no memory left to ask about or act on. */
export class ProcessExitedError extends PagelabError {
  constructor(message: string) {
    super("process-exited", message);
  }
}

/**
 * The allocator found a pointer it never handed out, a double free or a corrupt heap: where glibc
 * prints its message ("free(): invalid pointer", "double free or corruption (top)") and aborts.
 * @example
 * ```ts
 * try { libcOf(proc).free(12345); } catch (e) { if (e instanceof HeapCorruptionError) console.log(e.message); }
 * ```
 */
export class HeapCorruptionError extends PagelabError {
  constructor(message: string) {
    super("heap-corruption", message);
  }
}

/**
 * A consistency check of the simulator itself failed (machine.check(), an allocator's check(), a
 * frame's reference count): a bug in pagelab, not in the caller's program.
 */
export class InternalCheckError extends PagelabError {
  constructor(message: string) {
    super("internal-check", message);
  }
}

/** Something this platform or host cannot do (e.g. the probe off Linux). */
export class UnsupportedError extends PagelabError {
  constructor(message: string) {
    super("unsupported", message);
  }
}

/** Formats a value for an error message: numbers in decimal and, when large, hex. */
export function describeValue(value: unknown): string {
  if (typeof value === "number") {
    if (Number.isInteger(value) && Math.abs(value) >= 4096) return `${value} (${value < 0 ? "-" : ""}0x${Math.abs(value).toString(16)})`;
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return `a symbol ${value.toString()}`;
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null) return describeObject(value);
  return String(value);
}

/**
 * An object for an error message: a small array or plain object as JSON (shortened), anything
 * larger or made by a class by its kind only, so a message never serializes a whole machine.
 */
function describeObject(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value) ? value.length > 16 : proto !== Object.prototype && proto !== null) {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    return Array.isArray(value) ? `an array of ${value.length} items` : `an object (${typeof ctor?.name === "string" ? ctor.name : "no class"})`;
  }
  const kind = Array.isArray(value) ? "an array" : "an object";
  let json: string | undefined;
  try {
    json = JSON.stringify(value, (key, v: unknown) => {
      if (typeof v === "bigint") return `${v}n`;
      // nested class instances and long arrays by their kind only (the top level is checked above)
      if (key !== "" && typeof v === "object" && v !== null && (Array.isArray(v) ? v.length > 16 : ![Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null))) {
        return Array.isArray(v) ? `[${v.length} items]` : `[${(v as { constructor?: { name?: string } }).constructor?.name ?? "object"}]`;
      }
      return v;
    });
  } catch {
    json = undefined; // a cycle: name the kind only
  }
  if (json === undefined) return kind;
  return `${kind} ${json.length > 60 ? `${json.slice(0, 57)}...` : json}`;
}

/** numpy's IndexError (an index outside an axis), with numpy's wording. */
export class IndexError extends PagelabError {
  constructor(message: string) {
    super("index-error", message);
  }
}

/** numpy's ValueError (shapes that do not fit, a zero slice step...), with numpy's wording. */
export class ValueError extends PagelabError {
  constructor(message: string) {
    super("value-error", message);
  }
}

/** numpy's MemoryError (the allocator returned NULL), with numpy's wording. */
export class MemoryError extends PagelabError {
  constructor(message: string) {
    super("memory-error", message);
  }
}

/** Which side of a real-versus-simulated comparison a step failed on. @inline */
export type ComparisonSide = "real" | "simulator";

/**
 * A step of a real-versus-simulated comparison failed: its statement raised, or the real run was
 * killed or broke off while running it. `step` is the statement's index (null when the run failed
 * before any statement), `statement` its text.
 */
export class StepFailedError extends PagelabError {
  constructor(
    message: string,
    /** The index of the statement that failed, or null when the run failed before any statement. */
    readonly step: number | null,
    /** The text of the statement that failed, or null when there was none. */
    readonly statement: string | null,
    /** Which run failed: the real process or the simulator. */
    readonly side: ComparisonSide,
  ) {
    super("step-failed", message);
  }
}

/** Edit distance between two short names (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * " (did you mean "x"?)" for the known name nearest to `name` (case-insensitive edit distance at
 * most 2, or one name containing the other), else "". For messages about an unknown option or name.
 */
export function didYouMean(name: string, known: Iterable<string>): string {
  const wanted = name.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const distance = c.includes(wanted) || wanted.includes(c) ? 1 : editDistance(wanted, c);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== null && bestDistance <= 2 ? ` (did you mean ${JSON.stringify(best)}?)` : "";
}

/**
 * Array.isArray that keeps the element type: the built-in narrows a `readonly T[]` (or unknown)
 * to `any[]`, which lets untyped values through every check after it.
 */
export const isArray: (value: unknown) => value is readonly unknown[] = Array.isArray;
