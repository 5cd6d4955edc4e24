import { inspect } from "util";
import { describe, expect, it } from "vitest";
import { JUPYTER_DISPLAY, installDisplay, toMimeBundle } from "../../src/display/mime";
import { InvalidArgumentError } from "../../src/errors";

describe("toMimeBundle", () => {
  it("uses the Jupyter.display method first, then _toMime, then inspect", () => {
    const both = { [Symbol.for("Jupyter.display")]: () => ({ "text/plain": "deno" }), _toMime: () => ({ "text/plain": "ijs" }) };
    expect(toMimeBundle(both)).toEqual({ "text/plain": "deno" });
    expect(toMimeBundle({ _toMime: () => ({ "image/png": "AAAA" }) })).toEqual({ "image/png": "AAAA", "text/plain": "{ _toMime: [Function: _toMime] }" });
    expect(toMimeBundle({ a: 1 })).toEqual({ "text/plain": "{ a: 1 }" });
    expect(toMimeBundle("text")).toEqual({ "text/plain": "text" });
    expect(toMimeBundle(null)).toEqual({ "text/plain": "null" });
  });
});

describe("installDisplay", () => {
  class Process {
    constructor(readonly pid: number) {}
  }

  it("gives a class the display method, _toMime and a short inspect text", () => {
    installDisplay(Process.prototype, {
      text: (p) => `Process ${p.pid}`,
      bundle: (p) => ({ "application/json": { pid: p.pid } }),
    });
    const proc = new Process(7);
    const display = (proc as unknown as Record<symbol, () => unknown>)[JUPYTER_DISPLAY];
    expect(display.call(proc)).toEqual({ "text/plain": "Process 7", "application/json": { pid: 7 } });
    expect((proc as unknown as { _toMime(): unknown })._toMime()).toEqual({ "text/plain": "Process 7", "application/json": { pid: 7 } });
    expect(inspect(proc)).toBe("Process 7");
    expect(toMimeBundle(proc)).toEqual({ "text/plain": "Process 7", "application/json": { pid: 7 } });
  });

  it("rejects a missing prototype or methods", () => {
    expect(() => installDisplay(null as never, { text: () => "", bundle: () => ({}) })).toThrow(InvalidArgumentError);
    expect(() => installDisplay({}, {} as never)).toThrow(/bundle\(self\) and text\(self\)/);
  });
});
