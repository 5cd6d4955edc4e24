// The same program on Linux, Windows and an eager platform: Linux backs a page on its first write
// and maps reads of untouched memory to the shared zero page; Windows charges the whole
// allocation to the commit limit at once and backs every first touch, reads included, in its
// working set; a platform without an MMU backs and clears the whole allocation at once
// (REFERENCE §3.1, §3.8, §6.1).
import { residencyComparisonChart } from "../../charts";
import type { PresetName } from "../../kernel";
import type { AnswerField } from "../answers";
import { type Block, code, list, table, text } from "../document";
import type { Difficulty, KindDefinition, Solved } from "../exercise";
import { ProgramRun, type Step, stepLine } from "../program";
import type { Random } from "../random";

const PAGE = 4096;
const HEADER = 16;
const ITEM = 8;
const PRESETS: readonly PresetName[] = ["linux-x86_64", "windows-x86_64", "eager"];

/** A drawn problem: the array's size and the steps on it. */
export interface PlatformsProblem {
  readonly seed: number;
  readonly steps: readonly Step[];
}

function generate(random: Random, difficulty: Difficulty, seed: number): PlatformsProblem {
  const pages = random.int(160, 512); // above the Windows heap's 512 KiB VirtualAlloc threshold
  const size = difficulty === "easy" ? pages * 512 : Math.floor(((pages - 1) * PAGE + random.int(1, PAGE - HEADER)) / ITEM);
  const steps: Step[] = [{ op: "zeros", name: "f", size }];
  const count = difficulty === "easy" ? random.int(1, 3) : random.int(2, 5);
  for (let i = 0; i < count; i++) {
    const index = random.int(0, size - 1);
    const op = difficulty === "easy" ? random.pick(["write", "write", "read"] as const) : random.pick(["write", "read", "fill"] as const);
    steps.push(op === "fill" ? { op, name: "f", start: index, stop: Math.min(size, index + random.int(1, 5 * 512)) } : { op, name: "f", index });
  }
  if (difficulty === "hard" && random.chance(0.5)) steps.push({ op: "sum", name: "f" });
  return { seed, steps };
}

const FIELDS: readonly AnswerField[] = [
  { name: "linuxRSS", type: "count", unit: "kB", description: "growth of VmRSS on Linux, kB" },
  { name: "windowsCommit", type: "count", unit: "kB", description: "growth of the commit charge (PrivateUsage) on Windows, kB" },
  { name: "windowsWorkingSet", type: "count", unit: "kB", description: "growth of the working set (WorkingSetSize) on Windows, kB" },
  { name: "eagerRSS", type: "count", unit: "kB", description: "growth of resident memory on the eager platform, kB" },
];

function question(problem: PlatformsProblem): Block[] {
  return [
    text("The same Python program runs on three simulated platforms, all with 4 KiB pages and numpy 1.24 (element `i` of `f` is `8·i` bytes after the header):"),
    code(["import numpy as np", ...problem.steps.map(stepLine)]),
    list([
      "**Linux x86-64** (glibc: a large calloc is a fresh mmap whose first page holds a 16-byte header);",
      "**Windows x86-64** (the C runtime's heap: a block over 508 KiB is committed with VirtualAlloc, a 64-byte header first);",
      "**eager**: no MMU, so nothing can be faulted in later (a 16-byte header first).",
    ]),
    text("By how many kB does each figure grow from just before `np.zeros` to the end: Linux **VmRSS**, Windows **commit charge** " +
      "(PrivateUsage) and **working set** (WorkingSetSize), and the eager platform's resident memory?"),
  ];
}

/** A platform's run: the growth of each figure (kB) and the array's residency. */
function runOn(preset: PresetName, problem: PlatformsProblem) {
  const run = new ProgramRun(problem.seed, preset);
  const before = run.proc.status();
  for (const step of problem.steps) run.run(step);
  const after = run.proc.status();
  const kB = (bytes: number | undefined) => (bytes ?? 0) / 1024;
  return {
    preset,
    run,
    rss: after.VmRSS - before.VmRSS,
    commit: kB(after.PrivateUsage) - kB(before.PrivateUsage),
    workingSet: kB(after.WorkingSetSize) - kB(before.WorkingSetSize),
  };
}

function solve(problem: PlatformsProblem): Solved {
  const [linux, windows, eager] = PRESETS.map((p) => runOn(p, problem));
  const f = (r: typeof linux) => r.run.array("f");
  return {
    answer: { linuxRSS: linux.rss, windowsCommit: windows.commit, windowsWorkingSet: windows.workingSet, eagerRSS: eager.rss },
    explanation: [
      table(["platform", "grows", "why"], [
        ["Linux", `VmRSS +${linux.rss} kB`, "the header page and every page written; reads of untouched pages map the shared zero page"],
        ["Windows", `commit +${windows.commit} kB, working set +${windows.workingSet} kB`,
          "the whole block (64-byte header included, so pages may fall differently than on Linux) is charged to the commit limit at once; every first touch, read or write, adds a page to the working set"],
        ["eager", `+${eager.rss} kB`, "the allocation itself backs and clears every page"],
      ]),
    ],
    chart: () => residencyComparisonChart([linux, windows, eager].map((r) => {
      const start = r.run.mappingStart("f");
      const length = f(r).nbytes + (f(r).address - start);
      return { label: r.preset, summary: r.run.proc.residencySummary(start, length, Math.ceil(length / PAGE)), start, pageSize: PAGE };
    }), { title: "The array's pages on each platform after the program" }),
  };
}

/** The same program on Linux, Windows (commit vs working set) and an eager platform. */
export const platforms: KindDefinition<PlatformsProblem> = {
  kind: "platforms",
  title: "One program, three platforms",
  generate,
  fields: FIELDS,
  question,
  solve,
};
