// Each question states the rules it is asked under; here those rules are coded independently, as a
// student would apply them by hand, and compared with the simulator's answers over many seeds. A
// disagreement means a question that cannot be answered from what it says.
import { describe, expect, it } from "vitest";
import { DIFFICULTIES, exercise } from "../../src/exercises";
import { DEFINITIONS } from "../../src/exercises/kinds";
import type { ForkProblem } from "../../src/exercises/kinds/fork-copies";
import type { MallocProblem } from "../../src/exercises/kinds/brk-or-mmap";
import type { MemoryProblem } from "../../src/exercises/kinds/memory-after-steps";
import type { PlatformsProblem } from "../../src/exercises/kinds/platforms";
import type { ResidentProblem } from "../../src/exercises/kinds/resident-pages";
import type { TlbProblem } from "../../src/exercises/kinds/tlb-misses";
import type { Step } from "../../src/exercises/program";
import { Random } from "../../src/exercises/random";
import { cpuPreset } from "../../src/hardware";

const PAGE = 4096;
const SEEDS = Array.from({ length: 100 }, (_, i) => i * 7919 + 3);

/** The problems of a kind over SEEDS at every difficulty, drawn as exercise() draws them. */
function problems<P>(kind: keyof typeof DEFINITIONS): { problem: P; answer: Record<string, unknown>; question: string; difficulty: string }[] {
  return DIFFICULTIES.flatMap((difficulty) => SEEDS.map((seed) => {
    const ex = exercise(kind, { seed, difficulty });
    const stream = Object.keys(DEFINITIONS).indexOf(kind) * DIFFICULTIES.length + DIFFICULTIES.indexOf(difficulty);
    const problem = (DEFINITIONS[kind].generate as (r: Random, d: string, s: number) => P)(new Random(seed, stream), difficulty, seed);
    return { problem, answer: ex.solution() as Record<string, unknown>, question: ex.question, difficulty };
  }));
}

/** Pages of the mapping a step writes (element i at byte header + item·i); reads write none. */
function writtenPages(step: Step, item: number, header = 16): number[] {
  const page = (i: number) => Math.floor((header + item * i) / PAGE);
  if (step.op === "write") return [page(step.index)];
  if (step.op === "fill") return Array.from({ length: page(step.stop - 1) - page(step.start) + 1 }, (_, k) => page(step.start) + k);
  return [];
}

describe("the rules each question states give the simulator's answer", () => {
  it("memory-after-steps (easy): the mapping's pages join VmSize, its header page and each page written join VmRSS", () => {
    for (const { problem, answer, question } of problems<MemoryProblem>("memory-after-steps").filter((p) => p.difficulty === "easy")) {
      const [, rss, size] = /VmRSS = (\d+) kB\*\* and \*\*VmSize = (\d+) kB/.exec(question) ?? [];
      const zeros = problem.steps[0] as Extract<Step, { op: "zeros" }>;
      const written = new Set([0, ...problem.steps.flatMap((s) => writtenPages(s, 8))]);
      expect(answer, JSON.stringify(problem.steps)).toEqual({
        VmRSS: Number(rss) + 4 * written.size,
        VmSize: Number(size) + 4 * Math.ceil((16 + 8 * zeros.size) / PAGE),
      });
    }
  });

  it("resident-pages: page 0 and every page written", () => {
    for (const { problem, answer } of problems<ResidentProblem>("resident-pages")) {
      const item = { float64: 8, float32: 4, int16: 2 }[problem.dtype];
      const pages = new Set([0, ...problem.steps.flatMap((s) => writtenPages(s, item))]);
      expect([...(answer.resident as number[])].sort((a, b) => a - b)).toEqual([...pages].sort((a, b) => a - b));
    }
  });

  it("tlb-misses: each level a set-associative LRU cache indexed by page number modulo sets", () => {
    for (const { problem, answer } of problems<TlbProblem>("tlb-misses")) {
      const cpu = cpuPreset(problem.cpu);
      const level = (configs: typeof cpu.l1d) => {
        const c = configs.find((x) => x.pageSizes.includes("4K")) ?? configs[0];
        return { sets: c.entries / c.ways, ways: c.ways, content: new Map<number, number[]>() };
      };
      const l1 = level(cpu.l1d);
      const l2 = level(cpu.l2);
      // Looks a page up in a level: a hit moves it to the front; a miss inserts it, evicting the LRU one.
      const lookup = (l: typeof l1, page: number) => {
        const set = l.content.get(page % l.sets) ?? [];
        l.content.set(page % l.sets, set);
        const at = set.indexOf(page);
        if (at >= 0) set.splice(at, 1);
        set.unshift(page);
        if (set.length > l.ways) set.pop();
        return at >= 0;
      };
      let l1Misses = 0, l2Misses = 0;
      for (let p = 0; p < problem.passes; p++) {
        for (let i = 0; i < problem.pages; i++) {
          const page = 2048 * 64 + i * problem.stride; // the mapping starts on a multiple of 2048 pages
          if (lookup(l1, page)) continue;
          l1Misses++;
          if (!lookup(l2, page)) l2Misses++;
        }
      }
      expect({ l1Misses, l2Misses }, JSON.stringify(problem)).toEqual(answer);
    }
  });

  it("brk-or-mmap: the free top first, then mmap at or above the threshold or brk below it; freeing an mmapped block raises the threshold", () => {
    for (const { problem, answer, question } of problems<MallocProblem>("brk-or-mmap")) {
      // What the question says at the start: VmSize and the free top chunk.
      const [, startSize, startTop] = /VmSize = (\d+) kB\*\*, and the heap's free top chunk is \*\*([\d,]+) bytes/.exec(question) ?? [];
      let vmSize = Number(startSize) * 1024;
      let top = Number(startTop.replace(/,/g, ""));
      let threshold = 128 * 1024;
      const mapped = new Map<string, number>();
      const calls: string[] = [];
      for (const step of problem.steps) {
        if (step.op === "malloc") {
          const chunk = Math.max(32, Math.ceil((step.size + 8) / 16) * 16);
          if (top >= chunk + 32) {
            calls.push("brk");
            top -= chunk;
          } else if (chunk >= threshold) {
            calls.push("mmap");
            const length = Math.ceil((chunk + 8) / PAGE) * PAGE;
            mapped.set(step.name, length);
            vmSize += length;
          } else {
            calls.push("brk");
            const growth = Math.ceil((chunk + 128 * 1024 + 32 - top) / PAGE) * PAGE;
            vmSize += growth;
            top += growth - chunk;
          }
        } else if (step.op === "free") {
          const length = mapped.get(step.name) ?? 0;
          vmSize -= length;
          threshold = Math.max(threshold, Math.min(length, 32 * 2 ** 20));
        }
      }
      expect({ calls, VmSize: vmSize / 1024 }, JSON.stringify(problem.steps)).toEqual(answer);
    }
  });

  it("fork-copies: the first write to a shared page copies it for the writer; nothing copies after the child exits", () => {
    for (const { problem, answer } of problems<ForkProblem>("fork-copies")) {
      const separated = new Set<number>();
      const copies = { parent: 0, child: 0 };
      let childAlive = true;
      for (const s of problem.after) {
        if ("exit" in s) { childAlive = false; continue; }
        for (const page of new Set(writtenPages(s.step, 8))) {
          if (childAlive && !separated.has(page)) { copies[s.who]++; separated.add(page); }
        }
      }
      expect({ parentCopies: copies.parent, childCopies: copies.child }, JSON.stringify(problem)).toEqual(answer);
    }
  });

  it("platforms: Linux backs written pages, Windows commits all and backs every touch, eager backs all", () => {
    for (const { problem, answer } of problems<PlatformsProblem>("platforms")) {
      const zeros = problem.steps[0] as Extract<Step, { op: "zeros" }>;
      // Linux and eager: a 16-byte header; Windows: a 64-byte one.
      const pages = (header: number) => Math.ceil((header + 8 * zeros.size) / PAGE);
      const written = (header: number) => new Set([0, ...problem.steps.flatMap((s) => writtenPages(s, 8, header))]);
      const touched = new Set(written(64));
      for (const s of problem.steps) {
        if (s.op === "read") touched.add(Math.floor((64 + 8 * s.index) / PAGE));
        if (s.op === "sum") for (let p = 0; p < pages(64); p++) touched.add(p);
      }
      expect(answer, JSON.stringify(problem.steps)).toEqual({
        linuxRSS: 4 * written(16).size, windowsCommit: 4 * pages(64), windowsWorkingSet: 4 * touched.size, eagerRSS: 4 * pages(16),
      });
    }
  });
});
