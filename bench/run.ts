// `npm run bench`: runs each scenario in a fresh Node process (its simulator and its reference in
// that same process), then prints one table, or JSON with --json.
//
//   node dist-bench/run.js [--json] [--skip-notebooks] [--only id,id] [--reps N] [--write-results FILE]
//                          [--write-json FILE] [--compare OLD.json]
import { fork } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { compareLines, readBenchJson, type BenchJson } from "./compare";
import { describeMachine, machineInfo, type MachineInfo } from "./machine-info";
import type { Figure, ScenarioResult } from "./result";
import { SCENARIOS, scenarioById } from "./scenarios";
import { markdownTable, textTable } from "./table";

/** The issue's budget for a whole run on the reference machine. */
const RUN_BUDGET_S = 300;
const DEFAULT_REPS = 5;

interface Args {
  json: boolean;
  skipNotebooks: boolean;
  only: string[] | null;
  reps: number;
  writeResults: string | null;
  writeJson: string | null;
  compare: string | null;
  child: string | null;
}

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: run.js [--json] [--skip-notebooks] [--only ${SCENARIOS.map((s) => s.id).join(",")}] [--reps N] [--write-results FILE] [--write-json FILE] [--compare OLD.json]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, skipNotebooks: false, only: null, reps: DEFAULT_REPS, writeResults: null, writeJson: null, compare: null, child: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => (i + 1 < argv.length ? argv[++i] : usage(`${arg} needs a value`));
    if (arg === "--json") args.json = true;
    else if (arg === "--skip-notebooks") args.skipNotebooks = true;
    else if (arg === "--only") args.only = value().split(",");
    else if (arg === "--reps") args.reps = Number(value());
    else if (arg === "--write-results") args.writeResults = value();
    else if (arg === "--write-json") args.writeJson = value();
    else if (arg === "--compare") args.compare = value();
    else if (arg === "--child") args.child = value();
    else usage(`unknown argument ${JSON.stringify(arg)}`);
  }
  if (!Number.isInteger(args.reps) || args.reps < 1 || args.reps > 50) usage(`--reps must be an integer in [1, 50], got ${args.reps}`);
  for (const id of args.only ?? []) if (!scenarioById(id)) usage(`unknown scenario ${JSON.stringify(id)}`);
  if (args.compare !== null && !fs.existsSync(args.compare)) usage(`--compare: no file ${JSON.stringify(args.compare)}`);
  return args;
}

/** In a child process: runs one scenario and sends its result to the parent. */
function runChild(id: string, reps: number): void {
  const scenario = scenarioById(id);
  if (!scenario) throw new Error(`unknown scenario ${id}`);
  try {
    const result = scenario.run({ reps });
    process.send?.({ result });
  } catch (error) {
    process.send?.({ error: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
}

/** Runs one scenario in a fresh node (with --expose-gc, stdout to our stderr); returns its result. */
function runInChild(id: string, title: string, reps: number): Promise<ScenarioResult> {
  return new Promise((resolve) => {
    const child = fork(__filename, ["--child", id, "--reps", String(reps)], {
      execArgv: ["--expose-gc"],
      stdio: ["ignore", 2, 2, "ipc"],
    });
    let outcome: ScenarioResult | null = null;
    const failed = (why: string): ScenarioResult => ({
      id, title, simulator: null, reference: null, ratio: null, memory: null,
      targets: [{ text: "ran", met: false, actual: why.split("\n")[0] }], details: { error: why }, notes: [],
    });
    child.on("message", (message: { result?: ScenarioResult; error?: string }) => {
      outcome = message.result ?? failed(message.error ?? "no result");
    });
    child.on("exit", (code, signal) => resolve(outcome ?? failed(`child exited with ${signal ?? `code ${code}`} before reporting`)));
  });
}

function progress(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** A figure's samples: all of them when few, else their count and range. */
function formatSamples(figure: Figure): string {
  const { samples, unit } = figure;
  if (samples.length <= 12) return `${samples.map((x) => x.toFixed(1)).join(", ")} ${unit}`;
  return `${samples.length} runs, ${Math.min(...samples).toFixed(2)} to ${Math.max(...samples).toFixed(2)} ${unit}`;
}

/** The details and notes of each scenario as indented lines under the table. */
function detailLines(results: readonly ScenarioResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.title}`);
    for (const [key, value] of Object.entries(r.details)) lines.push(`  ${key}: ${JSON.stringify(value)}`);
    if (r.simulator) lines.push(`  simulator samples: ${formatSamples(r.simulator)}`);
    if (r.reference) lines.push(`  reference samples (${r.reference.label}): ${formatSamples(r.reference)}`);
    if (r.referenceMissing) lines.push(`  reference: ${r.referenceMissing}`);
    if (r.secondReference) lines.push(`  second reference samples (${r.secondReference.label}): ${formatSamples(r.secondReference)}`);
    for (const note of r.notes) lines.push(`  note: ${note}`);
  }
  return lines.join("\n");
}

/** The 1, 5 and 15-minute load averages, rounded. */
function loadAverage(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(" ");
}

/** One line per missed target: scenario, target, measured value and how far off. */
function missedLines(results: readonly ScenarioResult[]): string[] {
  return results.flatMap((r) =>
    r.targets.filter((t) => t.met === false).map((t) => `${r.title}: ${t.text} missed, measured ${t.actual}${t.margin ? ` (${t.margin})` : ""}`),
  );
}

/** Markdown for bench/RESULTS.md: machine, table, and each scenario's details. */
function resultsMarkdown(info: MachineInfo, results: readonly ScenarioResult[], seconds: number, reps: number): string {
  const met = results.flatMap((r) => r.targets).filter((t) => t.met !== null);
  return [
    "# Benchmark results",
    "",
    `Produced by \`npm run bench -- --write-results bench/RESULTS.md\`: ${describeMachine(info)}.`,
    `Medians of ${reps} repetitions; whole run ${seconds.toFixed(0)} s (budget ${RUN_BUDGET_S} s), load average ${loadAverage()} at the end.`,
    `Targets met: ${met.filter((t) => t.met).length} of ${met.length}. RSS and heap are the simulator's peaks above`,
    "the process's baseline just before it ran (heap = V8 heapUsed + ArrayBuffers, sampled after each step).",
    "",
    markdownTable(results),
    "",
    ...(missedLines(results).length > 0 ? ["Missed:", "", ...missedLines(results).map((line) => `- ${line}`), ""] : []),
    "See bench/README.md for what bounds the missed targets.",
    "",
    "## Details",
    "",
    "```",
    detailLines(results),
    "```",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child !== null) {
    runChild(args.child, args.reps);
    return;
  }
  // Read the old run first: a bad file should stop us before minutes of benchmarking.
  const old = args.compare === null ? null : readBenchJson(args.compare);
  const info = machineInfo();
  const started = performance.now();
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    if (args.only && !args.only.includes(scenario.id)) continue;
    if (scenario.id === "notebooks" && args.skipNotebooks) {
      results.push({
        id: scenario.id, title: scenario.title, simulator: null, reference: null, ratio: null, memory: null,
        targets: [], details: {}, notes: [], skipped: "--skip-notebooks",
      });
      continue;
    }
    const t0 = performance.now();
    progress(`${scenario.id}: running`);
    results.push(await runInChild(scenario.id, scenario.title, args.reps));
    progress(`${scenario.id}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const seconds = (performance.now() - started) / 1000;
  const budget = { text: `whole run < ${RUN_BUDGET_S} s`, met: seconds < RUN_BUDGET_S, actual: `${seconds.toFixed(0)} s` };
  const json: BenchJson & { budget: typeof budget } = { machine: info, reps: args.reps, seconds, budget, results };
  const comparison = old === null ? [] : compareLines(old, results);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(json, null, 1)}\n`);
    for (const line of comparison) process.stderr.write(`${line}\n`);
  } else {
    process.stdout.write(`pagelab bench: ${describeMachine(info)}\nmedians of ${args.reps} repetitions\n\n`);
    process.stdout.write(`${textTable(results)}\n\n${detailLines(results)}\n\n`);
    for (const line of missedLines(results)) process.stdout.write(`missed: ${line}\n`);
    process.stdout.write(`${budget.text}: ${budget.actual} (${budget.met ? "met" : "MISSED"}); load average ${loadAverage()} at the end\n`);
    if (comparison.length > 0) process.stdout.write(`\n${comparison.join("\n")}\n`);
  }
  if (args.writeJson !== null) fs.writeFileSync(args.writeJson, `${JSON.stringify(json, null, 1)}\n`);
  if (args.writeResults !== null) fs.writeFileSync(args.writeResults, resultsMarkdown(info, results, seconds, args.reps));
  const failed = results.some((r) => r.details.error !== undefined);
  process.exitCode = failed ? 1 : 0;
}

void main();
