// A real snapshot's methods check their arguments as the simulated process's do: a length of 2**60
// ran a loop of 2**48 pages, and frameOf(NaN) answered undefined where number | null is promised.
import { describe, expect, it } from "vitest";
import * as probe from "../../src/probe";
import { InvalidArgumentError } from "../../src/errors";

const linux = probe.supported().ok;

describe.skipIf(!linux)("a snapshot's methods", () => {
  it("refuse addresses, lengths and cell counts that are not whole pages of a bounded range", () => {
    const snap = probe.snapshot(probe.alloc(Float64Array, 2 ** 22));
    if (!snap.ok) throw new Error(`no snapshot: ${snap.reason}`);
    const P = snap.pageSize;
    expect(snap.residencySummary(snap.start, P * 4, 2).counts.length).toBeGreaterThan(0);
    expect(() => snap.residencySummary(snap.start, 2 ** 60, 4)).toThrow(/^snapshot\.residencySummary: length must be an integer in \[1, /);
    expect(() => snap.residencySummary(NaN, P, 4)).toThrow(/^snapshot\.residencySummary: addr must be an integer/);
    expect(() => snap.residencySummary(snap.start, P, 2 ** 30)).toThrow(/^snapshot\.residencySummary: cells must be an integer/);
    expect(() => snap.residencySummary(snap.start, "4096" as unknown as number, 4)).toThrow(InvalidArgumentError);
    expect(() => snap.residencySummary(snap.start + 1, P, 4)).toThrow(/addr and length must be whole pages/);
    expect(() => snap.frameOf(NaN)).toThrow(/^snapshot\.frameOf: addr must be an integer/);
    expect(() => snap.frameOf("1" as unknown as number)).toThrow(InvalidArgumentError);
    expect(snap.frameOf(0)).toBeNull();
  });
});
