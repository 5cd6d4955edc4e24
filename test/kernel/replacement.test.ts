// Page replacement as an experiment: OSTEP's documented runs of paging-policy.py (its homework
// README and chapter 22) as fixtures, the policies' known properties, reference strings from a
// seed or from a simulated program's own page visits. REFERENCE §9.4.

import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { Machine } from "../../src/kernel";
import { referenceString, simulateReplacement, tracePages, workingSetCurve } from "../../src/kernel/replacement";

const H = true;
const M = false;
const hitsOf = (trace: number[], policy: "FIFO" | "LRU" | "OPT" | "RAND" | "CLOCK", frames: number) =>
  simulateReplacement(trace, policy, frames).steps.map((s) => s.hit);

describe("OSTEP's documented examples (paging-policy.py, cache size 3)", () => {
  // README: --addresses=0,1,2,0,1,3,0,3,1,2,1 --policy=LRU --cachesize=3 gives 6 hits, 5 misses.
  const book = [0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1];
  it("LRU on 0,1,2,0,1,3,0,3,1,2,1: the README's trace, step by step, with its evictions", () => {
    const run = simulateReplacement(book, "LRU", 3);
    expect(run.steps.map((s) => s.hit)).toEqual([M, M, M, H, H, M, H, H, H, M, H]);
    expect(run.steps[5].evicted).toBe(2);
    expect(run.steps[9].evicted).toBe(0);
    expect([run.hits, run.misses]).toEqual([6, 5]);
  });
  it("OPT and FIFO on the same stream: chapter 22's 6 and 4 hits", () => {
    expect(hitsOf(book, "OPT", 3)).toEqual([M, M, M, H, H, M, H, H, H, M, H]);
    expect(hitsOf(book, "FIFO", 3)).toEqual([M, M, M, H, H, M, M, H, M, M, H]);
  });
  // Homework question 1, -s 0 -n 10: addresses 8,7,4,2,5,4,7,3,4,5.
  const seed0 = [8, 7, 4, 2, 5, 4, 7, 3, 4, 5];
  it("-s 0 -n 10 under FIFO: one hit (the second 4), nine misses", () => {
    const run = simulateReplacement(seed0, "FIFO", 3);
    expect(run.steps.map((s) => s.hit)).toEqual([M, M, M, M, M, H, M, M, M, M]);
    expect(run.steps.map((s) => s.evicted)).toEqual([null, null, null, 8, 7, null, 4, 2, 5, 7]);
  });
  it("-s 0 -n 10 under LRU: hits on the two later 4s", () => {
    expect(hitsOf(seed0, "LRU", 3)).toEqual([M, M, M, M, M, H, M, M, H, M]);
  });
  it("-s 0 -n 10 under OPT: four hits, no policy does better", () => {
    const opt = simulateReplacement(seed0, "OPT", 3);
    expect(opt.steps.map((s) => s.hit)).toEqual([M, M, M, M, M, H, H, M, H, H]);
    for (const policy of ["FIFO", "LRU", "CLOCK", "RAND"] as const) expect(simulateReplacement(seed0, policy, 3).hits).toBeLessThanOrEqual(opt.hits);
  });
});

describe("properties of the policies", () => {
  const trace = referenceString({ length: 2000, pages: 60, seed: 5, hotShare: 0.8 });
  it("OPT is never beaten, and LRU never loses hits with more frames (a stack algorithm)", () => {
    const curve = workingSetCurve(trace, { frames: [1, 2, 4, 8, 16, 32, 60] });
    for (const frames of [1, 2, 4, 8, 16, 32, 60]) {
      const at = curve.points.filter((p) => p.frames === frames);
      const opt = at.find((p) => p.policy === "OPT")?.hits ?? 0;
      for (const p of at) expect(p.hits).toBeLessThanOrEqual(opt);
    }
    const lru = curve.points.filter((p) => p.policy === "LRU").map((p) => p.hits);
    for (let i = 1; i < lru.length; i++) expect(lru[i]).toBeGreaterThanOrEqual(lru[i - 1]);
    // With a frame per distinct page only the compulsory misses remain, for every policy.
    for (const p of curve.points.filter((q) => q.frames === 60)) expect(p.hitRate).toBeCloseTo(curve.maxHitRate, 10);
  });
  it("FIFO shows Belady's anomaly on 1,2,3,4,1,2,5,1,2,3,4,5: more frames, more misses", () => {
    const belady = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
    expect(simulateReplacement(belady, "FIFO", 3).misses).toBe(9);
    expect(simulateReplacement(belady, "FIFO", 4).misses).toBe(10);
  });
  it("CLOCK gives a referenced page a second chance where FIFO evicts it", () => {
    // After 4 evicts 1 the hand has cleared every bit; the hit on 2 sets its bit again, so 5 takes 3.
    const t = [1, 2, 3, 4, 2, 5, 2];
    expect(simulateReplacement(t, "FIFO", 3).steps[5].evicted).toBe(2);
    expect(simulateReplacement(t, "CLOCK", 3).steps[5].evicted).toBe(3);
    expect(simulateReplacement(t, "CLOCK", 3).steps[6].hit).toBe(true);
  });
  it("RAND and the generator are seeded: the same seed, the same run", () => {
    expect(referenceString({ length: 50, pages: 9, seed: 3 })).toEqual(referenceString({ length: 50, pages: 9, seed: 3 }));
    expect(referenceString({ length: 50, pages: 9, seed: 3 })).not.toEqual(referenceString({ length: 50, pages: 9, seed: 4 }));
    const a = simulateReplacement(trace, "RAND", 10, { seed: 9 });
    expect(simulateReplacement(trace, "RAND", 10, { seed: 9 }).steps).toEqual(a.steps);
  });
});

describe("a simulated program's own reference string", () => {
  it("tracePages records the pages a process visits, in order", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const addr = proc.mmap(16 * 4096);
    const trace = tracePages(proc, () => {
      proc.memset(addr, 1, 3 * 4096);
      proc.read(addr, 1);
    });
    const first = addr / 4096;
    expect(trace).toEqual([first, first + 1, first + 2, first]);
    expect(machine.pageTrace).toBeNull();
  });
});

describe("bad input", () => {
  it("refuses an unknown policy with the closest name", () => {
    expect(() => simulateReplacement([1], "LRV" as never, 3)).toThrow(InvalidArgumentError);
    expect(() => simulateReplacement([1], "LRV" as never, 3)).toThrow(/policy must be one of .* got "LRV" \(did you mean "LRU"\?\)/);
    expect(() => simulateReplacement([1], "clock" as never, 3)).toThrow(/did you mean "CLOCK"/);
    expect(() => workingSetCurve([1], { policies: ["OPTIMAL" as never] })).toThrow(/did you mean "OPT"/);
  });
  it("refuses zero frames and a trace that is not page numbers", () => {
    expect(() => simulateReplacement([1], "LRU", 0)).toThrow(/frames must be an integer in \[1, /);
    expect(() => simulateReplacement([1, -2], "LRU", 1)).toThrow(/trace\[1\] must be an integer/);
  });
});
