// Bad input gets a clear error naming the argument and value, and leaves the machine unchanged.

import { describe, expect, it } from "vitest";
import { HeapCorruptionError, InternalCheckError, InvalidArgumentError, PagelabError, SegmentationFault, describeValue } from "../../src/errors";
import { Machine } from "../../src/kernel";
import { MiB, snapshot } from "./helpers";

function world() {
  const machine = new Machine({ thp: "always" });
  const proc = machine.spawn();
  const addr = proc.mmap(4 * MiB);
  proc.memset(addr, 1, 3 * 4096);
  proc.touch(addr + 2 * MiB, 1, "read");
  proc.sbrk(3 * 4096);
  return { machine, proc, addr };
}

type Case = [string, (p: ReturnType<typeof world>) => unknown, RegExp, Function];

const cases: Case[] = [
  ["negative mmap length", ({ proc }) => proc.mmap(-1), /mmap: length must be an integer in \[1, .*got -1/, InvalidArgumentError],
  ["fractional mmap length", ({ proc }) => proc.mmap(1.5), /mmap: length .* got 1\.5/, InvalidArgumentError],
  ["zero mmap length", ({ proc }) => proc.mmap(0), /mmap: length .* got 0/, InvalidArgumentError],
  ["string mmap length", ({ proc }) => proc.mmap("4096" as never), /mmap: length .* got "4096"/, InvalidArgumentError],
  ["bad prot", ({ proc }) => proc.mmap(4096, { prot: "rw" as never }), /mmap: opts.prot must be one of .* got "rw"/, InvalidArgumentError],
  ["unaligned munmap", ({ proc, addr }) => proc.munmap(addr + 1, 4096), /munmap: addr must be a multiple of the page size 4096/, InvalidArgumentError],
  ["negative munmap length", ({ proc, addr }) => proc.munmap(addr, -4096), /munmap: length .* got -4096/, InvalidArgumentError],
  ["munmap of nothing", ({ proc }) => proc.munmap(0x10000, 4096), /overlaps no mapping/, InvalidArgumentError],
  ["touch outside any mapping", ({ proc, addr }) => proc.touch(addr - 4096, 8192, "write"), /write of 0x[0-9a-f]+ .* outside any mapping/, SegmentationFault],
  ["memset running past the mapping", ({ proc, addr }) => proc.memset(addr, 1, 4 * MiB + 1), /outside any mapping/, SegmentationFault],
  ["read past the mapping", ({ proc, addr }) => proc.read(addr + 4 * MiB - 1, 2), /outside any mapping/, SegmentationFault],
  ["bad touch kind", ({ proc, addr }) => proc.touch(addr, 1, "exec" as never), /touch: kind must be one of "read", "write", got "exec"/, InvalidArgumentError],
  ["negative touch length", ({ proc, addr }) => proc.touch(addr, -1, "read"), /touch: length .* got -1/, InvalidArgumentError],
  ["memset byte out of range", ({ proc, addr }) => proc.memset(addr, 256, 1), /memset: byte must be an integer in \[0, 255\], got 256/, InvalidArgumentError],
  ["write of a non-array", ({ proc, addr }) => proc.write(addr, [1, 2] as never), /write: bytes must be a Uint8Array/, InvalidArgumentError],
  ["mprotect of an unmapped range", ({ proc, addr }) => proc.mprotect(addr, 8 * MiB, "read"), /mprotect: .* is not fully mapped/, InvalidArgumentError],
  ["mprotect unaligned", ({ proc, addr }) => proc.mprotect(addr + 8, 4096, "read"), /mprotect: addr must be a multiple/, InvalidArgumentError],
  ["bad advice", ({ proc, addr }) => proc.madvise(addr, 4096, "willneed" as never), /madvise: advice must be one of .* got "willneed"/, InvalidArgumentError],
  ["madvise past the mapping", ({ proc, addr }) => proc.madvise(addr, 5 * MiB, "dontneed"), /madvise: .* not fully mapped/, InvalidArgumentError],
  ["brk below the heap", ({ proc }) => proc.brk(1), /brk: newEnd 1 is below the heap start/, InvalidArgumentError],
  ["fractional sbrk", ({ proc }) => proc.sbrk(0.5), /sbrk: increment .* got 0\.5/, InvalidArgumentError],
  ["pageStates of a huge range", ({ proc }) => proc.pageStates(0, 2 ** 46), /more than 16777216; use residencySummary/, InvalidArgumentError],
  ["residencySummary with 0 cells", ({ proc, addr }) => proc.residencySummary(addr, 4096, 0), /cells must be an integer in \[1, /, InvalidArgumentError],
  ["frameOf a negative address", ({ proc }) => proc.frameOf(-4096), /frameOf: addr .* got -4096/, InvalidArgumentError],
  ["accessPages with a bad element size", ({ proc, addr }) => proc.accessPages(addr, 8, "read", undefined, { elementSize: 0 }), /elementSize/, InvalidArgumentError],
];

describe("bad input", () => {
  it.each(cases)("%s: clear error, machine unchanged", (_name, act, message, type) => {
    const w = world();
    const before = JSON.stringify(snapshot(w.machine, w.proc));
    const pageStates = w.proc.pageStates(w.addr, 4 * MiB);
    expect(() => act(w)).toThrow(type as never);
    expect(() => act(w)).toThrowError(message);
    expect(JSON.stringify(snapshot(w.machine, w.proc))).toBe(before);
    expect(w.proc.pageStates(w.addr, 4 * MiB)).toEqual(pageStates);
    w.machine.check();
  });
});

it("refuses a read over 64 MiB with a clear error", () => {
  const machine = new Machine();
  const proc = machine.spawn();
  const addr = proc.mmap(80 * MiB);
  const before = JSON.stringify(snapshot(machine, proc));
  expect(() => proc.read(addr, 65 * MiB)).toThrowError(/read: length .* over the 67108864-byte \(64 MiB\) limit/);
  expect(JSON.stringify(snapshot(machine, proc))).toBe(before);
});

describe("the error classes", () => {
  it("every refusal class is a PagelabError with its own kind and its class's name", () => {
    const made = [new HeapCorruptionError("free(): invalid pointer"), new InternalCheckError("machine.check: x"), new InvalidArgumentError("x")];
    expect(new Set(made.map((e) => e.kind)).size).toBe(made.length);
    for (const e of made) {
      expect(e).toBeInstanceOf(PagelabError);
      expect(e.name).toBe(e.constructor.name);
    }
  });

  it("describeValue names the type of what it was given, for any value, without throwing", () => {
    const nullPrototype = Object.create(null) as object;
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeValue(nullPrototype)).toBe("an object {}");
    expect(describeValue(cyclic)).toBe("an object");
    expect(describeValue(Symbol("s"))).toBe("a symbol Symbol(s)");
    expect(describeValue(() => 1)).toBe("a function");
    expect(describeValue([1, 2])).toBe("an array [1,2]");
    expect(describeValue(new Array(100).fill(0))).toBe("an array of 100 items");
    expect(describeValue(new Machine())).toBe("an object (Machine)");
    expect(describeValue({ machine: new Machine() })).toBe('an object {"machine":"[Machine]"}');
    expect(describeValue("16GiB")).toBe('"16GiB"');
  });

  it("a wrong-typed option is told the type it must have", () => {
    expect(() => new Machine({ ramBytes: "16GiB" as never })).toThrow(/ramBytes must be .*(number|integer).*got "16GiB"/);
  });
});
