import { describe, expect, it } from "vitest";
import { ClaimError, Claims } from "../../src/display/claims";
import { InvalidArgumentError } from "../../src/errors";

/** Claims that print into an array. */
function recorder(name = "01-zeros"): { claims: Claims; lines: string[] } {
  const lines: string[] = [];
  return { claims: new Claims(name, (line) => lines.push(line)), lines };
}

describe("Claims", () => {
  it("prints a ✓ line per held claim and the runner's summary line", () => {
    const { claims, lines } = recorder();
    claims.check("np.zeros leaves RSS unchanged", true, { detail: "ΔRSS = 0 B" });
    claims.check("the real process agrees", true, { real: true });
    claims.skip("pagemap shows the zero page", "not Linux");
    claims.summary();
    expect(lines).toEqual([
      "✓ np.zeros leaves RSS unchanged — ΔRSS = 0 B",
      "✓ [real] the real process agrees",
      "– [real] pagemap shows the zero page — skipped: not Linux",
      "CLAIMS 01-zeros: 2 checked, 2 held (simulated 1/1, real 1/1, skipped 1)",
    ]);
  });

  it("throws at once on a false claim, after printing and recording it", () => {
    const { claims, lines } = recorder();
    expect(() => claims.check("RSS grew by 2 GiB", false, { detail: "grew 0 B" })).toThrow(ClaimError);
    expect(lines).toEqual(["✗ RSS grew by 2 GiB — grew 0 B"]);
    expect(() => claims.check("again", () => false)).toThrow("claim failed in 01-zeros: again");
    claims.summary();
    expect(lines[lines.length - 1]).toBe("CLAIMS 01-zeros: 2 checked, 0 held (simulated 0/2, real 0/0, skipped 0)");
  });

  it("counts a condition that throws as a failed claim, with the reason", () => {
    const { claims, lines } = recorder();
    expect(() =>
      claims.check("probe reads pagemap", () => {
        throw new Error("EACCES");
      }, { real: true }),
    ).toThrow(/threw EACCES/);
    expect(lines[0]).toBe("✗ [real] probe reads pagemap — threw EACCES");
    expect(claims.all).toEqual([{ text: "probe reads pagemap", real: true, held: false, detail: "threw EACCES" }]);
  });

  it("treats only a true result of a function as holding", () => {
    const { claims } = recorder();
    expect(() => claims.check("truthy is not true", () => 1 as never)).toThrow(ClaimError);
  });

  it("validates its arguments without recording anything", () => {
    const { claims, lines } = recorder();
    expect(() => new Claims("")).toThrow(InvalidArgumentError);
    expect(() => claims.check("", true)).toThrow(/text must be a non-empty string/);
    expect(() => claims.check("x", "yes" as never)).toThrow(/condition must be a boolean or a function, got "yes"/);
    expect(() => claims.skip("x", "")).toThrow(/reason must be a non-empty string/);
    expect(claims.all).toEqual([]);
    expect(lines).toEqual([]);
  });
});
