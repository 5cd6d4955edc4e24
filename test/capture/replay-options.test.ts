// capture.replay's options are checked before the replay starts: followResidency: "no" followed
// the residency anyway, an unknown key was ignored, and an onProgress that is not a function
// threw a raw TypeError only after 100 000 calls.
import * as path from "path";
import { describe, expect, it } from "vitest";
import { load, replay, type ReplayOptions } from "../../src/capture";
import { InvalidArgumentError } from "../../src/errors";
import { Machine } from "../../src/kernel";

const c = load(path.join(__dirname, "fixtures", "minimal.capture"));
const where = /^capture\.replay\(capture, machine, options\): /;

describe("replay options", () => {
  it("refuses a followResidency that is not true or false", () => {
    for (const wrong of ["no", 0, null, "false"]) {
      expect(() => replay(c, undefined, { followResidency: wrong } as unknown as ReplayOptions), String(wrong)).toThrow(InvalidArgumentError);
    }
    expect(() => replay(c, undefined, { followResidency: "no" } as unknown as ReplayOptions)).toThrow(/options\.followResidency must be true or false, got "no"/);
  });

  it("refuses an unknown key with the one it meant", () => {
    expect(() => replay(c, undefined, { foo: 1 } as unknown as ReplayOptions)).toThrow(where);
    expect(() => replay(c, undefined, { followresidency: false } as unknown as ReplayOptions)).toThrow(/unknown option "followresidency" \(did you mean "followResidency"\?\)/);
  });

  it("refuses an onProgress that is not a function before it replays a call", () => {
    const machine = new Machine(c.meta.machine);
    expect(() => replay(c, machine, { onProgress: 5 } as unknown as ReplayOptions)).toThrow(/options\.onProgress must be a function \(calls\) => void, got 5/);
    expect(machine.processes).toHaveLength(0);
  });

  it("refuses options that are not an object", () => {
    for (const wrong of [null, 5, "x", [true]]) expect(() => replay(c, undefined, wrong as ReplayOptions), String(wrong)).toThrow(where);
  });

  it("still takes followResidency: false: the simulated RSS stays where the calls alone leave it", () => {
    const followed = replay(c, undefined, { followResidency: true });
    const not = replay(c, undefined, { followResidency: false, onProgress: () => undefined });
    const last = (r: typeof followed) => r.samples[r.samples.length - 1].simulatedVmRssKb;
    expect(last(not)).toBeLessThan(last(followed));
  });
});
