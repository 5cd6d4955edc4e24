// Which pages of an array are resident: the heatmap to fill in. A large np.zeros is a fresh
// mmap whose first page holds malloc's 16-byte header; a write backs the page it lands on, a
// read maps the shared zero page, which is not resident (REFERENCE §2.1, §3.1).
import { residencyHeatmapChart } from "../../charts";
import { PageState } from "../../kernel";
import type { AnswerField } from "../answers";
import { compressRuns } from "../answers";
import { type Block, code, table, text } from "../document";
import type { Difficulty, KindDefinition, Solved } from "../exercise";
import { ProgramRun, type Step, stepLine } from "../program";
import type { Random } from "../random";

const PAGE = 4096;
const HEADER = 16;
const ITEM_SIZES = { float64: 8, float32: 4, int16: 2 } as const;
type DtypeName = keyof typeof ITEM_SIZES;

/** A drawn problem: the array (dtype, elements, pages of its mapping) and the steps on it. */
export interface ResidentProblem {
  readonly seed: number;
  readonly dtype: DtypeName;
  readonly size: number;
  readonly pages: number;
  readonly steps: readonly Step[];
}

function generate(random: Random, difficulty: Difficulty, seed: number): ResidentProblem {
  const dtype: DtypeName = difficulty === "easy" ? "float64" : difficulty === "medium" ? random.pick(["float64", "float32"] as const) : random.pick(["float64", "float32", "int16"] as const);
  const item = ITEM_SIZES[dtype];
  // 34 pages or more: above malloc's 128 KiB mmap threshold, so the array has a mapping of its own.
  const pages = difficulty === "easy" ? random.int(34, 40) : difficulty === "medium" ? random.int(34, 48) : random.int(40, 64);
  const size = Math.floor(((pages - 1) * PAGE + random.int(1, PAGE - HEADER) ) / item);
  const elementOfPage = (page: number) => Math.max(0, Math.min(size - 1, Math.floor((page * PAGE + random.int(0, PAGE - 1) - HEADER) / item)));
  const steps: Step[] = [{ op: "zeros", name: "a", size, dtype }];
  const count = difficulty === "easy" ? random.int(2, 4) : random.int(3, 6);
  for (let i = 0; i < count; i++) {
    const index = elementOfPage(random.int(0, pages - 1));
    const kind = difficulty === "easy" ? "write" : random.pick(["write", "write", "read", "fill"] as const);
    if (kind === "fill") {
      const stop = Math.min(size, index + random.int(1, Math.floor((3 * PAGE) / item)));
      steps.push({ op: "fill", name: "a", start: index, stop });
    } else {
      steps.push({ op: kind, name: "a", index });
    }
  }
  if (difficulty === "hard" && random.chance(0.4)) steps.splice(random.int(1, steps.length), 0, { op: "sum", name: "a" });
  return { seed, dtype, size, pages, steps };
}

function fields(problem: ResidentProblem): readonly AnswerField[] {
  return [{ name: "resident", type: "pages", pages: problem.pages, description: `the resident pages, numbers from 0 to ${problem.pages - 1}` }];
}

function question(problem: ResidentProblem): Block[] {
  const item = ITEM_SIZES[problem.dtype];
  return [
    text(`On Linux x86-64 (4 KiB pages, glibc, numpy 1.24) a Python process runs:`),
    code(["import numpy as np", ...problem.steps.map(stepLine)]),
    text(`The array is a fresh mapping of **${problem.pages} pages**, numbered 0 to ${problem.pages - 1}. ` +
      `Page 0 starts with malloc's 16-byte header, then the data: element \`i\` is at byte \`16 + ${item}·i\` of the mapping. ` +
      "Which pages are **resident** (backed by a frame of their own, counted in VmRSS) after the last line? " +
      "Fill in the heatmap: today only the header's page is."),
  ];
}

/** Resident page numbers of the array's mapping. */
function residentPages(run: ProgramRun, problem: ResidentProblem): number[] {
  const states = run.proc.pageStates(run.mappingStart("a"), problem.pages * PAGE);
  const backed = new Set<number>([PageState.Resident, PageState.Huge]);
  const resident: number[] = [];
  states.forEach((state, page) => {
    if (backed.has(state)) resident.push(page);
  });
  return resident;
}

function heatmap(run: ProgramRun, problem: ResidentProblem, title: string) {
  return residencyHeatmapChart(run.proc, run.mappingStart("a"), problem.pages * PAGE, { title, axis: "pages" });
}

function questionChart(problem: ResidentProblem) {
  const run = new ProgramRun(problem.seed);
  run.run(problem.steps[0]);
  return heatmap(run, problem, "The array's pages before the steps: fill in the rest");
}

function solve(problem: ResidentProblem): Solved {
  const run = new ProgramRun(problem.seed);
  run.run(problem.steps[0]);
  const rows: string[][] = [];
  let resident = residentPages(run, problem);
  for (const step of problem.steps.slice(1)) {
    run.run(step);
    const now = residentPages(run, problem);
    const added = now.filter((p) => !resident.includes(p));
    const why = step.op === "read" || step.op === "sum" ? "a read: untouched pages map the shared zero page" : "a write backs every page it touches";
    rows.push([`\`${stepLine(step)}\``, added.length === 0 ? "none" : compressRuns(added), why]);
    resident = now;
  }
  return {
    answer: { resident },
    explanation: [
      text(`Page 0 is resident from the start (malloc wrote its header there). Then, line by line, the pages that became resident:`),
      table(["line", "new resident pages", "why"], rows),
      text(`Element \`i\` lives on page \`floor((16 + ${ITEM_SIZES[problem.dtype]}·i) / 4096)\`; a slice writes every page from its first byte's to its last byte's. ` +
        `Resident at the end: pages ${compressRuns(resident)}.`),
    ],
    chart: () => heatmap(run, problem, "The array's pages after the steps"),
  };
}

/** Which pages of an array are resident after some writes and reads. */
export const residentPagesKind: KindDefinition<ResidentProblem> = {
  kind: "resident-pages",
  title: "Which pages of the array are resident?",
  generate,
  fields,
  question,
  questionChart,
  solve,
};
