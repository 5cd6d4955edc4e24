// Arguments the runtime used to ignore or misread, now refused with an error that names the call
// and the argument: arrays of another process in a ufunc, numpy's positional out, reductions
// given an axis, truthy strings as flags, unknown option keys, null or a number where a dtype or
// options go, and shapes too large to count in bytes.
import { describe, expect, it } from "vitest";
import { thrown } from "../thrown";
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

describe("a ufunc refuses arrays of another process", () => {
  it("np.add(a, bq) names x2 and both processes, and reads nothing", () => {
    const { p, q, np, nq } = twoProcesses();
    const a = np.ones(1024);
    const bq = nq.ones(1024);
    const before = p.events.length;
    const error = thrown(() => np.add(a, bq));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/^add\(x1, x2, out\): x2 is an array of pid \d+, not of this numpy's process \(pid \d+\)/);
    expect(error.message).toContain(`pid ${q.pid}`);
    expect(thrown(() => np.multiply(bq, 2)).message).toMatch(/^multiply\(x1, x2, out\): x1 is an array of pid/);
    expect(p.events.length).toBe(before);
  });

  it("an out in another process is refused before anything is written there or here", () => {
    const { q, np, nq } = twoProcesses();
    const a = np.ones(512);
    const cq = nq.zeros(512);
    const qEvents = q.events.length;
    const error = thrown(() => np.add(a, 1, { out: cq }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/^add\(x1, x2, out\): out is an array of pid/);
    expect(thrown(() => np.subtract(a, 1, { out: cq })).message).toMatch(/out is an array of pid/);
    expect(q.events.length).toBe(qEvents);
    expect(cq.sum()).toBe(0);
    expect(a.sum()).toBe(512);
  });

  it("a parent's array in a forked child must go through inherited(); arrays of the process's Node runtime are fine", () => {
    const machine = new Machine({ seed: 1 });
    const p = machine.spawn();
    const np = numpy(p);
    const a = np.ones(100);
    const child = p.fork();
    const nc = numpy(child);
    expect(thrown(() => nc.add(a, 1)).message).toContain("numpy(child).inherited(a)");
    expect(nc.add(nc.inherited(a), 1).sum()).toBe(200);
    const t = node(p).typedArray("Float64Array", 100);
    expect(np.add(a, t).sum()).toBe(100);
  });

  it("np.ndarray refuses a buffer of another process", () => {
    const { np, nq } = twoProcesses();
    const buffer = nq.zeros(64);
    expect(thrown(() => np.ndarray(8, { buffer }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => np.ndarray(8, { buffer })).message).toMatch(/^ndarray\(shape, \{ buffer \}\): buffer is an array of pid/);
  });
});

describe("a ufunc's out", () => {
  it("np.add(a, 1, a) writes into a, as numpy's positional out", () => {
    const { np } = twoProcesses();
    const a = np.ones(1000);
    const r = np.add(a, 1, a);
    expect(r === a).toBe(true);
    expect(a.sum()).toBe(2000);
    np.divide(a, 2, a);
    expect(a.sum()).toBe(1000);
    // a positional out is checked as out=: one of another process is refused
    const other = numpy(new Machine({ seed: 1 }).spawn()).zeros(1000);
    expect(thrown(() => np.add(a, 1, other)).message).toMatch(/^add\(x1, x2, out\): out is an array of pid (\d+) of another machine, not of this numpy's process \(pid \1\)/);
  });

  it("an unknown key ({ output: a }) or a non-object is refused with the nearest name", () => {
    const { np } = twoProcesses();
    const a = np.ones(10);
    const error = thrown(() => np.add(a, 1, { output: a } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('add(x1, x2, out): unknown option "output" (did you mean "out"?); options are out');
    expect(thrown(() => np.add(a, 1, null as never))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => np.add(a, 1, 5 as never))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => np.add(a, 1, { out: 5 } as never)).message).toBe("add(x1, x2, out): out must be an ndarray, got 5");
    expect(a.sum()).toBe(10);
  });
});

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

describe("numpy's options", () => {
  it("numpy(p, { madviseHugepage: 'no' }) is refused, and so is the allocator's", () => {
    const p = new Machine({ seed: 1 }).spawn();
    const error = thrown(() => numpy(p, { madviseHugepage: "no" as never }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('numpy(proc, options): madviseHugepage must be true or false, got "no"');
    const host = { madvise: () => undefined };
    const libc = { malloc: () => 4096, calloc: () => 4096, free: () => undefined };
    expect(thrown(() => new NumpyAllocator(libc, host, { version: "1.24", madviseHugepage: "no" as never, linux: true }))).toBeInstanceOf(InvalidArgumentError);
    expect(numpy(p, { madviseHugepage: false }).madviseHugepage).toBe(false);
  });

});

describe("numpy's creation options", () => {
  it("np.zeros(10, { dtyp: 'int8' }) names the typo; the *_like, arange and ndarray options too", () => {
    const { np } = twoProcesses();
    const error = thrown(() => np.zeros(10, { dtyp: "int8" } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('zeros(shape, options): unknown option "dtyp" (did you mean "dtype"?); options are dtype, name');
    const a = np.zeros(4);
    expect(thrown(() => np.ones_like(a, { dtyp: "int8" } as never)).message).toMatch(/^ones_like\(a, options\): unknown option "dtyp"/);
    expect(thrown(() => np.arange(5, undefined, 1, { dtyp: "int8" } as never)).message).toMatch(/^arange\(start, stop, step, options\): unknown option "dtyp"/);
    expect(thrown(() => np.ndarray(2, { buffer: a, ofset: 8 } as never)).message).toMatch(/^ndarray\(shape, options\): unknown option "ofset" \(did you mean "offset"\?\)/);
    // what was accepted still is
    expect(np.zeros(10, { dtype: "int8" }).dtype.name).toBe("int8");
    expect(np.zeros(10, "int8").dtype.name).toBe("int8");
    expect(np.zeros(10, a.dtype).dtype.name).toBe("float64");
    expect(np.arange(5, undefined, 1, "int8").dtype.name).toBe("int8");
    expect(np.zeros_like(a, { dtype: "int32" }).dtype.name).toBe("int32");
    expect(np.ndarray(2, { buffer: a, offset: 8, dtype: "float64" }).address).toBe(a.address + 8);
  });

  it("numpy(p, { foo: 1 }) and numpy(p, '2.2') are refused, even when the process has a numpy", () => {
    const p = new Machine({ seed: 1 }).spawn();
    numpy(p);
    expect(thrown(() => numpy(p, { foo: 1 } as never)).message).toBe('numpy(proc, options): unknown option "foo"; options are version, madviseHugepage');
    const error = thrown(() => numpy(p, "2.2" as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('numpy(proc, options): options must be an object, got the string "2.2"; pass { version: "2.2" }');
    expect(thrown(() => numpy(p, null as never))).toBeInstanceOf(InvalidArgumentError);
  });
});

describe("null or a number where a dtype or options go", () => {
  it.each([
    ["np.zeros(10, null)", (np: ReturnType<typeof numpy>) => np.zeros(10, null as never), /^zeros\(shape, options\): options must be a dtype/],
    ["np.zeros(10, 5)", (np: ReturnType<typeof numpy>) => np.zeros(10, 5 as never), /^zeros\(shape, options\): options must be a dtype.*got 5$/],
    ["np.zeros_like(a, null)", (np: ReturnType<typeof numpy>) => np.zeros_like(np.zeros(2), null as never), /^zeros_like\(a, options\): options must be a dtype/],
    ["np.ndarray(3, null)", (np: ReturnType<typeof numpy>) => np.ndarray(3, null as never), /^ndarray\(shape, options\): options must be \{ buffer, offset\?, dtype\? \}, got null$/],
    ["np.arange(5, undefined, 1, 5)", (np: ReturnType<typeof numpy>) => np.arange(5, undefined, 1, 5 as never), /^arange\(start, stop, step, options\): options must be a dtype/],
  ])("%s is an InvalidArgumentError, not a TypeError", (_, call, message) => {
    const { np } = twoProcesses();
    const error = thrown(() => call(np));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(message);
  });
});

describe("sizes", () => {
  it("np.zeros([1e200, 1e200]) is numpy's 'array is too big' ValueError, not 'Unable to allocate Infinity EiB'", () => {
    const { np } = twoProcesses();
    // numpy's bound: a byte count of 2**63 or more (zero dimensions left out of the count)
    for (const shape of [[1e200, 1e200], [2 ** 30, 2 ** 30], 2 ** 60, [0, 2 ** 62, 4], [1e200, 1e200, 0]]) {
      const error = thrown(() => np.zeros(shape));
      expect(error).toBeInstanceOf(ValueError);
      expect(error.message).toMatch(/^array is too big; `arr\.size \* arr\.dtype\.itemsize` is larger than the maximum possible size\./);
    }
    // still a MemoryError where numpy would try and fail to allocate
    expect(thrown(() => np.zeros(2 ** 46)).message).toMatch(/^Unable to allocate 512.00 TiB/);
    expect(thrown(() => np.arange(2 ** 50)).message).toMatch(/^Unable to allocate 8.00 PiB/);
    expect(thrown(() => np.zeros([2 ** 29, 2 ** 30])).message).toMatch(/^Unable to allocate 4.00 EiB/);
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

describe("the experiments' options", () => {
  it("tlbReachExperiment(undefined, { hugePages: 'yes' }) is refused", () => {
    const error = thrown(() => tlbReachExperiment(undefined, { hugePages: "yes" as never, pages: [1] }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('tlbReachExperiment: hugePages must be true or false, got "yes"');
  });

  it("the experiments' options and machine options refuse unknown keys", () => {
    expect(thrown(() => tlbReachExperiment(undefined, { page: [1] } as never)).message).toBe(
      'tlbReachExperiment(target, options): unknown option "page" (did you mean "pages"?); options are pages, maxPages, strideBytes, iterations, hugePages',
    );
    expect(thrown(() => tlbReachExperiment({ cpus: "skylake" } as never, { pages: [1] })).message).toBe(
      'tlbReachExperiment(target): unknown option "cpus" (did you mean "cpu"?); options are cpu, preset, thp, ramBytes, seed',
    );
    expect(thrown(() => sweepExperiment(undefined, { byte: 4096 } as never)).message).toMatch(/^sweepExperiment\(target, options\): unknown option "byte" \(did you mean "bytes"\?\)/);
    expect(thrown(() => sweepExperiment(undefined, { seed: "x" } as never)).message).toBe('sweepExperiment: seed must be an integer in [-2**31, 2**32 - 1], got "x"');
  });
});
