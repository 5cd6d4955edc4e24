// Claims.check with conditions and options it used to misread: a condition returning 1 failed
// without saying so, an async condition always failed, and a string where the options go (or an
// unknown option, or a truthy string for real) was ignored.
import { afterEach, describe, expect, it, vi } from "vitest";
import { thrown } from "../thrown";
import { ClaimError, Claims } from "../../src/display/claims";
import { InvalidArgumentError } from "../../src/errors";

function recorder(): { claims: Claims; lines: string[] } {
  const lines: string[] = [];
  return { claims: new Claims("nb", (line) => lines.push(line)), lines };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a condition that returns no boolean", () => {
  it("claims.check('x', () => 1) fails saying the condition returned 1", () => {
    const { claims, lines } = recorder();
    const error = thrown(() => claims.check("x", () => 1 as never));
    expect(error).toBeInstanceOf(ClaimError);
    expect(error.message).toBe("claim failed in nb: x (the condition returned 1, not true or false)");
    expect(lines).toEqual(["✗ x — the condition returned 1, not true or false"]);
    expect(thrown(() => claims.check("y", () => undefined as never, { detail: "d" })).message).toBe(
      "claim failed in nb: y (d; the condition returned undefined, not true or false)",
    );
  });

  it("an async condition is refused as not synchronous, recorded nowhere, and its rejection is not left unhandled", async () => {
    const { claims, lines } = recorder();
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const error = thrown(() => claims.check("x", (async () => true) as never));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toBe('Claims.check: the condition of "x" returned a Promise; conditions must be synchronous (await the value first, then check it)');
      expect(thrown(() => claims.check("y", (() => Promise.reject(new Error("no"))) as never))).toBeInstanceOf(InvalidArgumentError);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
    expect(claims.all).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("true and false, given or returned, behave as before", () => {
    const { claims, lines } = recorder();
    claims.check("a", true);
    claims.check("b", () => true, { detail: "ok" });
    expect(() => claims.check("c", () => false)).toThrow("claim failed in nb: c");
    expect(lines).toEqual(["✓ a", "✓ b — ok", "✗ c"]);
  });
});

describe("the options slot", () => {
  it("claims.check('x', true, 'detail') is refused, saying to pass { detail }", () => {
    const { claims, lines } = recorder();
    const error = thrown(() => claims.check("x", true, "detail" as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('Claims.check: options must be an object, got the string "detail"; pass { detail: "detail" }');
    expect(lines).toEqual([]);
  });

  it("an unknown key, a truthy string for real, or a non-string detail is refused", () => {
    const { claims } = recorder();
    expect(thrown(() => claims.check("x", true, { detial: "d" } as never)).message).toBe('Claims.check: unknown option "detial" (did you mean "detail"?); options are real, detail');
    expect(thrown(() => claims.check("x", true, { real: "yes" } as never)).message).toBe('Claims.check: options.real must be true or false, got "yes"');
    expect(thrown(() => claims.check("x", true, { detail: 5 } as never)).message).toBe("Claims.check: options.detail must be a string, got 5");
    expect(thrown(() => claims.check("x", true, null as never))).toBeInstanceOf(InvalidArgumentError);
    expect(claims.all).toEqual([]);
  });
});
