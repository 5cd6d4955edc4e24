// Replay at scale: a Python program making over a million malloc-family calls is captured once
// (untimed, through the `pagelab capture` command line in a child process), then loaded and
// replayed in this process. The reference is the same program run alone, without the recorders:
// the issue's target is a replay faster than the program ran, in at most 64 MiB above baseline.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { capture } from "../../dist/index";
import { MemoryTracker, type MemoryPeak, check, largestPeak, median, millisecondFigures, now, timed } from "../harness";
import type { Scenario, ScenarioOptions, ScenarioResult } from "../result";

const ROOT = path.join(__dirname, "..", "..");
const CLI = path.join(ROOT, "dist", "capture", "cli.js");
/** Iterations of the program's loop: one calloc each, and one free once the window is full. */
const ITERATIONS = 1_100_000;
const MIN_ALLOCATIONS = 1_000_000;
const MEMORY_LIMIT_BYTES = 64 * 2 ** 20;
const TIMEOUT_MS = 300_000;

// bytes(k) above pymalloc's 512-byte limit is one calloc (and one free when replaced); the loop is
// one line, so the capture runner marks no line change per iteration. 1 024 buffers stay live.
const PROGRAM = `# pagelab bench: over a million small callocs and frees, 1 024 buffers live at a time
import sys
n = int(sys.argv[1])
keep = [None] * 1024
for i in range(n): keep[i & 1023] = bytes(600 + (i & 255))
`;

function skipped(reason: string): ScenarioResult {
  return {
    id: "replay", title: "7. replay a 1 M-call capture", simulator: null, reference: null, ratio: null, memory: null,
    targets: [], details: {}, notes: [], skipped: reason,
  };
}

const python = (): string => (fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

/** One load + replay of `file` with its peak memory above the baseline taken just before. */
function replayRun(file: string): { loadMs: number; replayMs: number; peak: MemoryPeak; calls: number; allocations: number; failed: number; mmapsAgree: boolean } {
  const tracker = new MemoryTracker();
  let loaded: capture.Capture | null = null;
  const loadMs = timed(() => (loaded = capture.load(file)));
  tracker.sample();
  const c = loaded as unknown as capture.Capture;
  let r: capture.Replay | null = null;
  const replayMs = timed(() => (r = capture.replay(c)));
  const peak = tracker.finish();
  const done = r as unknown as capture.Replay;
  return { loadMs, replayMs, peak, calls: done.calls, allocations: c.summary.allocations, failed: done.failedCalls, mmapsAgree: done.mmapsAgree };
}

function run({ reps }: ScenarioOptions): ScenarioResult {
  const missing = capture.captureUnavailable();
  if (missing !== null) return skipped(missing);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-bench-replay-"));
  try {
    const script = path.join(dir, "churn.py");
    const file = path.join(dir, "churn.capture");
    fs.writeFileSync(script, PROGRAM);
    const alone = (): number => {
      let status: number | null = null;
      const ms = timed(() => (status = spawnSync(python(), [script, String(ITERATIONS)], { stdio: "ignore", timeout: TIMEOUT_MS }).status));
      check(status === 0, `${python()} ${script} exited with ${status}`);
      return ms;
    };
    const probe = spawnSync(python(), ["-c", "pass"], { stdio: "ignore" });
    if (probe.error || probe.status !== 0) return skipped(`${python()} does not run: ${probe.error?.message ?? `status ${probe.status}`}`);
    const captureStart = now();
    const captured = spawnSync(process.execPath, [CLI, "capture", "-o", file, "--", python(), script, String(ITERATIONS)], { encoding: "utf8", timeout: TIMEOUT_MS });
    const captureMs = now() - captureStart;
    check(captured.status === 0, `pagelab capture exited with ${captured.status ?? captured.signal}: ${(captured.stderr ?? "").trim().split("\n").pop()}`);
    alone(); // warm-up: the interpreter's files in the page cache
    const programMs: number[] = [];
    const replays: ReturnType<typeof replayRun>[] = [];
    for (let rep = 0; rep < reps; rep++) {
      programMs.push(alone());
      replays.push(replayRun(file));
    }
    const first = replays[0];
    check(first.allocations >= MIN_ALLOCATIONS, `the capture holds ${first.allocations} allocation calls, expected >= ${MIN_ALLOCATIONS}`);
    check(first.failed === 0, `the simulated allocator refused ${first.failed} calls`);
    const totalMs = replays.map((r) => r.loadMs + r.replayMs);
    const ratio = median(totalMs) / median(programMs);
    const callsPerSecond = first.calls / (median(totalMs) / 1000);
    const memory = largestPeak(replays.map((r) => r.peak)) as MemoryPeak;
    const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    return {
      id: "replay",
      title: "7. replay a 1 M-call capture",
      ...millisecondFigures("capture.load + capture.replay", totalMs, "the program alone (python3)", programMs),
      ratio: { label: "replay/program", value: ratio },
      memory,
      targets: [
        { text: "replay faster than the program ran", met: ratio < 1, actual: `${ratio.toFixed(2)}x the program's time`, margin: `${ratio.toFixed(2)}x the limit` },
        { text: "peak memory <= 64 MiB above baseline", met: memory.rssBytes <= MEMORY_LIMIT_BYTES, actual: `${mib(memory.rssBytes)} RSS`, margin: `${(memory.rssBytes / MEMORY_LIMIT_BYTES).toFixed(2)}x the limit` },
        { text: "calls per second reported", met: null, actual: `${(callsPerSecond / 1e6).toFixed(2)} M calls/s` },
      ],
      details: {
        allocationCalls: first.allocations,
        callsReplayed: first.calls,
        callsPerSecond: Math.round(callsPerSecond),
        loadMs: Math.round(median(replays.map((r) => r.loadMs))),
        // the floor under any replay: one checking pass over the file, no simulation at all
        loadShareOfProgram: Number((median(replays.map((r) => r.loadMs)) / median(programMs)).toFixed(2)),
        capturedRunShare: Number((median(totalMs) / captureMs).toFixed(2)),
        replayMs: Math.round(median(replays.map((r) => r.replayMs))),
        captureMs: Math.round(captureMs),
        captureFileBytes: fs.statSync(file).size,
        mmapsAgree: first.mmapsAgree,
        peakHeapMiB: Number((memory.heapBytes / 2 ** 20).toFixed(1)),
      },
      notes: [
        `Program: ${ITERATIONS} iterations of keep[i & 1023] = bytes(600 + (i & 255)) under ${python()}; captured once, untimed, with pagelab capture (strace + heaptrack + residency samples every 100 ms).`,
        "Simulator: capture.load (one checking pass over the file) then capture.replay on the twin recorded in the capture, in the bench process.",
        "Reference: the same program run alone (interpreter start-up included), alternating with the replay.",
        "loadShareOfProgram: capture.load alone (reading and checking the file once, nothing simulated) over the program's time: the floor under any replay of this file in this process.",
        "capturedRunShare: load + replay over the time the capture itself took (the program under heaptrack and strace, untimed above).",
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Replay at scale: load and replay a capture of over a million allocation calls. */
export const replayScale: Scenario = { id: "replay", title: "Replay of a 1 M-call capture", run };
