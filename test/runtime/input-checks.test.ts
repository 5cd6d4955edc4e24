// Arguments the runtime used to ignore or misread, now refused with an error that names the call
// and the argument: arrays of another process in a ufunc, numpy's positional out, reductions
// given an axis, truthy strings as flags, unknown option keys, null or a number where a dtype or
// options go, and shapes too large to count in bytes.
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel";
import { node, numpy, NumpyAllocator } from "../../src/runtime";
import { tlbReachExperiment, sweepExperiment } from "../../src/runtime/experiments/tlb";
import { InvalidArgumentError, PagelabError, ValueError } from "../../src/errors";

function twoProcesses() {
  const machine = new Machine({ seed: 1 });
  const p = machine.spawn();
  const q = machine.spawn();
  return { machine, p, q, np: numpy(p), nq: numpy(q) };
}

/** The error `fn` throws (fails the test when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

describe("reductions take no axis", () => {
  it.each(["sum", "mean", "max"] as const)("a.%s(1) and { axis: 1 } are refused, not answered with the total", (name) => {
    const { np } = twoProcesses();
    const a = np.ones([3, 4]);
    const reduce = a[name] as (...args: unknown[]) => number;
    for (const arg of [1, { axis: 1 }, null]) {
      const error = thrown(() => reduce.call(a, arg));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toMatch(new RegExp(`^${name}\\(\\): axis is not modelled; only the \\w+ of all elements`));
    }
    expect(reduce.call(a, undefined)).toBe(name === "sum" ? 12 : 1);
  });
});

describe("Node's Buffer calls", () => {
  it("node(p).bufferAlloc(-1) names bufferAlloc(size)", () => {
    const js = node(new Machine({ seed: 1 }).spawn());
    const error = thrown(() => js.bufferAlloc(-1));
    expect(error).toBeInstanceOf(PagelabError);
    expect(error.message).toBe("bufferAlloc(size): size must be a non-negative integer, got -1");
    expect(thrown(() => js.bufferAllocUnsafe(1.5)).message).toBe("bufferAllocUnsafe(size): size must be a non-negative integer, got 1.5");
    expect(thrown(() => js.typedArray("Int8Array", -1)).message).toBe("typedArray(type, length): length must be a non-negative integer, got -1");
    expect(js.bufferAlloc(10).nbytes).toBe(10);
  });
});
