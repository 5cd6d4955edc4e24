// Pages copied after a fork and some writes: fork shares every private page read-only; the first
// write to a shared page copies it for the writer; a write to a page no other process maps any
// more reuses it in place, without a copy; reads copy nothing (REFERENCE §3.2).
import { InternalCheckError } from "../../errors";
import { Chart, vegaLiteSpec } from "../../charts";
import type { Process } from "../../kernel";
import { type NDArray, numpy } from "../../runtime";
import type { AnswerField } from "../answers";
import { type Block, code, table, text } from "../document";
import type { Difficulty, KindDefinition, Solved } from "../exercise";
import { ProgramRun, type Step, py, stepLine } from "../program";
import type { Random } from "../random";

const PAGE = 4096;
const HEADER = 16;
const ITEM = 8;

/** One line after the fork: a step of the parent or the child, or the child's exit. */
export type ForkStep = { readonly who: "parent" | "child"; readonly step: Step } | { readonly who: "child"; readonly exit: true };

/** A drawn problem: the array's size in elements and pages, and what happens after the fork. */
export interface ForkProblem {
  readonly seed: number;
  readonly size: number;
  readonly pages: number;
  readonly after: readonly ForkStep[];
}

function generate(random: Random, difficulty: Difficulty, seed: number): ForkProblem {
  const pages = random.int(34, 48); // above the 128 KiB mmap threshold: the array has a mapping of its own
  const size = Math.floor(((pages - 1) * PAGE + random.int(1, PAGE - HEADER)) / ITEM);
  // A few pages to write into, so that writes meet on the same page.
  const hot = random.distinct(difficulty === "easy" ? 3 : 4, 0, pages - 1);
  const index = () => Math.max(0, Math.min(size - 1, Math.floor((random.pick(hot) * PAGE + random.int(0, PAGE - 1) - HEADER) / ITEM)));
  const after: ForkStep[] = [];
  const count = difficulty === "easy" ? random.int(2, 4) : random.int(3, 6);
  for (let i = 0; i < count; i++) {
    const who = difficulty === "easy" ? "child" : random.pick(["parent", "child"] as const);
    const op = difficulty === "hard" ? random.pick(["write", "write", "read", "fill"] as const) : "write";
    const at = index();
    after.push({ who, step: op === "fill" ? { op, name: "a", start: at, stop: Math.min(size, at + random.int(1, 1024)) } : { op, name: "a", index: at } });
  }
  if (difficulty === "hard" && random.chance(0.6)) {
    after.splice(random.int(1, after.length - 1), 0, { who: "child", exit: true });
    // After the exit only the parent runs.
    const exitAt = after.findIndex((s) => "exit" in s);
    for (let i = exitAt + 1; i < after.length; i++) {
      const s = after[i];
      if (!("exit" in s)) after[i] = { who: "parent", step: s.step };
    }
  }
  return { seed, size, pages, after };
}

const FIELDS: readonly AnswerField[] = [
  { name: "parentCopies", type: "count", unit: "pages", description: "pages the parent copied on write" },
  { name: "childCopies", type: "count", unit: "pages", description: "pages the child copied on write" },
];

function line(s: ForkStep): string {
  return "exit" in s ? "child:  os._exit(0)" : `${s.who}:${s.who === "child" ? " " : ""} ${stepLine(s.step)}`;
}

function question(problem: ForkProblem): Block[] {
  return [
    text("On Linux x86-64 (4 KiB pages, numpy 1.24) a Python process fills an array, then forks:"),
    code(["import numpy as np, os", `a = np.ones(${py(problem.size)})   # ${problem.pages} pages, every one written`, "pid = os.fork()", ...problem.after.map(line)]),
    text("The lines after the fork run in the order shown, each in the process named (the child's `a` is the parent's array, inherited). " +
      `Element \`i\` is at byte \`16 + 8·i\` of the array's mapping, whose page 0 starts with malloc's header. ` +
      "How many pages does the **parent** copy on write, and how many the **child**?"),
  ];
}

type PageOwner = "shared" | "own copy" | "exited";

function solve(problem: ForkProblem): Solved {
  const run = new ProgramRun(problem.seed);
  run.run({ op: "ones", name: "a", size: problem.size });
  const parent = run.proc;
  const start = run.mappingStart("a");
  const child: Process = parent.fork();
  const a = run.array("a");
  const inChild: NDArray = numpy(child).inherited(a);
  const copies = { parent: 0, child: 0 };
  const rows: string[][] = [];
  let childAlive = true;
  for (const s of problem.after) {
    if ("exit" in s) {
      child.exit();
      childAlive = false;
      rows.push([`\`${line(s)}\``, "0", "the child's mappings go: the parent's pages are its own again"]);
      continue;
    }
    const proc = s.who === "parent" ? parent : child;
    const before = proc.counters.cowCopies;
    const faults = proc.counters.minorFaults;
    if (s.who === "parent") run.run(s.step);
    else runOn(inChild, s.step);
    const copied = proc.counters.cowCopies - before;
    // Every page was written before the fork, so a fault that copies nothing reuses the page in place.
    const reused = proc.counters.minorFaults - faults - copied;
    copies[s.who] += copied;
    const why = s.step.op === "read" ? "a read copies nothing"
      : [copied > 0 ? `${copied} shared page${copied === 1 ? "" : "s"} copied` : "", reused > 0 ? `${reused} page${reused === 1 ? "" : "s"} no longer shared: reused in place` : ""]
        .filter((x) => x !== "").join("; ") || "its pages were already its own";
    rows.push([`\`${line(s)}\``, String(copied), why]);
  }
  const owners = (proc: Process | null): PageOwner[] => Array.from({ length: problem.pages }, (_, page) => {
    if (proc === null) return "exited";
    const other = proc === parent ? (childAlive ? child : null) : parent;
    const mine = proc.frameOf(start + page * PAGE);
    return other !== null && other.frameOf(start + page * PAGE) === mine ? "shared" : "own copy";
  });
  const grid = { parent: owners(parent), child: owners(childAlive ? child : null) };
  return {
    answer: { parentCopies: copies.parent, childCopies: copies.child },
    explanation: [
      text("Each line after the fork, as the simulator ran it:"),
      table(["line", "pages copied", "why"], rows),
      text("fork makes every page of both processes read-only and shared. The first write to a shared page copies it for the writer; " +
        "the other process then is its page's only user, so its own write reuses the page in place (no copy)."),
    ],
    chart: () => forkChart(grid),
  };
}

function runOn(array: NDArray, step: Step): void {
  if (step.op === "write") array.set(step.index, 1);
  else if (step.op === "read") array.get(step.index);
  else if (step.op === "fill") array.slice(step.start, step.stop).fill(1);
  else throw new InternalCheckError(`exercise: the child runs no ${step.op}`);
}

/** Per page of the array, for each process: shared with the other, or a page of its own. */
function forkChart(grid: Readonly<Record<"parent" | "child", readonly PageOwner[]>>): Chart {
  const values = (["parent", "child"] as const).flatMap((who) => grid[who].map((owner, page) => ({ who, page, owner })));
  const title = "After the steps: each page of the array, shared or copied";
  const spec = vegaLiteSpec({
    title,
    width: 640,
    height: 80,
    data: { values },
    mark: { type: "rect", stroke: "white", strokeWidth: 0.5 },
    encoding: {
      x: { field: "page", type: "ordinal", title: "page of the array's mapping", axis: { labelAngle: 0, values: values.filter((v) => v.who === "parent" && v.page % 5 === 0).map((v) => v.page) } },
      y: { field: "who", type: "nominal", title: null, sort: ["parent", "child"] },
      color: {
        field: "owner", type: "nominal", title: "page",
        scale: { domain: ["shared", "own copy", "exited"], range: ["#56B4E9", "#D55E00", "#BBBBBB"] },
      },
      tooltip: [{ field: "who" }, { field: "page" }, { field: "owner" }],
    },
  });
  const count = (who: "parent" | "child") => grid[who].filter((o) => o === "own copy").length;
  return new Chart(spec, title, `${title}: parent has ${count("parent")} page(s) of its own, child ${count("child")}`);
}

/** Pages copied after a fork and some writes. */
export const forkCopies: KindDefinition<ForkProblem> = {
  kind: "fork-copies",
  title: "Pages copied after fork",
  generate,
  fields: FIELDS,
  question,
  solve,
};
