// VmRSS and VmSize after a few numpy and libc steps: allocation maps addresses (VmSize), first
// writes back pages (VmRSS), reads of untouched memory map the shared zero page (nothing), and
// freeing a large block unmaps it (REFERENCE §1.1, §2.1, §3.1, §3.3).
import { memoryTimelineChart } from "../../charts";
import type { MemoryEvent } from "../../charts";
import type { AnswerField } from "../answers";
import { type Block, code, table, text } from "../document";
import type { Difficulty, KindDefinition, Solved } from "../exercise";
import { ProgramRun, type Step, countsOf, stepLine, whatHappened } from "../program";
import type { Random } from "../random";

/** A drawn problem: the machine's seed and the program. */
export interface MemoryProblem {
  readonly seed: number;
  readonly steps: readonly Step[];
}

const PAGE_ELEMENTS = 512; // float64 elements per 4 KiB page

/** Up to `count` writes or reads at random elements of an array of `size` elements. */
function touches(random: Random, name: string, size: number, count: number, readShare: number): Step[] {
  return Array.from({ length: count }, () => ({ op: random.chance(readShare) ? "read" : "write", name, index: random.int(0, size - 1) } as const));
}

function generate(random: Random, difficulty: Difficulty, seed: number): MemoryProblem {
  const steps: Step[] = [];
  if (difficulty === "easy") {
    const size = random.int(34, 160) * PAGE_ELEMENTS;
    steps.push({ op: "zeros", name: "a", size }, ...touches(random, "a", size, random.int(1, 3), 0.25));
    return { seed, steps };
  }
  const whole = difficulty === "medium";
  const sizeA = whole ? random.int(34, 96) * PAGE_ELEMENTS : random.int(17_000, 50_000);
  const sizeB = whole ? random.int(33, 64) * PAGE_ELEMENTS : random.int(17_000, 32_000);
  steps.push({ op: "zeros", name: "a", size: sizeA }, ...touches(random, "a", sizeA, random.int(1, 3), 0.3));
  steps.push({ op: random.pick(["ones", "empty"] as const), name: "b", size: sizeB });
  const ending = random.pick(["add", "del", "fill"] as const);
  if (ending === "fill") {
    const start = random.int(0, sizeA - 1);
    steps.push({ op: "fill", name: "a", start, stop: random.int(start + 1, Math.min(sizeA, start + 20 * PAGE_ELEMENTS)) });
  } else {
    steps.push({ op: ending, name: "a" });
  }
  if (difficulty === "hard") {
    // A small array comes from the brk heap; a freed large block raises the mmap threshold (REFERENCE §1.3).
    steps.push({ op: "zeros", name: "c", size: random.int(100, 8_000) });
    const big = random.int(40, 900) * 1024;
    steps.push({ op: "malloc", name: "p", size: big }, { op: "memset", name: "p", size: random.int(1, big) });
    if (random.chance(0.6)) steps.push({ op: "free", name: "p" }, { op: "malloc", name: "q", size: random.int(20, big >> 10) * 1024 });
  }
  return { seed, steps };
}

const FIELDS: readonly AnswerField[] = [
  { name: "VmRSS", type: "count", unit: "kB", description: "resident set size after the last step, kB" },
  { name: "VmSize", type: "count", unit: "kB", description: "virtual memory size after the last step, kB" },
];

function start(seed: number): ProgramRun {
  return new ProgramRun(seed);
}

function question(problem: MemoryProblem): Block[] {
  const s = start(problem.seed).proc.status();
  return [
    text("A Python process on Linux x86-64 (4 KiB pages, glibc malloc, numpy 1.24, transparent huge pages only where madvised) " +
      `has just imported numpy: /proc/self/status reads **VmRSS = ${s.VmRSS} kB** and **VmSize = ${s.VmSize} kB**. It runs:`),
    code(["import numpy as np", ...problem.steps.map(stepLine)]),
    text("Arrays are float64 (8 bytes an element). What do **VmRSS** and **VmSize** read after the last line, in kB?"),
  ];
}

function solve(problem: MemoryProblem): Solved {
  const run = start(problem.seed);
  const first = run.proc.status();
  const events: MemoryEvent[] = [{ call: "import", label: "import numpy", VmRSS: first.VmRSS, VmSize: first.VmSize }];
  const rows: string[][] = [];
  for (const step of problem.steps) {
    const before = countsOf(run);
    const was = run.proc.status();
    run.run(step);
    const now = run.proc.status();
    const delta = (d: number) => (d === 0 ? "" : ` (${d > 0 ? "+" : ""}${d})`);
    rows.push([`\`${stepLine(step)}\``, `${now.VmRSS}${delta(now.VmRSS - was.VmRSS)}`, `${now.VmSize}${delta(now.VmSize - was.VmSize)}`, whatHappened(run, before, countsOf(run))]);
    events.push({ call: step.op, label: stepLine(step).split("  #")[0], VmRSS: now.VmRSS, VmSize: now.VmSize });
  }
  const end = run.proc.status();
  return {
    answer: { VmRSS: end.VmRSS, VmSize: end.VmSize },
    explanation: [
      text("Each line, as the simulator ran it (kB after the line, change in brackets):"),
      table(["line", "VmRSS", "VmSize", "what happened"], rows),
      text("VmSize counts every mapped address; VmRSS only pages backed by a frame. `np.zeros` of a large array is a " +
        "calloc served by a fresh mmap (already zero, so only the page holding malloc's header is written); a first write " +
        "faults one page in; a read of an untouched page maps the shared zero page, which VmRSS does not count; " +
        "`del` of an mmapped array unmaps it, small arrays live on the brk heap."),
    ],
    chart: () => memoryTimelineChart(events, { title: "VmRSS and VmSize after each line" }),
  };
}

/** VmRSS and VmSize after a sequence of numpy and libc steps. */
export const memoryAfterSteps: KindDefinition<MemoryProblem> = {
  kind: "memory-after-steps",
  title: "VmRSS and VmSize after a few steps",
  generate,
  fields: FIELDS,
  question,
  solve,
};
