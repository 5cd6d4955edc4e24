// The probe's pure calls check the records they are handed element by element: a null step, a
// region that is null or a behaviour that says ok without its findings is an InvalidArgumentError
// naming the call and the field, not a TypeError from deep inside (compare, behaviourFromEvidence,
// checkTwin, findingsOf, machineOptionsFor, lazyFreeExpected).
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { Machine } from "../../src/kernel";
import * as probe from "../../src/probe";
import type { CalibrationEvidence, HostFacts } from "../../src/probe";

const evidence: CalibrationEvidence = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "hosts", "stock-zero-page.json"), "utf8"));

/** Recorded facts of a stock host with the given behaviour. */
function factsWith(behaviour: unknown): HostFacts {
  return {
    ok: true, pageSize: 4096, ramBytes: 2 ** 34, swapBytes: 0, thp: "madvise", useZeroPage: true, thpSizes: {}, maxPtesNone: 511,
    overcommit: 0, overcommitRatio: 50, behaviour: behaviour as HostFacts["behaviour"], findings: [], cpuModel: null,
    nearestCpuPreset: "skylake", presetGuessed: false, notes: [],
  };
}

describe("compare(experiment) checks every step before it allocates", () => {
  const run = (steps: unknown) => () => probe.compare({ elements: 10, steps } as probe.CompareExperiment);
  it("refuses a step that is not an object, with the step's index", () => {
    expect(run([null])).toThrow(/^compare\(experiment\): steps\[0\] must be \{ label, write\?, read\? \}, got null/);
    expect(run([{ label: "a" }, 5])).toThrow(/steps\[1\] must be/);
  });
  it("refuses index lists that are not arrays, labels that are not strings and misspelt keys", () => {
    expect(run([{ label: "x", write: 5 }])).toThrow(/^compare\(experiment\): steps\[0\]\.write must be an array of element indices, got 5/);
    expect(run([{ label: "x", read: "0" }])).toThrow(/steps\[0\]\.read must be an array/);
    expect(run([{ label: 5 }])).toThrow(/steps\[0\]\.label must be a string, got 5/);
    expect(run([{ label: "x", writes: [1] }])).toThrow(/steps\[0\]: unknown option "writes" \(did you mean "write"\?\)/);
    expect(run([{ label: "x", write: [Symbol("i")] }])).toThrow(/index a symbol Symbol\(i\) is outside 0\.\.9/);
    expect(() => probe.compare({ elements: Symbol("n"), steps: [] } as unknown as probe.CompareExperiment)).toThrow(/elements must be an integer in 1\.\.2\*\*28, got a symbol/);
    expect(() => probe.compare({ elements: 10, steps: [{ label: "x" }], step: [] } as unknown as probe.CompareExperiment)).toThrow(/unknown option "step" \(did you mean "steps"\?\)/);
  });
});

describe("calibration records", () => {
  it("behaviourFromEvidence refuses a region that is null or lacks its figures", () => {
    const withRegions = (regions: unknown[]) => ({ ...evidence, regions }) as CalibrationEvidence;
    expect(() => probe.behaviourFromEvidence(withRegions([null]))).toThrow(/^behaviourFromEvidence: evidence\.regions\[0\] must be an object, got null/);
    expect(() => probe.behaviourFromEvidence(withRegions([{ ...evidence.regions[0], pagesPresent: "1" }]))).toThrow(
      /^behaviourFromEvidence: evidence\.regions\[0\]\.pagesPresent must be a number, got "1"/,
    );
    expect(probe.behaviourFromEvidence(evidence).ok).toBe(true);
  });

  it("checkTwin refuses null regions and a mapping smaller than the calibration's layout, before it spawns a process", () => {
    const machine = new Machine();
    expect(() => probe.checkTwin(machine, { mappedBytes: evidence.mappedBytes, regions: [null] } as unknown as probe.CalibrationRecord)).toThrow(
      /^checkTwin: evidence\.regions\[0\] must be an object, got null/,
    );
    for (const mappedBytes of [NaN, -1, 4096, 2 ** 60]) {
      expect(() => probe.checkTwin(machine, { mappedBytes, regions: evidence.regions }), String(mappedBytes)).toThrow(/^checkTwin: evidence\.mappedBytes must be an integer in \[8 MiB, 1 GiB\]/);
    }
    expect(machine.processes).toHaveLength(0);
    expect(probe.checkTwin(machine, evidence).regions).toHaveLength(evidence.regions.length);
  });

  it("findingsOf and machineOptionsFor refuse a behaviour that says ok without its findings", () => {
    for (const call of [probe.findingsOf, probe.machineOptionsFor] as ((facts: HostFacts) => unknown)[]) {
      const name = call === probe.findingsOf ? "findingsOf" : "machineOptionsFor";
      expect(() => call(factsWith({ ok: true }))).toThrow(new RegExp(`^${name}: facts\\.behaviour\\.readFault must be an object, got undefined`));
      expect(() => call(factsWith({ ...probe.behaviourFromEvidence(evidence), writeFault: { result: "4096", bytesAllocated: 4096 } }))).toThrow(
        /facts\.behaviour\.writeFault\.result must be a number/,
      );
      expect(() => call(factsWith(null))).toThrow(/facts\.behaviour must be an object, got null/);
      expect(() => call(factsWith({ ok: "yes" }))).toThrow(/facts\.behaviour\.ok must be a boolean/);
      expect(call(factsWith({ ok: false, reason: "not measured" }))).toBeDefined();
      expect(call(factsWith(probe.behaviourFromEvidence(evidence)))).toBeDefined();
    }
  });

  it("lazyFreeExpected refuses a release that is not a string and a swap size that is not a number of kB", () => {
    expect(() => probe.lazyFreeExpected(Symbol("6.1") as unknown as string, 0)).toThrow(/^lazyFreeExpected: kernelRelease must be a string/);
    expect(() => probe.lazyFreeExpected(6.1 as unknown as string, 0)).toThrow(InvalidArgumentError);
    expect(() => probe.lazyFreeExpected("6.1.0", Symbol("0") as unknown as number)).toThrow(/^lazyFreeExpected: swapTotalKb must be a number of kB >= 0, or null/);
    expect(() => probe.lazyFreeExpected("6.1.0", -1)).toThrow(InvalidArgumentError);
    expect(() => probe.lazyFreeExpected("6.1.0", NaN)).toThrow(InvalidArgumentError);
    expect(probe.lazyFreeExpected("4.9.0", null).lazy).toBe(false);
  });
});
