// What a new user tripped over, one test each: choosing a CPU, unknown options, wrong-typed
// options, fractional indices, use after free, and calls on an exited process.
import { describe, expect, it } from "vitest";
import {
  IndexError,
  InvalidArgumentError,
  Machine,
  ProcessExitedError,
  UseAfterFreeError,
  numpy,
} from "../../src";
import { didYouMean } from "../../src/errors";

describe("choosing a CPU", () => {
  it("new Machine({ cpu: \"zen2\" }) translates with Zen 2's TLBs", () => {
    // 1800 pages visited round-robin: more than Skylake's 1536-entry STLB holds, fewer than Zen 2's 2048.
    const stlbMisses = (m: Machine) => {
      const p = m.spawn();
      const addr = p.mmap(1800 * 4096);
      p.touch(addr, 1800 * 4096, "write");
      return p.measure(() => {
        for (let round = 0; round < 3; round++) p.touch(addr, 1800 * 4096, "read");
      }).tlb.l2.misses;
    };
    expect(new Machine({ cpu: "zen2" }).mmu).toMatchObject({ cpu: { name: "zen2" } });
    expect(stlbMisses(new Machine({ cpu: "zen2" }))).toBe(0);
    expect(stlbMisses(new Machine({ cpu: "skylake" }))).toBeGreaterThan(1000);
  });

  it("an unknown CPU or option names the nearest known one; cpu and mmu together are refused", () => {
    expect(() => new Machine({ cpu: "zen3" as never })).toThrow(/got "zen3" \(did you mean "zen2"\?\)/);
    expect(() => new Machine({ cpus: "zen2" } as never)).toThrow(/unknown option "cpus" \(did you mean "cpu"\?\)/);
    expect(() => new Machine({ pagesize: 4096 } as never)).toThrow(/did you mean "pageSize"/);
    expect(() => new Machine({ cpu: "zen2", mmu: () => null as never })).toThrow(/either cpu or mmu/);
    expect(didYouMean("xyzzy", ["cpu", "thp"])).toBe("");
  });
});

describe("wrong-typed options say the type they need", () => {
  it.each([
    ["ramBytes", "16GiB", /ramBytes must be a number of bytes, e\.g\. 16 \* 2\*\*30, got "16GiB"/],
    ["pageSize", "4K", /pageSize must be a number of bytes, got "4K"/],
    ["overcommit", "2", /overcommit must be a number, got "2"/],
  ])("%s: %s", (key, value, message) => {
    expect(() => new Machine({ [key]: value } as never)).toThrow(InvalidArgumentError);
    expect(() => new Machine({ [key]: value } as never)).toThrow(message);
  });
});

describe("element syntax", () => {
  const np = numpy(new Machine().spawn());
  it.each(["1.5", "NaN", "Infinity", "1e3"])("a[%s] raises numpy's IndexError instead of returning undefined", (key) => {
    const a = np.zeros(8);
    const bad = key === "1e3" ? 1e3 + 0.5 : Number(key);
    expect(() => (a as unknown as Record<string, number>)[String(bad)]).toThrow(IndexError);
    expect(() => {
      (a as unknown as Record<string, number>)[String(bad)] = 1;
    }).toThrow(/only integers, slices/);
  });

  it("integer keys still read and write, and other properties are untouched", () => {
    const a = np.zeros(8);
    a[-1] = 3;
    expect(a[7]).toBe(3);
    expect(a.size).toBe(8);
  });
});

describe("use after free", () => {
  it("reading, writing or freeing a freed array is a UseAfterFreeError", () => {
    const np = numpy(new Machine().spawn());
    const a = np.zeros(1000);
    a.free();
    expect(() => a[0]).toThrow(UseAfterFreeError);
    expect(() => a.sum()).toThrow(/use after free/);
    expect(() => a.free()).toThrow(/double free/);
  });
});

describe("an exited process", () => {
  it("refuses every call, figures included, and still prints as exited", () => {
    const machine = new Machine();
    const p = machine.spawn();
    p.mmap(2 ** 20);
    p.exit();
    for (const call of [() => p.status(), () => p.smaps(), () => p.vmas(), () => p.pageTableLevels(), () => p.frameOf(4096), () => p.pageStates(0, 4096)]) {
      expect(call).toThrow(ProcessExitedError);
    }
    expect(() => p.status()).toThrow(/status: pid 1 has exited/);
    expect(String((p as unknown as Record<symbol, () => string>)[Symbol.for("nodejs.util.inspect.custom")]())).toBe("Process(pid 1, exited)");
    expect(p.killed).toBe(false);
    expect(machine.events.at(-1)).toMatchObject({ call: "exit", VmRSS: 0 });
  });
});
