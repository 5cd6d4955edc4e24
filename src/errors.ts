// One error hierarchy for the whole simulator, so a notebook can tell a student's typo
// (InvalidArgumentError) from what the simulated system refuses (OutOfMemoryError) or
// punishes (SegmentationFault, ProcessKilledError).

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
  | "step-failed";

export class PagelabError extends Error {
  constructor(readonly kind: PagelabErrorKind, message: string) {
    super(message);
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

/** Something this platform or host cannot do (e.g. the probe off Linux). */
export class UnsupportedError extends PagelabError {
  constructor(message: string) {
    super("unsupported", message);
  }
}

/** Formats a value for an error message: numbers in decimal and, when large, hex. */
export function describeValue(value: unknown): string {
  if (typeof value === "number") {
    if (Number.isInteger(value) && Math.abs(value) >= 4096) return `${value} (0x${value.toString(16)})`;
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
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

/** Which side of a real-versus-simulated comparison a step failed on. */
export type ComparisonSide = "real" | "simulator";

/**
 * A step of a real-versus-simulated comparison failed: its statement raised, or the real run was
 * killed or broke off while running it. `step` is the statement's index (null when the run failed
 * before any statement), `statement` its text.
 */
export class StepFailedError extends PagelabError {
  constructor(
    message: string,
    readonly step: number | null,
    readonly statement: string | null,
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
