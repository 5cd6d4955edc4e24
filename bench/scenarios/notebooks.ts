// Scenario 6: the notebook suite's total execution time, through the project's own runner
// (scripts/notebooks.sh: Jupyter's nbclient with the tslab kernel, notebooks in parallel).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { now } from "../harness";
import type { Scenario, ScenarioResult } from "../result";

const ROOT = path.join(__dirname, "..", "..");
const KERNEL_SPEC = path.join(ROOT, ".jupyter-prefix", "share", "jupyter", "kernels", "tslab", "kernel.json");
/** Leaves the rest of the 5-minute run some room; a suite slower than this is reported as failed. */
const TIMEOUT_MS = 200_000;

interface NotebookSummary {
  notebook: string;
  claims: { checked: number; held: number } | null;
  failure: string | null;
  seconds: number;
}

function skipped(reason: string): ScenarioResult {
  return {
    id: "notebooks", title: "6. notebook suite", simulator: null, reference: null, ratio: null, memory: null,
    targets: [], details: {}, notes: [], skipped: reason,
  };
}

/** Returns the last lines of a process's output, for a failure's details. */
function tail(text: string, lines = 15): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

function run(): ScenarioResult {
  if (!fs.existsSync(KERNEL_SPEC)) return skipped("no tslab kernel in .jupyter-prefix (run npm run setup)");
  const summaryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-bench-")), "notebooks.json");
  const start = now();
  const done = spawnSync("bash", [path.join(ROOT, "scripts", "notebooks.sh"), "--summary-json", summaryFile], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: TIMEOUT_MS,
    maxBuffer: 64 * 2 ** 20,
  });
  const seconds = (now() - start) / 1000;
  if (!fs.existsSync(summaryFile)) {
    if (done.status !== 0 && /No module named/.test(done.stderr ?? "")) return skipped(`Jupyter is not usable here: ${tail(done.stderr, 1)}`);
    const why = done.error ? done.error.message : `exit status ${done.status}`;
    return {
      id: "notebooks", title: "6. notebook suite", simulator: null, reference: null, ratio: null, memory: null,
      targets: [{ text: "all notebooks pass", met: false, actual: `the runner failed (${why})` }],
      details: { error: tail(`${done.stdout}\n${done.stderr}`) }, notes: [],
    };
  }
  const notebooks = JSON.parse(fs.readFileSync(summaryFile, "utf8")) as NotebookSummary[];
  const failed = notebooks.filter((n) => n.failure !== null);
  return {
    id: "notebooks",
    title: "6. notebook suite",
    simulator: { label: "all notebooks, executed", value: seconds, unit: "s", samples: [seconds] },
    reference: null,
    ratio: null,
    memory: null,
    targets: [{ text: "all notebooks pass", met: failed.length === 0, actual: `${notebooks.length - failed.length}/${notebooks.length} pass` }],
    details: {
      secondsPerNotebook: Object.fromEntries(notebooks.map((n) => [n.notebook, n.seconds])),
      claimsHeld: notebooks.reduce((sum, n) => sum + (n.claims?.held ?? 0), 0),
      claimsChecked: notebooks.reduce((sum, n) => sum + (n.claims?.checked ?? 0), 0),
      ...(failed.length > 0 ? { failures: Object.fromEntries(failed.map((n) => [n.notebook, (n.failure as string).slice(0, 300)])) } : {}),
    },
    notes: [
      `scripts/notebooks.sh with its default parallelism (${Math.min(4, os.cpus().length)} at a time); wall time of one run, kernel start-up included.`,
    ],
  };
}

/** Scenario 6: the notebook suite's wall time. */
export const notebooks: Scenario = { id: "notebooks", title: "6. notebook suite", run };
