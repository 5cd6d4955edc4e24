// The real side of compareNumpy: a Python child (assets/python/numpy_steps.py) runs the statements
// with the real numpy and reports, per statement, what /proc said before and after. A missing
// interpreter or numpy is a skip with a reason; a statement that fails, or a child that hangs and
// is killed, is a StepFailedError naming the step.
import { spawnSync } from "child_process";
import * as path from "path";
import { StepFailedError } from "../errors";
import { pythonAsset, systemPython } from "./python";

export const NUMPY_CHILD_SCRIPT = pythonAsset("numpy_steps.py");
/** Long enough for the founding question's 2 GiB arrays on a slow virtual machine. */
export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_NOISE_REPEATS = 5;
const INSTALL_HINT = "install it with `apt-get install python3-numpy`, or set PAGELAB_NUMPY_PYTHON to a python that has numpy";
// numpy_steps.py exit codes
const EXIT_REFUSED = 2;
const EXIT_NO_NUMPY = 4;

/** Process-wide figures from /proc/self/status, smaps_rollup (kB) and getrusage. */
export interface RealCounters {
  /** Resident memory, kB (/proc/self/status). */
  VmRSS: number;
  /** Mapped virtual memory, kB. */
  VmSize: number;
  /** Resident anonymous memory, kB. */
  RssAnon: number;
  /** Resident memory in transparent huge pages, kB (smaps_rollup). */
  AnonHugePages: number;
  /** Minor faults so far (getrusage ru_minflt). */
  minorFaults: number;
}

/** Pagemap counts over a range of pages: present, and of those exclusive (private) or not (the zero page). */
export interface RealPageCounts {
  /** Pages in the range. */
  pages: number;
  /** Pages present in memory (pagemap bit 63). */
  present?: number;
  /** Present pages mapped only by this process (pagemap bit 56): the private ones. */
  exclusive?: number;
  /** Present pages that are not exclusive: the shared zero page, for untouched anonymous memory. */
  zeroPage?: number;
  /** Set when the range was too large to walk. */
  skipped?: string;
}

/** The array a statement names, as the real process holds it. */
export interface RealArray {
  /** The data pointer (a.ctypes.data). */
  address: number;
  /** Bytes of the elements (a.nbytes). */
  nbytes: number;
  /** The /proc/self/maps line holding the data (neighbouring anonymous mappings may be merged into it). */
  mapping: {
    /** First address of the mapping. */
    start: number;
    /** Address just past the mapping. */
    end: number;
    /** The permissions column, e.g. "rw-p". */
    perms: string;
    /** The path column: empty for anonymous memory, "[heap]" for brk. */
    path: string;
  } | null;
  /** The pages the array's bytes span. */
  array: RealPageCounts;
  /** The pages of the whole mapping holding the array. */
  mappingResidency?: RealPageCounts;
  /** The kernel's own smaps figures of that mapping, kB. */
  mappingSmaps?: {
    /** Rss of the mapping, kB; null when unreadable. */
    rssKb: number | null;
    /** AnonHugePages of the mapping, kB; null when unreadable. */
    anonHugeKb: number | null;
  };
}

/** One statement as the real Python child ran it, with /proc's figures before and after. */
export interface RealStep {
  /** The statement's position in the program, from 0. */
  index: number;
  /** The statement as written. */
  statement: string;
  /** The array the statement names, or null (pass). */
  name: string | null;
  /** The process's figures before the statement. */
  before: RealCounters;
  /** The process's figures after the statement. */
  after: RealCounters;
  /** The named array before the statement, or null when it did not exist yet. */
  arrayBefore: RealArray | null;
  /** The named array after the statement, or null when it no longer exists. */
  arrayAfter: RealArray | null;
  /** Wall time the statement took. */
  seconds: number;
}

/** What the empty statement moves: the interpreter's own noise. */
export interface InterpreterNoise {
  /** The largest VmRSS change, kB, the empty statement showed. */
  vmRssKb: number;
  /** The most minor faults the empty statement showed. */
  minorFaults: number;
  /** How many times the empty statement was measured. */
  repeats: number;
}

/** What the real Python child measured: the versions, the page size, the interpreter's own noise and every step. */
export interface RealNumpyRun {
  /** The interpreter that ran (its path). */
  interpreter: string;
  /** numpy's version. */
  numpy: string;
  /** Python's version. */
  python: string;
  /** numpy's MADV_HUGEPAGE switch, or null when this numpy has none. */
  madviseHugepage: boolean | null;
  /** The host's base page size in bytes. */
  pageSize: number;
  /** What the empty statement moves, to judge the steps against. */
  noise: InterpreterNoise;
  /** One entry per statement, in order. */
  steps: RealStep[];
  /** What the child wrote to stderr (numpy_steps.py writes nothing; a site hook or warning might). */
  stderr: string;
}

/** The real side of a comparison: the run, or why it was skipped (no interpreter, no numpy, not Linux). */
export type RealOutcome =
  | {
      /** The child ran every statement. */
      ok: true;
      /** What it measured. */
      run: RealNumpyRun;
    }
  | {
      /** The real side could not run here. */
      ok: false;
      /** Why, with a hint to fix it. */
      skipped: string;
    };

export interface ChildOptions {
  timeoutMs?: number;
  repeatsForNoise?: number;
  /** The interpreter to run (default: numpyInterpreter()). */
  interpreter?: string;
}

/** PAGELAB_NUMPY_PYTHON, else /usr/bin/python3 when it exists, else python3 on PATH. */
export function numpyInterpreter(): string {
  const chosen = process.env.PAGELAB_NUMPY_PYTHON;
  if (chosen !== undefined && chosen !== "") return chosen;
  return systemPython();
}

type ChildLine = { type: string; [key: string]: unknown };

function parseLines(stdout: string): ChildLine[] {
  const lines: ChildLine[] = [];
  for (const text of stdout.split("\n")) {
    if (text.trim() === "") continue;
    try {
      const value = JSON.parse(text) as unknown;
      if (value !== null && typeof value === "object" && typeof (value as ChildLine).type === "string") lines.push(value as ChildLine);
    } catch {
      // a partial last line of a killed child: the lines before it still tell where it was
    }
  }
  return lines;
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] ?? "";
}

/** Where the child was: the statement after the last one it reported. */
function stepInProgress(statements: readonly string[], steps: RealStep[]): { step: number | null; where: string } {
  if (steps.length === 0) return { step: null, where: "before its first statement (importing numpy or measuring the interpreter's noise)" };
  const last = steps[steps.length - 1].index;
  const next = last + 1;
  if (next >= statements.length) return { step: null, where: `after its last statement (statements[${last}] finished)` };
  return { step: next, where: `at statements[${next}] ${JSON.stringify(statements[next])} (statements[${last}] was the last to finish)` };
}

/**
 * Runs `statements` in a real Python with numpy. Returns the per-step figures, or a skip reason
 * when there is no interpreter or no numpy. Throws StepFailedError when a statement raises, the
 * child is killed after `timeoutMs`, or it stops without finishing.
 */
export function runNumpyChild(statements: readonly string[], options: ChildOptions = {}): RealOutcome {
  const interpreter = options.interpreter ?? numpyInterpreter();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const request = { statements, repeatsForNoise: options.repeatsForNoise ?? DEFAULT_NOISE_REPEATS };
  const result = spawnSync(interpreter, [NUMPY_CHILD_SCRIPT], {
    input: JSON.stringify(request),
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 2 ** 20,
  });
  const stdout = result.stdout ?? "";
  const stderr = result.stderr ?? "";
  const lines = parseLines(stdout);
  const steps = lines.filter((l) => l.type === "step") as unknown as RealStep[];
  const error: NodeJS.ErrnoException | undefined = result.error;

  if (error?.code === "ETIMEDOUT" || (result.signal === "SIGKILL" && error !== undefined)) {
    const { step, where } = stepInProgress(statements, steps);
    throw new StepFailedError(`the real Python (${interpreter}) was killed after ${timeoutMs / 1000} s (timeoutMs) ${where}`, step, step === null ? null : statements[step], "real");
  }
  if (error !== undefined && (!result.pid || error.code === "ENOENT" || error.code === "EACCES")) {
    return { ok: false, skipped: `no Python interpreter to run numpy: ${interpreter} cannot be started (${error.code ?? error.message}); ${INSTALL_HINT}` };
  }
  // EPIPE: the child exited before reading the request (a fake or broken python); judged by its exit below
  if (error !== undefined && error.code !== "EPIPE") {
    const { step, where } = stepInProgress(statements, steps);
    throw new StepFailedError(`the real Python (${interpreter}) broke off ${where}: ${error.message}`, step, step === null ? null : statements[step], "real");
  }
  const missing = lines.find((l) => l.type === "missing-numpy");
  if (missing !== undefined || result.status === EXIT_NO_NUMPY || (lines.length === 0 && /No module named '?numpy|ImportError|ModuleNotFoundError/.test(stderr))) {
    const why = missing ? String(missing.exception) : lastLine(stderr);
    return { ok: false, skipped: `${interpreter} has no numpy (${why}); ${INSTALL_HINT}` };
  }
  const failed = lines.find((l) => l.type === "error");
  if (failed !== undefined) {
    const step = typeof failed.index === "number" ? failed.index : null;
    const statement = typeof failed.statement === "string" ? failed.statement : null;
    const at = step === null ? "the request" : `statements[${step}] ${JSON.stringify(statement)}`;
    const verb = result.status === EXIT_REFUSED ? "refused" : "failed";
    throw new StepFailedError(`the real Python ${verb} ${at}: ${String(failed.exception)}`, step, statement, "real");
  }
  const done = lines.find((l) => l.type === "done");
  if (result.status !== 0 || done === undefined) {
    if (lines.length === 0) {
      // nothing was run: an interpreter that cannot run the child at all (too old, broken) is a skip
      return { ok: false, skipped: `${interpreter} could not run ${path.basename(NUMPY_CHILD_SCRIPT)} (exit ${result.status ?? result.signal}: ${lastLine(stderr) || "no output"}); ${INSTALL_HINT}` };
    }
    const { step, where } = stepInProgress(statements, steps);
    const how = result.signal ? `was ended by ${result.signal}` : `exited with status ${result.status}`;
    throw new StepFailedError(`the real Python (${interpreter}) ${how} ${where}${stderr ? `: ${lastLine(stderr)}` : ""}`, step, step === null ? null : statements[step], "real");
  }
  return {
    ok: true,
    run: {
      interpreter,
      numpy: String(done.numpy),
      python: String(done.python),
      madviseHugepage: typeof done.madviseHugepage === "boolean" ? done.madviseHugepage : null,
      pageSize: Number(done.pageSize),
      noise: done.noise as InterpreterNoise,
      steps,
      stderr,
    },
  };
}
