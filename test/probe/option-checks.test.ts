// Every public probe call checks its options bag before it reads /proc or starts a child: an
// unknown key (a typo such as procroot) or a wrong-typed field is an InvalidArgumentError naming
// the call and the key, never silently ignored (alloc read the real /proc with { procroot: "/x" }).
import { describe, expect, it } from "vitest";
import * as probe from "../../src/probe";
import { InvalidArgumentError } from "../../src/errors";
import { Machine } from "../../src/kernel";
import { fakeRoot } from "./helpers";

const target = { mapping: { start: 0x10000000, end: 0x10001000 } };

/** Each public call that takes ProbeOptions, called with `options`. */
const CALLS: [string, (options: unknown) => unknown][] = [
  ["alloc", (o) => probe.alloc(Float64Array, 10, o as probe.ProbeOptions)],
  ["supported", (o) => probe.supported(o as probe.ProbeOptions)],
  ["residency", (o) => probe.residency(target, o as probe.ProbeOptions)],
  ["frames", (o) => probe.frames(target, o as probe.ProbeOptions)],
  ["residencySummary", (o) => probe.residencySummary(target, 4, o as probe.ProbeOptions)],
  ["snapshot", (o) => probe.snapshot(target, o as probe.ProbeOptions)],
  ["status", (o) => probe.status(o as probe.ProbeOptions)],
  ["minorFaults", (o) => probe.minorFaults(o as probe.ProbeOptions)],
  ["smapsOf", (o) => probe.smapsOf(target.mapping, o as probe.ProbeOptions)],
  ["hostFacts", (o) => probe.hostFacts(o as probe.ProbeOptions)],
  ["measureLazyFree", (o) => probe.measureLazyFree(o as probe.LazyFreeOptions)],
];

describe("probe options", () => {
  it("alloc refuses { procroot } with the key it meant, instead of reading the real /proc", () => {
    expect(() => probe.alloc(Float64Array, 10, { procroot: "/x" } as probe.ProbeOptions)).toThrow(InvalidArgumentError);
    expect(() => probe.alloc(Float64Array, 10, { procroot: "/x" } as probe.ProbeOptions)).toThrow(/^alloc: unknown option "procroot" \(did you mean "procRoot"\?\)/);
  });

  for (const [name, call] of CALLS) {
    it(`${name} refuses an unknown key, a non-object and a wrong-typed field, naming itself`, () => {
      const where = new RegExp(`^${name}: `);
      expect(() => call({ procRoot: fakeRoot(), platform: "linux", foo: 1 })).toThrow(InvalidArgumentError);
      expect(() => call({ procRoot: fakeRoot(), platform: "linux", foo: 1 })).toThrow(where);
      expect(() => call({ sysroot: "/sys" })).toThrow(/unknown option "sysroot" \(did you mean "sysRoot"\?\)/);
      for (const wrong of [null, "linux", 5, [], Symbol("x")]) expect(() => call(wrong), String(wrong)).toThrow(where);
      expect(() => call({ procRoot: 5 })).toThrow(new RegExp(`^${name}: options\\.procRoot must be a non-empty string, got 5`));
      expect(() => call({ platform: "" })).toThrow(InvalidArgumentError);
    });
  }

  it("still answers { ok: false } for a valid options object pointing at an empty folder", () => {
    expect(probe.status({ procRoot: fakeRoot(), platform: "linux" })).toMatchObject({ ok: false });
    expect(probe.measureLazyFree({ procRoot: fakeRoot(), platform: "linux", pages: 8 })).toMatchObject({ ok: false });
  });

  it("measureLazyFree checks python and pages before it starts a child", () => {
    expect(() => probe.measureLazyFree({ python: 5 } as unknown as probe.LazyFreeOptions)).toThrow(/^measureLazyFree: options\.python must be a non-empty string/);
    expect(() => probe.measureLazyFree({ pags: 8 } as unknown as probe.LazyFreeOptions)).toThrow(/unknown option "pags" \(did you mean "pages"\?\)/);
    expect(() => probe.measureLazyFree({ pages: 0 })).toThrow(/options\.pages must be an integer/);
  });

  it("measureHostBehaviour refuses an interpreter that is not a path", () => {
    for (const wrong of [5, null, "", {}]) {
      expect(() => probe.measureHostBehaviour(wrong as string)).toThrow(/^measureHostBehaviour: python must be a non-empty string/);
    }
  });

  it("compareNumpy checks its options (and options.probe's) before it runs anything", () => {
    const run = (options: unknown) => () => probe.compareNumpy(["pass"], options as probe.CompareNumpyOptions);
    expect(run(null)).toThrow(/^compareNumpy: options must be an object, got null/);
    expect(run({ timeout: 5 })).toThrow(/^compareNumpy: unknown option "timeout" \(did you mean "timeoutMs"\?\)/);
    expect(run({ timeoutMs: "5" })).toThrow(/^compareNumpy: options\.timeoutMs must be an integer in \[1, 2\*\*31 - 1\]/);
    expect(run({ timeoutMs: 0 })).toThrow(InvalidArgumentError);
    expect(run({ repeatsForNoise: -1 })).toThrow(/^compareNumpy: options\.repeatsForNoise must be an integer in \[0, 1000\]/);
    expect(run({ repeatsForNoise: 1.5 })).toThrow(InvalidArgumentError);
    expect(run({ probe: { procroot: "/x" } })).toThrow(/^compareNumpy\(options\.probe\): unknown option "procroot" \(did you mean "procRoot"\?\)/);
    expect(run({ probe: 5 })).toThrow(/^compareNumpy\(options\.probe\): options\.probe must be an object, got 5/);
    expect(run({ probe: { platform: 5 } })).toThrow(/options\.probe\.platform must be a non-empty string/);
    // a valid bag still runs (the real side skipped: the platform is not Linux)
    const cmp = probe.compareNumpy(["pass"], { timeoutMs: 1000, repeatsForNoise: 0, probe: { platform: "darwin" } });
    expect(cmp.real).toMatchObject({ skipped: expect.stringContaining("darwin") });
  });
});

describe("Machine.fromHost(overrides)", () => {
  it("refuses overrides that are not an object before it reads the host (a number or null vanished in the spread)", () => {
    for (const wrong of [5, null, "abc", [1], true]) {
      expect(() => Machine.fromHost(wrong as never), String(wrong)).toThrow(/^Machine\.fromHost\(overrides\): overrides must be an object of Machine options/);
    }
  });
});
