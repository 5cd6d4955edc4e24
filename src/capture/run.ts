// capture(argv): runs a program under the recorders and writes one capture file.
//   strace -f -ttt -e trace=%memory    the memory system calls (REFERENCE §12.3)
//   heaptrack's preload library        every malloc-family call, with the caller's address
//   this process, every intervalMs     VmRSS, VmSize and the resident anonymous pages (sample.ts)
// A Python script runs under assets/python/capture_runner.py, which marks its lines in those
// streams so allocations get Python line numbers and samples fall between known lines.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { InvalidArgumentError, PagelabError, UnsupportedError, describeValue, isArray } from "../errors";
import { Machine, type MachineOptions } from "../kernel";
import { checkOptions, optionalBoolean, requireInteger } from "../validate";
import { hostMachineOptions } from "../probe/from-host";
import { errorCode, resolveOptions } from "../probe/options";
import { basePageSize } from "../probe/pageSize";
import { pythonAsset } from "../probe/python";
import { CAPTURE_VERSION, type CaptureMeta, type SyncKind } from "./format";
import { type AnnouncedSync, mergeCapture, type TakenSample } from "./merge";
import { sampleProcess } from "./sample";
import { CaptureFileError } from "./errors";
import { findRecorders } from "./tools";

/** Progress while the program runs (about once a second). */
export interface RunningProgress {
  /** Always "running". */
  phase: "running";
  /** Seconds since the program started. */
  seconds: number;
  /** Residency samples taken so far. */
  samples: number;
  /** Sync markers so far. */
  syncMarkers: number;
  /** VmRSS at the last sample, kB (null before the first). */
  vmRssKb: number | null;
}

/** Progress while the capture file is written. */
export interface WritingProgress {
  /** Always "writing". */
  phase: "writing";
  /** Lines of heaptrack's stream read so far. */
  heaptrackLines: number;
}

/** The capture file is written. */
export interface DoneProgress {
  /** Always "done". */
  phase: "done";
  /** The capture file. */
  file: string;
  /** Records it holds. */
  records: number;
}

/** Progress of a capture: while the program runs, then while the file is written. */
export type CaptureProgress = RunningProgress | WritingProgress | DoneProgress;

/** Options of capture(). */
export interface CaptureOptions {
  /** The capture file to write (default: "<script or program name>.capture" in the working directory). */
  output?: string;
  /** Period of the residency samples, ms (default 100; 0: only at sync markers). */
  intervalMs?: number;
  /** A sync marker (and a sample) before each top-level line of a Python script (default true). */
  syncEachLine?: boolean;
  /** At most this many line sync markers (default 2000); pagelab_mark() calls are always kept. */
  maxSyncMarkers?: number;
  /** Called about once a second while the program runs, and while the file is written. */
  onProgress?: (progress: CaptureProgress) => void;
  /** The program's output: collected (default, the result holds its tail) or passed through to this process's. */
  stdio?: "collect" | "inherit";
  /** The Machine options recorded for replay (default: this host's twin, from probe.hostFacts()). */
  machine?: MachineOptions;
  /** The program is killed after this many ms (default: no limit). */
  timeoutMs?: number;
}

/** What capture() returns: where the file is and how the program ended. */
export interface CaptureResult {
  /** The capture file written. */
  file: string;
  /** The exit status (null when a signal ended it). */
  status: number | null;
  /** The signal that ended it ("SIGSEGV"), or null. */
  signal: string | null;
  /** "exited with status 0", "killed by SIGSEGV", ... */
  message: string;
  /** Records in the file. */
  records: number;
  /** Residency samples taken. */
  samples: number;
  /** Sync markers recorded. */
  syncMarkers: number;
  /** Wall-clock seconds, the file's writing included. */
  seconds: number;
  /** The last 64 KiB of the program's stdout and stderr (empty with stdio "inherit"). */
  output: string;
}

const OUTPUT_TAIL = 64 * 1024;
const PYTHON_NAME = /^python[0-9.]*$/;

/**
 * The interpreter binary behind `python` as named: a launcher such as a pyenv shim is a shell
 * script that execs the real one, and heaptrack's preload library would record the shell instead
 * of Python (a near-empty capture that still exits 0). Python reports its own binary.
 */
function realInterpreter(named: string): string {
  try {
    const found = execFileSync(named, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8", timeout: 10_000 }).trim();
    return found === "" ? named : found;
  } catch {
    return named; // the run itself reports a missing interpreter, with its own message
  }
}

/** True when argv runs a Python script: then the runner marks its lines. */
export function isPythonScript(argv: readonly string[]): boolean {
  return argv.length >= 2 && PYTHON_NAME.test(path.basename(argv[0])) && argv[1].endsWith(".py");
}

function defaultOutput(argv: readonly string[]): string {
  const named = isPythonScript(argv) ? argv[1] : argv[0];
  return path.resolve(`${path.basename(named).replace(/\.py$/, "")}.capture`);
}

function recordedMachine(pageSize: number): MachineOptions {
  try {
    return hostMachineOptions();
  } catch {
    return { preset: pageSize === 65536 ? "linux-arm64-64k" : "linux-x86_64", pageSize };
  }
}

function requireArgv(argv: unknown): string[] {
  if (!isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string" && a !== "")) {
    throw new InvalidArgumentError(`capture(argv): argv must be a non-empty array of strings (the command line), got ${describeValue(argv)}`);
  }
  return [...argv] as string[];
}

const CAPTURE_OPTION_KEYS = ["output", "intervalMs", "syncEachLine", "maxSyncMarkers", "onProgress", "stdio", "machine", "timeoutMs"] as const;

/**
 * Checks capture()'s options before the program runs: a wrong one found later would cost the
 * whole run (an output path that cannot be written fails only when the file is written, a bad
 * machine only at replay).
 */
function checkCaptureOptions(options: CaptureOptions): void {
  const where = "capture(argv, options)";
  checkOptions(where, options, CAPTURE_OPTION_KEYS);
  const { output, intervalMs, maxSyncMarkers, onProgress, stdio, machine, timeoutMs } = options;
  if (output !== undefined && (typeof output !== "string" || output === "")) {
    throw new InvalidArgumentError(`${where}: options.output must be a file path, got ${describeValue(output)}`);
  }
  if (intervalMs !== undefined && (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs < 0)) {
    throw new InvalidArgumentError(`${where}: options.intervalMs must be a number >= 0, got ${describeValue(intervalMs)}`);
  }
  optionalBoolean(where, "options.syncEachLine", options.syncEachLine);
  if (maxSyncMarkers !== undefined) requireInteger(where, "options.maxSyncMarkers", maxSyncMarkers, 0, 2 ** 31 - 1, "[0, 2**31 - 1]");
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new InvalidArgumentError(`${where}: options.onProgress must be a function (progress) => void, got ${describeValue(onProgress)}`);
  }
  if (stdio !== undefined && stdio !== "collect" && stdio !== "inherit") {
    throw new InvalidArgumentError(`${where}: options.stdio must be "collect" or "inherit", got ${describeValue(stdio)}`);
  }
  if (timeoutMs !== undefined) requireInteger(where, "options.timeoutMs", timeoutMs, 1, 2 ** 31 - 1, "[1, 2**31 - 1] (ms)");
  if (machine !== undefined) {
    // the options are written into the file as JSON (a function such as mmu is lost) and replay builds the machine from them
    if (machine !== null && typeof machine === "object" && "mmu" in machine) {
      throw new InvalidArgumentError(`${where}: options.machine cannot hold mmu (a function is not recorded in the capture file); give cpu instead`);
    }
    try {
      new Machine(machine);
    } catch (e) {
      if (e instanceof PagelabError) throw new InvalidArgumentError(`${where}: options.machine: ${e.message.replace(/^Machine: /, "")}`);
      throw e;
    }
  }
}

/** Checks that the capture file `output` (options.output, or the default) can be written, before the program runs. */
function checkOutput(output: string): void {
  const where = "capture(argv, options)";
  if (fs.existsSync(output) && fs.statSync(output).isDirectory()) throw new InvalidArgumentError(`${where}: the output ${JSON.stringify(output)} is a directory; name the capture file in it (options.output)`);
  try {
    fs.accessSync(path.dirname(output), fs.constants.W_OK);
  } catch (e) {
    throw new InvalidArgumentError(`${where}: the output ${JSON.stringify(output)} cannot be written: its folder is not writable (${errorCode(e)})`);
  }
}

/**
 * Runs `argv` under strace and heaptrack, samples its residency, and writes a capture file.
 * Resolves when the program has ended and the file is written, also when the program failed:
 * its status and what was captured until then are in the result and the file.
 * Throws CaptureToolMissingError (with the install command) when a recorder is missing,
 * UnsupportedError off Linux, InvalidArgumentError for a wrong argv or option (before anything runs).
 * @example
 * ```ts
 * const r = await capture.capture(["python3", "prog.py"], { onProgress: (p) => console.log(p.phase) });
 * const c = capture.load(r.file);
 * ```
 */
export async function capture(argv: readonly string[], options: CaptureOptions = {}): Promise<CaptureResult> {
  const command = requireArgv(argv);
  checkCaptureOptions(options);
  const output = path.resolve(options.output ?? defaultOutput(command));
  checkOutput(output);
  if (process.platform !== "linux") throw new UnsupportedError(`capture needs Linux: it reads /proc and runs strace (this is ${process.platform})`);
  const recorders = findRecorders();
  const intervalMs = options.intervalMs ?? 100;
  const python = isPythonScript(command);
  const pageSize = basePageSize(resolveOptions("capture", undefined)) ?? 4096;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-capture-"));
  try {
    const heaptrackFile = path.join(work, "heaptrack.raw");
    const straceFile = path.join(work, "strace.txt");
    const sitesFile = python ? path.join(work, "sites.txt") : null;
    const socketPath = path.join(work, "control.sock");
    const started = Date.now();
    const samples: TakenSample[] = [];
    const syncs: AnnouncedSync[] = [];
    let pid: number | null = null;
    let lastRss: number | null = null;
    const take = (seq: number): void => {
      if (pid === null) return;
      const s = sampleProcess(pid, pageSize);
      if (s === null) return;
      lastRss = s.vmRssKb;
      samples.push({ ...s, seq, epochMs: Date.now() });
    };

    const server = net.createServer((socket) => {
      let buffered = "";
      socket.on("data", (chunk) => {
        buffered += chunk.toString("utf8");
        for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const parts = line.split(" ");
          if (parts[0] === "hello") pid = Number(parts[1]);
          else if (parts[0] === "sync") {
            const seq = Number(parts[1]);
            const label = line.split(" ").slice(4).join(" ");
            syncs.push({ seq, sync: parts[2] as SyncKind, site: Number(parts[3]), label: JSON.parse(label) as string });
            take(seq);
          }
          socket.write("ok\n");
        }
      });
      socket.on("error", () => undefined);
    });
    if (python) await new Promise<void>((resolve) => server.listen(socketPath, resolve));

    const traced = python ? [realInterpreter(command[0]), pythonAsset("capture_runner.py"), ...command.slice(1)] : command;
    const args = ["-f", "-ttt", "-qq", "-e", "trace=%memory", "-o", straceFile,
      "-E", `LD_PRELOAD=${recorders.heaptrackPreload}`, "-E", `DUMP_HEAPTRACK_OUTPUT=${heaptrackFile}`, "--", ...traced];
    const env: NodeJS.ProcessEnv = { ...process.env, PAGELAB_CAPTURE_SOCKET: socketPath, PAGELAB_CAPTURE_SYNC_LINES: options.syncEachLine === false ? "0" : "1", PAGELAB_CAPTURE_MAX_SYNC: String(options.maxSyncMarkers ?? 2000) };
    if (sitesFile !== null) env.PAGELAB_CAPTURE_SITES = sitesFile;
    const collect = options.stdio !== "inherit";
    const child = spawn(recorders.strace, args, { env, stdio: collect ? ["inherit", "pipe", "pipe"] : "inherit" });
    let outputTail = "";
    const keep = (chunk: Buffer): void => {
      outputTail = (outputTail + chunk.toString("utf8")).slice(-OUTPUT_TAIL);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const timer = intervalMs > 0 ? setInterval(() => take(0), intervalMs) : null;
    const progress = setInterval(() => options.onProgress?.({ phase: "running", seconds: (Date.now() - started) / 1000, samples: samples.length, syncMarkers: syncs.length, vmRssKb: lastRss }), 1000);
    const killer = options.timeoutMs === undefined ? null : setTimeout(() => {
      if (pid !== null) process.kill(pid, "SIGKILL");
      child.kill("SIGKILL");
    }, options.timeoutMs);
    if (!python) child.once("spawn", () => (pid = child.pid ?? null));
    const ended = await new Promise<{ status: number | null; signal: string | null; error: Error | null }>((resolve) => {
      child.once("error", (error) => resolve({ status: null, signal: null, error }));
      child.once("close", (status, signal) => resolve({ status, signal, error: null }));
    });
    for (const t of [timer, progress]) if (t !== null) clearInterval(t);
    if (killer !== null) clearTimeout(killer);
    server.close();
    if (ended.error !== null) throw new UnsupportedError(`capture: could not start ${recorders.strace}: ${ended.error.message}`);
    const message = ended.signal !== null ? `killed by ${ended.signal}` : `exited with status ${ended.status}`;
    const meta: CaptureMeta = {
      program: command,
      started: new Date(started).toISOString(),
      host: os.hostname(),
      pageSize,
      machine: options.machine ?? recordedMachine(pageSize),
      pythonLines: python,
      intervalMs,
      tools: { strace: recorders.strace, heaptrack: recorders.heaptrackPreload, format: String(CAPTURE_VERSION) },
    };
    if (!fs.existsSync(heaptrackFile)) fs.writeFileSync(heaptrackFile, "");
    let records: number;
    try {
      records = mergeCapture(output, meta, {
        heaptrackFile, straceFile, sitesFile, pid: python ? pid : null, syncs, samples,
        exit: { status: ended.status, signal: ended.signal, message },
        onProgress: (lines) => options.onProgress?.({ phase: "writing", heaptrackLines: lines }),
      });
    } catch (e) {
      // the output was checked before the run; its folder or name changed while the program ran
      if (e instanceof PagelabError || !(e instanceof Error && "code" in e)) throw e;
      throw new CaptureFileError("capture(argv, options)", output, `cannot be written (${errorCode(e)}); the program ran, but its capture is lost`);
    }
    options.onProgress?.({ phase: "done", file: output, records });
    return {
      file: output, status: ended.status, signal: ended.signal, message, records,
      samples: samples.length, syncMarkers: syncs.length, seconds: (Date.now() - started) / 1000, output: outputTail,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
