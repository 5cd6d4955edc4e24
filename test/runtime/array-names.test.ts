// An array's name (the creation option `name`, a notebook's Python variable) is what the
// process's events call it, so a timeline reads like the code that made it.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { Machine } from "../../src/kernel";
import { numpy } from "../../src/runtime";

function session() {
  const proc = new Machine().spawn();
  const np = numpy(proc);
  const calls = () => proc.events.map((e) => e.call);
  return { proc, np, calls };
}

describe("array names in the event log", () => {
  it("the founding statements read as written: l = np.zeros, l[-1] = 3, np.add(l, 0, out=l), l.sum(), del l", () => {
    const { np, calls } = session();
    const before = calls().length;
    const l = np.zeros(2 ** 20, { name: "l" });
    l[-1] = 3;
    np.add(l, 0, { out: l });
    l.sum();
    l.free();
    expect(calls().slice(before)).toEqual(["l = np.zeros(1048576, float64)", "l[-1] = 3", "np.add(l, 0, out=l)", "l.sum()", "del l"]);
  });

  it("every creation function takes a name; views keep their array's", () => {
    const { np, calls } = session();
    const before = calls().length;
    const e = np.empty(8, { name: "e", dtype: "int32" });
    const o = np.ones([2, 2], { name: "o" });
    np.arange(4, undefined, 1, { name: "r" });
    np.zeros_like(o, { name: "z" });
    const v = np.ndarray(2, { buffer: e, offset: 4, dtype: "int32", name: "v" });
    v.set(0, 1);
    o.reshape(4).set(3, 2);
    expect(e.dtype.name).toBe("int32");
    expect(calls().slice(before)).toEqual(["e = np.empty(8, int32)", "o = np.ones(2x2, float64)", "r = np.arange(4, int64)", "z = np.zeros(2x2, float64)", "v[0] = 1", "o[3] = 2"]);
  });

  it("unnamed arrays stay a, b, ... in the order a statement uses them; names that collide fall back to letters", () => {
    const { np, calls } = session();
    const x = np.zeros(4);
    const y = np.zeros(4);
    const n1 = np.zeros(4, { name: "n" });
    const n2 = np.zeros(4, { name: "n" });
    const before = calls().length;
    np.add(x, y);
    np.multiply(n1, y);
    np.subtract(n1, n2, { out: n1 });
    expect(calls().slice(before)).toEqual(["np.add(a, b)", "np.multiply(n, a)", "np.subtract(a, b, out=a)"]);
  });

  it.each([["a b"], [""], [5], ["x".repeat(41)]])("a name that cannot be a variable is refused: %j", (name) => {
    const { np } = session();
    expect(() => np.zeros(4, { name } as never)).toThrow(InvalidArgumentError);
    expect(() => np.zeros(4, { name } as never)).toThrow(/zeros\(shape, options\): name must be 1 to 40 characters without spaces/);
  });
});
