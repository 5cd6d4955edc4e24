// brk or mmap for a sequence of mallocs, and VmSize after them: glibc serves a request below its
// mmap threshold (128 KiB at start) from the brk heap, which grows with 128 KiB of top padding,
// and gives a larger one a mapping of its own; freeing such a block raises the threshold to its
// size (REFERENCE §1.1, §1.2, §1.3).
import { memoryTimelineChart, type MemoryEvent } from "../../charts";
import type { AnswerField } from "../answers";
import { type Block, code, list, table, text } from "../document";
import type { Difficulty, KindDefinition, Solved } from "../exercise";
import { ProgramRun, type Step, bytesText, stepLine } from "../program";
import type { Random } from "../random";

const KiB = 1024;

/** A drawn problem: the machine's seed and the malloc and free calls. */
export interface MallocProblem {
  readonly seed: number;
  readonly steps: readonly Step[];
}

const small = (random: Random) => random.int(1, 64) * KiB + random.int(0, 1000);
const large = (random: Random) => random.int(160, 4096) * KiB;
// Around the threshold: a chunk of request + 8 bytes rounded up to 16 is what is compared.
const nearThreshold = (random: Random) => random.pick([120 * KiB, 127 * KiB, 128 * KiB - 8, 128 * KiB - 24, 128 * KiB, 130 * KiB]);

function generate(random: Random, difficulty: Difficulty, seed: number): MallocProblem {
  const steps: Step[] = [];
  let n = 0;
  const malloc = (size: number) => steps.push({ op: "malloc", name: `p${++n}`, size });
  if (difficulty === "easy") {
    const count = random.int(3, 4);
    const largeAt = random.int(0, count - 1);
    for (let i = 0; i < count; i++) malloc(i === largeAt || random.chance(0.3) ? large(random) : small(random));
    return { seed, steps };
  }
  const count = random.int(4, 6);
  for (let i = 0; i < count; i++) malloc(random.pick([small, large, nearThreshold])(random));
  if (difficulty === "hard") {
    // Free one mmapped block, then ask for less than it: the raised threshold sends it to the heap.
    const freed = random.int(200, 1024) * KiB;
    steps.splice(random.int(0, steps.length), 0, { op: "malloc", name: "big", size: freed });
    steps.push({ op: "free", name: "big" }, { op: "malloc", name: `p${++n}`, size: random.int(129, Math.floor(freed / KiB) - 8) * KiB });
    if (random.chance(0.5)) malloc(random.int(Math.floor(freed / KiB) + 8, 4096) * KiB);
  }
  return { seed, steps };
}

function mallocs(problem: MallocProblem): Step[] {
  return problem.steps.filter((s) => s.op === "malloc");
}

function fields(problem: MallocProblem): readonly AnswerField[] {
  const count = mallocs(problem).length;
  return [
    { name: "calls", type: "choices", options: ["brk", "mmap"], length: count, description: `"brk" or "mmap" for each of the ${count} mallocs, in order` },
    { name: "VmSize", type: "count", unit: "kB", description: "VmSize after the last call, kB" },
  ];
}

/** VmSize and the heap's free top when the program starts (after glibc's start-up), from a run. */
function startOf(seed: number): { VmSize: number; topFree: number } {
  const run = new ProgramRun(seed, "linux-x86_64", { numpy: false });
  return { VmSize: run.proc.status().VmSize, topFree: run.libc.mallinfo().keepcost };
}

function question(problem: MallocProblem): Block[] {
  const start = startOf(problem.seed);
  return [
    text("A C program on Linux x86-64 with glibc malloc (4 KiB pages) starts with only the brk heap glibc set up at start-up mapped " +
      `(the simulator maps no program text or stack): **VmSize = ${start.VmSize} kB**, and the heap's free top chunk is ` +
      `**${start.topFree.toLocaleString("en-US")} bytes**. It calls:`),
    code(problem.steps.map((s) => stepLine(s).replace("libc.", ""))),
    text("glibc's rules, as modelled:"),
    list([
      "a request needs a chunk of the request plus 8 bytes, rounded up to 16 (at least 32);",
      "it is carved from the heap's free top chunk when that chunk is at least 32 bytes larger than the request's chunk, **whatever its size**;",
      "otherwise, a chunk of at least the **mmap threshold** (128 KiB at start) gets a **mapping of its own**: the chunk plus 8 bytes, rounded up to whole pages;",
      "and a smaller one grows the heap with **brk**: by the chunk plus 128 KiB of top padding plus 32 bytes, less the free top, rounded up to pages;",
      "`free` of an mmapped block unmaps it and raises the threshold to that mapping's size (the dynamic threshold).",
    ]),
    text(`For each malloc, does the memory come from **brk** or **mmap**? And what is **VmSize** after the last call, in kB?`),
  ];
}

function solve(problem: MallocProblem): Solved {
  const run = new ProgramRun(problem.seed, "linux-x86_64", { numpy: false });
  const { proc, libc } = run;
  const calls: string[] = [];
  const rows: string[][] = [];
  const first = proc.status();
  const events: MemoryEvent[] = [{ call: "start", label: "start", VmRSS: first.VmRSS, VmSize: first.VmSize }];
  for (const step of problem.steps) {
    const threshold = libc.mallinfo().mmapThreshold;
    const topBefore = libc.mallinfo().keepcost;
    const mmapsBefore = libc.counters.mmaps;
    const brkBefore = libc.counters.brkGrowthBytes;
    run.run(step);
    const from = step.op !== "malloc" ? "—" : libc.counters.mmaps > mmapsBefore ? "mmap" : "brk";
    if (step.op === "malloc") calls.push(from);
    const s = proc.status();
    const grew = libc.counters.brkGrowthBytes - brkBefore;
    const why = step.op === "free"
      ? `unmapped; the threshold is now ${bytesText(libc.mallinfo().mmapThreshold)}`
      : from === "mmap" ? `the heap's top had no room, and it is at or above the threshold (${bytesText(threshold)}): a mapping of its own`
        : grew > 0 ? `below the threshold (${bytesText(threshold)}): the heap grows by ${bytesText(grew)}`
          : `the heap's free top had room (${topBefore.toLocaleString("en-US")} bytes)`;
    rows.push([`\`${stepLine(step).replace("libc.", "")}\``, from, String(s.VmSize), why]);
    events.push({ call: step.op, label: stepLine(step).replace("libc.", "").split("  #")[0], VmRSS: s.VmRSS, VmSize: s.VmSize });
  }
  const VmSize = proc.status().VmSize;
  return {
    answer: { calls, VmSize },
    explanation: [
      text("Each call, as the simulator ran it:"),
      table(["call", "from", "VmSize after (kB)", "why"], rows),
    ],
    chart: () => memoryTimelineChart(events, { title: "VmSize after each call: brk steps and mmaps" }),
  };
}

/** brk or mmap for a sequence of mallocs, and VmSize after them. */
export const brkOrMmap: KindDefinition<MallocProblem> = {
  kind: "brk-or-mmap",
  title: "brk or mmap?",
  generate,
  fields,
  question,
  solve,
};
