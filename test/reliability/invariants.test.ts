// Invariants under random workloads: fast-check draws command sequences across the layers and
// every invariant is checked after every step; a failure shrinks to a minimal sequence.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PageState } from "../../src/kernel";
import { HOST_VARIANTS, type HostVariant, type Op, Workload, opArb } from "./workload";

/** Runs `ops` on a fresh workload, checking everything after each step. */
function runChecked(thp: "always" | "madvise" | "never", seed: number, ops: Op[], host: HostVariant = {}): Workload {
  const w = new Workload(thp, seed, host);
  w.checkAll();
  for (const op of ops) {
    w.run(op);
    w.checkAll();
  }
  return w;
}

describe("invariants under random workloads", () => {
  it("hold after every step of mixed kernel, fork, brk and numpy commands", () => {
    let steps = 0;
    let refused = 0;
    let translations = 0;
    fc.assert(
      fc.property(fc.constantFrom("always" as const, "madvise" as const, "never" as const), fc.nat(1000), fc.array(opArb, { minLength: 1, maxLength: 40, size: "max" }), fc.constantFrom(...HOST_VARIANTS), (thp, seed, ops, host) => {
        const w = runChecked(thp, seed, ops, host);
        steps += w.steps;
        refused += w.refused;
        translations += w.mmu.translations;
      }),
      { numRuns: 400 },
    );
    // The workloads did real work: thousands of steps, most of them accepted, and translations
    // the checking MMU compared with fresh walks.
    expect(steps).toBeGreaterThan(6000);
    expect(refused).toBeLessThan(steps / 4);
    expect(translations).toBeGreaterThan(10_000);
  });

  it("a workload heavy on fork and copy-on-write keeps every parent's arrays intact", () => {
    const cowHeavy = fc.oneof(
      { weight: 2, arbitrary: fc.record({ op: fc.constant("fork" as const), who: fc.constant(0) }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant("scribble" as const), who: fc.integer({ min: 1, max: 3 }), pick: fc.nat(100), index: fc.nat(50_000), byte: fc.nat(255) }) },
      { weight: 3, arbitrary: opArb },
    );
    fc.assert(
      fc.property(fc.nat(1000), fc.array(cowHeavy, { minLength: 5, maxLength: 30, size: "max" }), (seed, ops) => {
        const w = runChecked("always", seed, [{ op: "create", kind: "arange", n: 40_000, value: 0 }, ...ops]);
        w.checkAll();
      }),
      { numRuns: 150 },
    );
  });
});

describe("counterexamples found by these properties, kept as regressions", () => {
  it("madvise(MADV_HUGEPAGE) on part of a huge page splits the PMD before splitting the VMA", () => {
    // Shrunk: mmap 2 MiB (THP always) -> write 1 byte (a huge page) -> madvise the last 511 pages.
    const w = runChecked("always", 0, [
      { op: "mmap", who: 0, pages: 512 },
      { op: "memset", who: 0, pick: 0, offset: 0, length: 1, byte: 0 },
      { op: "madvise", who: 0, pick: 0, skip: 1, pages: 512, advice: "hugepage" },
      { op: "mprotect", who: 0, pick: 0, skip: 0, pages: 512, prot: "none" },
    ]);
    const main = w.procs[0];
    expect(main.counters.thpFaults).toBe(1);
    expect(main.counters.thpSplits).toBe(1);
    // The 512 pages stay resident, now mapped by base entries.
    const [start, length] = w.regions.get(main)?.[0] ?? [0, 0];
    expect(Array.from(main.pageStates(start, length)).every((s) => s === PageState.Resident)).toBe(true);
  });
});
