import { inspect } from "util";
import { describe, expect, it } from "vitest";
import { JUPYTER_DISPLAY, registerDisplay, toMimeBundle } from "../../src/display/mime";
import { displayBundle } from "../../src/display-protocol";
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

describe("the display registry", () => {
  class Shape {
    constructor(readonly sides: number) {}
    [JUPYTER_DISPLAY]() {
      return displayBundle(this);
    }
    [inspect.custom]() {
      return `Shape(${this.sides} sides)`;
    }
  }
  class Square extends Shape {}
  class Blob {
    [JUPYTER_DISPLAY]() {
      return displayBundle(this);
    }
  }

  it("draws a class (and its subclasses) with the registered renderer, keeping the object's own text", () => {
    registerDisplay(Shape, (s) => ({ "application/json": { sides: s.sides } }));
    expect(toMimeBundle(new Shape(3))).toEqual({ "text/plain": "Shape(3 sides)", "application/json": { sides: 3 } });
    expect(toMimeBundle(new Square(4))).toEqual({ "text/plain": "Shape(4 sides)", "application/json": { sides: 4 } });
    expect(inspect(new Shape(5))).toBe("Shape(5 sides)"); // nothing patched over the class's own text
    expect(toMimeBundle(new Blob())).toEqual({ "text/plain": "Blob {}" }); // no renderer: text only
  });

  it("the simulator's own objects keep their own text and get their chart from the display layer", async () => {
    await import("../../src/display/objects");
    const { Machine } = await import("../../src/kernel");
    const { numpy } = await import("../../src/runtime");
    const proc = new Machine().spawn();
    const a = numpy(proc).zeros(1024);
    const bundle = toMimeBundle(a);
    expect(bundle["text/plain"]).toBe(a.toString());
    expect(bundle["application/vnd.vegalite.v5+json"]).toBeDefined();
    expect(inspect(proc)).toMatch(/^Process\(pid 1, VmSize/);
    a.free();
    expect(Object.keys(toMimeBundle(a))).toEqual(["text/plain"]);
  });

  it("rejects a missing class or renderer", () => {
    expect(() => registerDisplay(null as never, () => ({}))).toThrow(InvalidArgumentError);
    expect(() => registerDisplay(Shape, null as never)).toThrow(/render must be a function/);
  });
});
