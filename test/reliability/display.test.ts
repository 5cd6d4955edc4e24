// Notebook robustness: displaying enormous or busy objects stays bounded, and a failing call
// prints as a clear one-line error. (The probe's bounded /proc reads are tested in
// test/probe/fakeProc.test.ts: "reads pagemap only at the mapping's own offsets, in bounded chunks"
// and "refuses oversized, unaligned and malformed targets before reading anything".)

import { inspect } from "util";
import { describe, expect, it } from "vitest";
import { MAX_BUNDLE_BYTES, residencyHeatmapChart } from "../../src/charts";
import { toMimeBundle } from "../../src/display";
import { Machine } from "../../src/kernel";
import { numpy } from "../../src/runtime";

const LIMIT = 300 * 1024;
const bytesOf = (bundle: Record<string, unknown>) => JSON.stringify(bundle).length;

/** A 2 GiB float64 array with a few thousand scattered written pages. */
function bigScatteredArray() {
  const machine = new Machine({ seed: 5 });
  const proc = machine.spawn();
  const np = numpy(proc);
  const a = np.zeros(2 ** 28);
  let x = 12345;
  for (let i = 0; i < 3000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31; // a small LCG: scattered, reproducible indices
    a.set(x % a.size, 1);
  }
  return { machine, proc, np, a };
}

describe("displays are bounded", () => {
  it("a 2 GiB array with 3000 scattered written pages displays in under 300 KB", () => {
    const { a, proc } = bigScatteredArray();
    const bundle = toMimeBundle(a);
    expect(bundle["application/vnd.vegalite.v5+json"]).toBeDefined();
    expect(bundle["text/html"]).toBeUndefined();
    expect(bytesOf(bundle)).toBeLessThan(LIMIT);
    expect(MAX_BUNDLE_BYTES).toBeLessThanOrEqual(LIMIT);
    // The text forms are short too.
    expect(String(a).length).toBeLessThan(2000);
    expect(inspect(a).length).toBeLessThan(2000);
    expect(inspect(proc).length).toBeLessThan(500);
  });

  it("a heatmap of the whole 128 TiB user space is bounded", () => {
    const { proc } = bigScatteredArray();
    const chart = residencyHeatmapChart(proc, 0, 2 ** 47 - 4096, { title: "everything" });
    expect(bytesOf(chart.toMimeBundle())).toBeLessThan(LIMIT);
  });

  it("a process with a full event log (10,000 calls) displays a bounded timeline", () => {
    const machine = new Machine({ eventCapacity: 10_000 });
    const proc = machine.spawn();
    const addr = proc.mmap(2 ** 30);
    for (let i = 0; i < 12_000; i++) proc.touch(addr + (i % 2 ** 18) * 4096, 1, i % 3 === 0 ? "read" : "write");
    expect(machine.events.length).toBe(10_000);
    expect(machine.eventsDropped).toBeGreaterThan(0);
    const bundle = toMimeBundle(proc);
    expect(bytesOf(bundle)).toBeLessThan(LIMIT);
    expect(bytesOf(toMimeBundle(machine))).toBeLessThan(1000);
  });

  it("toArray of a million elements is one logged call, not a million", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const a = numpy(proc).arange(20_000, undefined, 1, "float64");
    const before = machine.events.length;
    expect(a.toArray().slice(-2)).toEqual([19_998, 19_999]);
    expect(machine.events.length - before).toBe(1);
    expect(() => numpy(proc).zeros(2 ** 21).toArray()).toThrowError(/toArray\(limit\): the array has 2097152 elements, more than limit 1000000/);
  });
});

describe("a cell that throws shows a clear message", () => {
  it("errors print as 'Name: message' on their first line, as tslab and Node show them", () => {
    const { np, a } = bigScatteredArray();
    const cases: [() => unknown, RegExp][] = [
      [() => a.get(2 ** 28), /^IndexError: index 268435456 is out of bounds for axis 0 with size 268435456$/],
      [() => np.zeros(-3), /^ValueError: negative dimensions are not allowed \(shape -3\)$/],
      [() => np.zeros(2 ** 45), /^MemoryError: Unable to allocate 256\.00 TiB for an array with shape \(35184372088832,\) and data type float64$/],
      [() => np.zeros(4, "complex256"), /^InvalidArgumentError: data type "complex256" not understood/],
    ];
    for (const [act, text] of cases) {
      let thrown: unknown;
      try {
        act();
      } catch (error) {
        thrown = error;
      }
      expect(String(thrown)).toMatch(text);
      expect(String((thrown as Error).stack).split("\n")[0]).toMatch(text);
    }
  });
});
