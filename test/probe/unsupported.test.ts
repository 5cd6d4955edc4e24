// Off Linux, or with /proc hidden, every probe call answers { ok: false, reason } and never throws.
import { describe, expect, it } from "vitest";
import * as probe from "../../src/probe";
import { fakeRoot } from "./helpers";

const target = { mapping: { start: 0x10000000, end: 0x10001000 } };

function everyCall(options: probe.ProbeOptions) {
  const allocated = probe.alloc(Float64Array, 1000, options);
  return {
    allocated,
    answers: {
      supported: probe.supported(options),
      residency: probe.residency(allocated, options),
      residencyOfRange: probe.residency(target, options),
      frames: probe.frames(target, options),
      residencySummary: probe.residencySummary(target, 10, options),
      status: probe.status(options),
      minorFaults: probe.minorFaults(options),
      smapsOf: probe.smapsOf(target.mapping, options),
      hostFacts: probe.hostFacts(options),
    },
  };
}

describe("unsupported hosts", () => {
  it("with procRoot at an empty folder, every call says /proc is missing", () => {
    const { allocated, answers } = everyCall({ procRoot: fakeRoot(), platform: "linux" });
    expect(allocated.array).toBeInstanceOf(Float64Array);
    expect(allocated.array.length).toBe(1000);
    expect(allocated).toMatchObject({ ok: false, mapping: null, dataStart: null });
    expect(allocated.note).toMatch(/unsupported: .*self\/maps is not readable/);
    for (const [call, answer] of Object.entries(answers)) {
      expect(answer, call).toMatchObject({ ok: false });
      expect((answer as { reason: string }).reason, call).toMatch(/\/proc|mapping/);
    }
    expect(answers.residencyOfRange).toMatchObject({ reason: expect.stringMatching(/self\/maps is not readable/) });
  });

  it("on another platform, every call names the platform", () => {
    const { allocated, answers } = everyCall({ platform: "darwin" });
    expect(allocated.note).toMatch(/"darwin"/);
    for (const [call, answer] of Object.entries(answers)) {
      expect(answer, call).toEqual({ ok: false, reason: expect.stringMatching(/"darwin"/) });
    }
  });

  it("with /proc present but pagemap missing, supported() and residency() say so", () => {
    const root = fakeRoot({ "self/maps": "10000000-10001000 rw-p 00000000 00:00 0 \n", "self/smaps": "KernelPageSize: 4 kB\n" });
    expect(probe.supported({ procRoot: root, platform: "linux" })).toEqual({ ok: false, reason: expect.stringMatching(/pagemap cannot be opened \(ENOENT\)/) });
    expect(probe.residency(target, { procRoot: root, platform: "linux" })).toMatchObject({ ok: false, reason: expect.stringMatching(/pagemap/) });
  });

  it("still rejects a bad argument with InvalidArgumentError, whatever the host", () => {
    expect(() => probe.alloc(Array as never, 10, { platform: "darwin" })).toThrow(/typed-array constructor/);
    expect(() => probe.alloc(Float64Array, -1, { platform: "darwin" })).toThrow(/length must be a non-negative safe integer, got -1/);
    expect(() => probe.alloc(Float64Array, 1.5)).toThrow(/got 1\.5/);
  });
});
