// TLB misses of an access pattern on a given CPU: each TLB level is a set-associative cache of
// translations indexed by virtual page number modulo its sets, with LRU replacement; a pattern
// that puts more pages in a set than it has ways misses on every visit of that set
// (REFERENCE §5; OSTEP ch. 19's measurement).
import { tlbHitsChart } from "../../charts";
import { cpuPreset, type CpuName, type TlbConfig } from "../../hardware";
import { Machine, type Process } from "../../kernel";
import type { AnswerField } from "../answers";
import { type Block, code, list, text } from "../document";
import type { Difficulty, KindDefinition, Solved } from "../exercise";
import { py } from "../program";
import type { Random } from "../random";

const PAGE = 4096;

/** The CPUs drawn from: x86-64 with 4 KiB pages, whose TLBs differ in size and associativity. */
type ExerciseCpu = Extract<CpuName, "skylake" | "golden-cove" | "zen2">;

/** A drawn problem: the CPU, pages visited per pass, their stride in pages, and passes. */
export interface TlbProblem {
  readonly seed: number;
  readonly cpu: ExerciseCpu;
  readonly pages: number;
  readonly stride: number;
  readonly passes: number;
}

function generate(random: Random, difficulty: Difficulty, seed: number): TlbProblem {
  if (difficulty === "easy") {
    // Zen 2's L1 dTLB is fully associative: the pages fit, or every visit misses.
    const pages = random.chance(0.5) ? random.int(8, 64) : random.int(65, 1000);
    return { seed, cpu: "zen2", pages, stride: 1, passes: random.int(2, 4) };
  }
  if (difficulty === "medium") {
    return { seed, cpu: random.pick(["skylake", "golden-cove"] as const), pages: random.int(40, 200), stride: 1, passes: random.int(2, 3) };
  }
  const cpu = random.pick(["skylake", "golden-cove", "zen2"] as const);
  if (random.chance(0.3)) return { seed, cpu, pages: random.int(1400, 2200), stride: 1, passes: 2 };
  return { seed, cpu, pages: random.int(3, 120), stride: random.pick([2, 4, 8, 16, 32, 64, 128]), passes: random.int(2, 3) };
}

const FIELDS: readonly AnswerField[] = [
  { name: "l1Misses", type: "count", unit: "misses", description: "misses in the L1 data TLB" },
  { name: "l2Misses", type: "count", unit: "misses", description: "misses in the second-level TLB (each is a page walk)" },
];

/** The TLB array of a level that holds 4 KiB translations. */
function level4K(configs: readonly TlbConfig[]): TlbConfig {
  return configs.find((c) => c.pageSizes.includes("4K")) ?? configs[0];
}

function describeLevel(label: string, c: TlbConfig): string {
  const sets = c.entries / c.ways;
  return `${label} (${c.name}): ${c.entries} entries, ${c.ways === c.entries ? "fully associative" : `${c.ways}-way, ${sets} sets`}`;
}

function question(problem: TlbProblem): Block[] {
  const cpu = cpuPreset(problem.cpu);
  return [
    text(`On a simulated ${cpu.description} (4 KiB pages, no huge pages) a program visits one 8-byte element per page:`),
    code([
      `buf = mmap(${py(problem.pages * problem.stride)} pages)   # every page already written: no faults below`,
      "# the TLBs are flushed here",
      `for p in range(${problem.passes}):`,
      `    for i in range(${py(problem.pages)}):`,
      `        x = buf[i * ${problem.stride === 1 ? "" : `${problem.stride} * `}4096]`,
    ]),
    text("Its data TLBs:"),
    list([describeLevel("L1", level4K(cpu.l1d)), describeLevel("L2", level4K(cpu.l2))]),
    text("Each level is indexed by virtual page number modulo its sets and replaces the least recently used entry; " +
      "the L2 is looked up only on an L1 miss, and a walk fills both. The mapping starts on a page whose number is a multiple of 2048. " +
      "How many **L1** and **L2** misses does the loop make?"),
  ];
}

/** Pages of the pattern per set of a level, and how many sets hold more pages than ways. */
function crowdedSets(problem: TlbProblem, firstPage: number, c: TlbConfig): { sets: number; crowded: number; crowdedPages: number } {
  const sets = c.entries / c.ways;
  const perSet = new Map<number, number>();
  for (let i = 0; i < problem.pages; i++) {
    const set = (firstPage + i * problem.stride) % sets;
    perSet.set(set, (perSet.get(set) ?? 0) + 1);
  }
  const over = [...perSet.values()].filter((n) => n > c.ways);
  return { sets, crowded: over.length, crowdedPages: over.reduce((a, b) => a + b, 0) };
}

function machineFor(problem: TlbProblem): { machine: Machine; proc: Process; buf: number } {
  const machine = new Machine({ seed: problem.seed % 2 ** 31, cpu: problem.cpu });
  const proc = machine.spawn();
  const length = problem.pages * problem.stride * PAGE;
  // Aligned to 2048 pages (8 MiB), as the question says: reserve more, keep an aligned part.
  const align = 2048 * PAGE;
  const raw = proc.mmap(length + align);
  const buf = Math.ceil(raw / align) * align;
  if (problem.stride === 1) proc.memset(buf, 1, length);
  else for (let i = 0; i < problem.pages; i++) proc.touch(buf + i * problem.stride * PAGE, 8, "write");
  return { machine, proc, buf };
}

function solve(problem: TlbProblem): Solved {
  const { machine, proc, buf } = machineFor(problem);
  machine.mmu.invalidateAsid(proc.pid);
  const phase = proc.measure(() => {
    for (let p = 0; p < problem.passes; p++) {
      // One pass over consecutive pages is one call visiting each page once; strided ones go page by page.
      if (problem.stride === 1) proc.accessPages(buf, problem.pages * PAGE, "read");
      else for (let i = 0; i < problem.pages; i++) proc.touch(buf + i * problem.stride * PAGE, 8, "read");
    }
  }, `${problem.pages} pages × ${problem.passes} passes`);
  const cpu = cpuPreset(problem.cpu);
  const firstPage = buf / PAGE;
  const levels = [["L1", level4K(cpu.l1d)], ["L2", level4K(cpu.l2)]] as const;
  const notes = levels.map(([label, c]) => {
    const s = crowdedSets(problem, firstPage, c);
    const where = `${label}: the ${py(problem.pages)} pages fall into ${s.sets === 1 ? "one fully associative set" : `${s.sets} sets`} of ${c.ways} ways`;
    return s.crowded === 0
      ? `${where}; no set holds more pages than ways, so after the first pass's ${py(problem.pages)} cold misses every visit hits.`
      : `${where}; ${s.crowded} set${s.crowded === 1 ? " holds" : "s hold"} more pages than ways (${py(s.crowdedPages)} pages), and LRU evicts each of those pages before it comes round again: they miss on every pass.`;
  });
  return {
    answer: { l1Misses: phase.tlb.l1d.misses, l2Misses: phase.tlb.l2.misses },
    explanation: [
      text(`The simulator counted ${py(phase.accesses)} accesses: **${py(phase.tlb.l1d.misses)} L1 misses** and **${py(phase.tlb.l2.misses)} L2 misses** (${py(phase.walks)} page walks).`),
      list(notes),
      text("The L2 sees only the L1's misses, so its counts follow from the same reasoning applied to that stream."),
    ],
    chart: () => tlbHitsChart([{ label: phase.label, accesses: phase.accesses, tlb: { L1: phase.tlb.l1d, L2: phase.tlb.l2 } }], {
      title: `TLB hits and misses on ${problem.cpu}`,
    }),
  };
}

/** TLB misses of an access pattern on a given CPU. */
export const tlbMisses: KindDefinition<TlbProblem> = {
  kind: "tlb-misses",
  title: "TLB misses of an access pattern",
  generate,
  fields: FIELDS,
  question,
  solve,
};
