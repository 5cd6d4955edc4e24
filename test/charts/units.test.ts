import fc from "fast-check";
import * as vega from "vega";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { binaryTicks, formatAddress, formatBytes, formatBytesExpr, formatCount } from "../../src/charts/units";

/** Evaluates a Vega expression with vega itself (a signal in a headless view). */
function evaluate(expression: string): unknown {
  const view = new vega.View(vega.parse({ signals: [{ name: "out", update: expression }] }), { renderer: "none" });
  view.run();
  const value = view.signal("out");
  view.finalize();
  return value;
}

describe("formatBytes", () => {
  it("uses binary units with at most two decimals", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1000)).toBe("1000 B");
    expect(formatBytes(1024)).toBe("1 KiB");
    expect(formatBytes(4096)).toBe("4 KiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(2 ** 31)).toBe("2 GiB");
    expect(formatBytes(2 ** 57)).toBe("128 PiB");
    expect(formatBytes(-4096)).toBe("-4 KiB");
  });

  it("carries a value that rounds to 1024 into the next unit", () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe("1 MiB");
  });

  it("rejects what is not a finite number", () => {
    expect(() => formatBytes(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => formatBytes("4096" as never)).toThrow(/bytes must be a finite number, got "4096"/);
  });
});

describe("formatCount and formatAddress", () => {
  it("groups thousands and prints addresses in hex", () => {
    expect(formatCount(524288)).toBe("524,288");
    expect(formatCount(-1234567.5)).toBe("-1,234,567.5");
    expect(formatCount(999)).toBe("999");
    expect(formatAddress(0x7f0000000000)).toBe("0x7f0000000000");
    expect(() => formatAddress(-1)).toThrow(InvalidArgumentError);
  });
});

describe("formatBytesExpr", () => {
  it("formats like formatBytes when vega evaluates it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.constantFrom(1, 1.5, 3, 7), (shift, factor) => {
        const bytes = Math.round(2 ** shift * factor);
        const label = evaluate(formatBytesExpr(String(bytes))) as string;
        expect(label).toBe(formatBytes(bytes));
      }),
      { numRuns: 40 },
    );
  });
});

describe("binaryTicks", () => {
  it("steps by a power of two and covers the maximum", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 50 }), (max) => {
        const ticks = binaryTicks(max);
        const step = ticks[1] - ticks[0];
        expect(Number.isInteger(Math.log2(step))).toBe(true);
        expect(ticks[0]).toBe(0);
        expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
        expect(ticks[ticks.length - 2]).toBeLessThan(max);
        expect(ticks.length).toBeLessThanOrEqual(8);
      }),
    );
  });
});
