// machine.check() must fail loudly when the bookkeeping is corrupted (so the tests relying on it
// can fail), naming what disagrees.

import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel";
import { MiB } from "./helpers";

function busy() {
  const machine = new Machine({ thp: "always" });
  const proc = machine.spawn();
  const addr = proc.mmap(4 * MiB);
  proc.memset(addr, 1, 3 * MiB);
  proc.touch(addr + 3 * MiB, 4096, "read");
  const child = proc.fork();
  machine.check();
  return { machine, proc, child, addr };
}

describe("machine.check", () => {
  it("catches a wrong RSS", () => {
    const { machine, proc } = busy();
    proc.mm.rssPages += 1;
    expect(() => machine.check()).toThrowError(/VmRSS says .* pages but .* private pages are mapped/);
  });

  it("catches a frame owned more times than its refcount says", () => {
    const { machine, proc, addr } = busy();
    machine.memory.decRef(proc.frameOf(addr + 2 * MiB) as number);
    expect(() => machine.check()).toThrowError(/refcount 1 but 2 owners/);
  });

  it("catches a leaked frame", () => {
    const { machine } = busy();
    machine.memory.allocFrame();
    expect(() => machine.check()).toThrowError(/leaked frames/);
  });

  it("catches a page-table count that drifted", () => {
    const { machine } = busy();
    machine.tableFrames++;
    expect(() => machine.check()).toThrowError(/PageTables counts/);
  });

  it("catches a page entry outside every VMA", () => {
    const { machine, proc } = busy();
    proc.mm.vmas.remove(0, 2 ** 47);
    expect(() => machine.check()).toThrowError(/outside any VMA/);
  });
});
