// Bad answers get a clear message, never a crash: a wrong type, NaN, a missing or misspelt field,
// a list of the wrong length, a page out of range. Bad options to draw an exercise are refused
// with InvalidArgumentError, naming what is expected.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { EXERCISE_KINDS, exercise } from "../../src/exercises";

describe("a bad answer", () => {
  const status = exercise("memory-after-steps", { seed: 11 });
  const malloc = exercise("brk-or-mmap", { seed: 11, difficulty: "medium" });
  const pages = exercise("resident-pages", { seed: 11 });
  const calls = malloc.solution().calls as readonly string[];

  const cases: [string, ReturnType<typeof exercise>, unknown, RegExp][] = [
    ["a number instead of an object", status, 268, /the answer must be an object \{ VmRSS: <kB>, VmSize: <kB> \}, got 268/],
    ["null", status, null, /must be an object .* got null/],
    ["an array", status, [1, 2], /must be an object .* got an array/],
    ["a string field", status, { VmRSS: "268", VmSize: 392 }, /VmRSS must be a number \(kB\), got the string "268"/],
    ["NaN", status, { VmRSS: NaN, VmSize: 392 }, /VmRSS is NaN: give a whole number of kB/],
    ["Infinity", status, { VmRSS: Infinity, VmSize: 392 }, /VmRSS must be a whole number of kB \(0 or more\), got Infinity/],
    ["a fraction", status, { VmRSS: 2.5, VmSize: 392 }, /whole number of kB .* got 2\.5/],
    ["a negative number", status, { VmRSS: -4, VmSize: 392 }, /got -4/],
    ["a missing field", status, { VmRSS: 4 }, /missing field VmSize \(virtual memory size after the last step, kB\)/],
    ["undefined", status, { VmRSS: 4, VmSize: undefined }, /missing field VmSize/],
    ["a misspelt field", status, { VmRSS: 4, vmsize: 132 }, /unknown field "vmsize" \(did you mean "VmSize"\?\)/],
    ["choices of the wrong length", malloc, { calls: ["brk"], VmSize: 4 }, new RegExp(`calls must have ${calls.length} entries`)],
    ["an unknown choice", malloc, { calls: calls.map(() => "heap"), VmSize: 4 }, /calls\[0\] must be one of "brk", "mmap", got the string "heap"/],
    ["choices not an array", malloc, { calls: "brk", VmSize: 4 }, /calls must be an array, got the string "brk"/],
    ["a page out of range", pages, { resident: [0, 9999] }, /resident\[1\] must be a page number from 0 to \d+, got 9999/],
    ["a page that is not a number", pages, { resident: [0, "3"] }, /resident\[1\] must be a page number .* got the string "3"/],
  ];

  it.each(cases)("%s: not right, a message saying what is wrong, nothing revealed", (_, ex, answer, message) => {
    let result: ReturnType<typeof ex.check> | undefined;
    expect(() => (result = ex.check(answer))).not.toThrow();
    expect(result?.correct).toBe(false);
    expect(result?.problem).toMatch(message);
    expect(result?.message).toMatch(/^✗ Cannot check this answer: /);
    expect(result?.fields).toEqual([]);
    expect(result?.explanation).toBe("");
    expect(result?.chart).toBeNull();
  });

  it("a wrong answer says which field is wrong and what it should be", () => {
    const truth = status.solution();
    const result = status.check({ ...truth, VmRSS: (truth.VmRSS as number) + 4 });
    expect(result.correct).toBe(false);
    expect(result.problem).toBeNull();
    expect(result.message).toContain(`VmRSS is ${(truth.VmRSS as number).toLocaleString("en-US")} kB, not`);
    expect(result.message).toContain("VmSize");
    expect(result.fields.find((f) => f.field === "VmSize")?.correct).toBe(true);
    expect(result.explanation).toContain("| line |");
  });

  it("pages are a set: order and repeats do not matter", () => {
    const resident = pages.solution().resident as readonly number[];
    expect(pages.check({ resident: [...resident].reverse().concat(resident) }).correct).toBe(true);
  });

  it("the solution is a copy: changing it changes nothing", () => {
    const mine = malloc.solution() as { calls: string[] };
    mine.calls[0] = mine.calls[0] === "brk" ? "mmap" : "brk";
    expect(malloc.check(mine).correct).toBe(false);
    expect(malloc.check(malloc.solution()).correct).toBe(true);
  });
});

describe("drawing an exercise", () => {
  it("refuses an unknown kind, naming the kinds (with did-you-mean)", () => {
    expect(() => exercise("tlb-miss" as never, { seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => exercise("tlb-miss" as never, { seed: 1 })).toThrow(/unknown exercise kind "tlb-miss" \(did you mean "tlb-misses"\?\); kinds are memory-after-steps/);
  });

  it.each([[-1], [1.5], ["3"], [NaN], [2 ** 60], [undefined]])("refuses the seed %s", (seed) => {
    expect(() => exercise("platforms", { seed } as never)).toThrow(/seed must be a whole number from 0 to 2\*\*53 - 1/);
  });

  it("refuses a bad difficulty and an unknown option", () => {
    expect(() => exercise("platforms", { seed: 1, difficulty: "hrad" as never })).toThrow(/difficulty must be one of easy, medium, hard, got "hrad" \(did you mean "hard"\?\)/);
    expect(() => exercise("platforms", { seed: 1, level: "hard" } as never)).toThrow(/unknown option "level"/);
    expect(() => exercise("platforms", 3 as never)).toThrow(/options must be \{ seed, difficulty\? \}/);
  });

  it("gives different problems for different seeds, kinds and difficulties", () => {
    for (const kind of EXERCISE_KINDS) {
      const questions = new Set(Array.from({ length: 20 }, (_, seed) => exercise(kind, { seed }).question));
      expect(questions.size, kind).toBeGreaterThanOrEqual(15);
      expect(exercise(kind, { seed: 5, difficulty: "easy" }).question).not.toBe(exercise(kind, { seed: 5, difficulty: "hard" }).question);
    }
  });

  it("defaults to easy", () => {
    expect(exercise("fork-copies", { seed: 9 }).difficulty).toBe("easy");
    expect(exercise("fork-copies", { seed: 9 }).question).toBe(exercise("fork-copies", { seed: 9, difficulty: "easy" }).question);
  });
});
