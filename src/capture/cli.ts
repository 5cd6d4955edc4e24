#!/usr/bin/env node
// The command line: `npx pagelab capture [options] -- program [args...]` writes a capture file and
// prints progress on stderr; `npx pagelab replay file.capture` prints the per-call-site table.
import { PagelabError } from "../errors";
import { load } from "./load";
import { replay } from "./replay";
import { capture, type CaptureOptions } from "./run";

const USAGE = `usage: pagelab capture [--output FILE] [--interval MS] [--no-line-sync] -- PROGRAM [ARG]...
       pagelab replay FILE

capture  runs PROGRAM under strace and heaptrack, samples its resident pages, and writes
         a capture file (default: <script>.capture). A Python script (python3 prog.py) gets
         line numbers. Needs: apt-get install heaptrack strace
replay   loads a capture, replays it on the simulated machine recorded in it, and prints
         per call site: allocated, peak live, resident; and the findings.`;

function parseCaptureArgs(args: string[]): { argv: string[]; options: CaptureOptions } | string {
  const options: CaptureOptions = { stdio: "inherit" };
  let i = 0;
  for (; i < args.length && args[i] !== "--"; i++) {
    const a = args[i];
    if (a === "--output" || a === "-o") options.output = args[++i];
    else if (a === "--interval") options.intervalMs = Number(args[++i]);
    else if (a === "--no-line-sync") options.syncEachLine = false;
    else return `unknown option ${JSON.stringify(a)}`;
  }
  const argv = args.slice(i + 1);
  if (i >= args.length || argv.length === 0) return "the program to run goes after --";
  return { argv, options };
}

/** Runs the command line `args` (without node and the script); resolves with the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === "capture") {
      const parsed = parseCaptureArgs(rest);
      if (typeof parsed === "string") {
        process.stderr.write(`pagelab capture: ${parsed}\n${USAGE}\n`);
        return 2;
      }
      const result = await capture(parsed.argv, {
        ...parsed.options,
        onProgress: (p) => {
          if (p.phase === "running") process.stderr.write(`pagelab capture: ${p.seconds.toFixed(0)} s, ${p.samples} samples, VmRSS ${p.vmRssKb ?? "?"} kB\n`);
          else if (p.phase === "writing") process.stderr.write(`pagelab capture: writing, ${p.heaptrackLines} heaptrack lines read\n`);
        },
      });
      process.stderr.write(`pagelab capture: ${result.message}; ${result.records} records, ${result.samples} samples in ${result.file}\n`);
      return result.status ?? 1;
    }
    if (command === "replay" && rest.length === 1) {
      const r = replay(load(rest[0]), undefined, { onProgress: (n) => process.stderr.write(`pagelab replay: ${n} calls\n`) });
      process.stdout.write(`${r.text}\n`);
      return 0;
    }
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === "--help" || command === "-h" ? 0 : 2;
  } catch (e) {
    if (e instanceof PagelabError) {
      process.stderr.write(`pagelab ${command}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
