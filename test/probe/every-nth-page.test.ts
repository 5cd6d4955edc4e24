// everyNthPage: its arguments are checked before it loops, so a step of 0 or a page size of 3
// is an InvalidArgumentError naming the argument, not a loop that grows an array until V8 aborts.
import { describe, expect, it } from "vitest";
import { everyNthPage } from "../../src/probe";
import { InvalidArgumentError } from "../../src/errors";

describe("everyNthPage", () => {
  it("refuses a step below 1 instead of looping forever", () => {
    expect(() => everyNthPage(100, 0)).toThrow(InvalidArgumentError);
    expect(() => everyNthPage(100, 0)).toThrow(/everyNthPage: every must be an integer in \[1, /);
    expect(() => everyNthPage(100, -1)).toThrow(InvalidArgumentError);
    expect(() => everyNthPage(100, 0.5)).toThrow(InvalidArgumentError);
    expect(() => everyNthPage(100, NaN)).toThrow(InvalidArgumentError);
  });

  it("refuses a page size the simulated machines do not have", () => {
    expect(() => everyNthPage(100_000, 2, 3)).toThrow(/everyNthPage: pageSize must be 4096, 16384 or 65536/);
    expect(() => everyNthPage(100_000, 2, 0)).toThrow(InvalidArgumentError);
    expect(() => everyNthPage(100_000, 2, 8192)).toThrow(InvalidArgumentError);
  });

  it("refuses element counts that are not an array length compare() takes", () => {
    for (const elements of [-1, 1.5, NaN, Infinity, 2 ** 28 + 1, 2 ** 60]) {
      expect(() => everyNthPage(elements, 16), String(elements)).toThrow(/everyNthPage: elements must be an integer in \[0, 2\*\*28\]/);
    }
  });

  it("refuses wrong-typed arguments with an InvalidArgumentError, never a TypeError", () => {
    for (const wrong of [null, "16", Symbol("x"), 10n, {}, [4]] as unknown[]) {
      expect(() => everyNthPage(wrong as number, 16)).toThrow(InvalidArgumentError);
      expect(() => everyNthPage(1000, wrong as number)).toThrow(InvalidArgumentError);
      expect(() => everyNthPage(1000, 16, wrong as number)).toThrow(InvalidArgumentError);
    }
  });

  it("still lists the first element of every n-th page, up to one index per page at the largest length", () => {
    expect(everyNthPage(2048, 1)).toEqual([0, 510, 1022, 1534, 2046]);
    expect(everyNthPage(2048, 2)).toEqual([0, 1022, 2046]);
    expect(everyNthPage(2048, 1, 16384)).toEqual([0, 2046]);
    expect(everyNthPage(0, 1)).toEqual([]);
    expect(everyNthPage(2 ** 28, 1)).toHaveLength(2 ** 19 + 1);
  });
});
