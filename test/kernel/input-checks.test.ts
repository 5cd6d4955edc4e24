// Calls whose input Linux (or the C library) accepts where the simulator once refused it or
// failed deep inside, and helpers that refuse what is not a process: each behaviour checked.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { Machine } from "../../src/kernel";
import { measure } from "../../src/kernel/measure";
import { workingSetCurve } from "../../src/kernel/replacement/curve";
import { simulateReplacement } from "../../src/kernel/replacement/simulate";
import { referenceString, tracePages } from "../../src/kernel/replacement/trace";
import { libcOf } from "../../src/runtime";

describe("zero-length mprotect and madvise succeed and change nothing, as on Linux", () => {
  it.each([
    ["mprotect", (p: ReturnType<Machine["spawn"]>, a: number) => p.mprotect(a, 0, "read")],
    ["madvise dontneed", (p: ReturnType<Machine["spawn"]>, a: number) => p.madvise(a, 0, "dontneed")],
    ["madvise hugepage", (p: ReturnType<Machine["spawn"]>, a: number) => p.madvise(a, 0, "hugepage")],
  ] as const)("%s(addr, 0)", (_name, call) => {
    const m = new Machine();
    const p = m.spawn();
    const a = p.mmap(8192);
    p.touch(a, 8192, "write");
    const before = JSON.stringify([p.vmas(), p.status(), p.smaps()]);
    call(p, a);
    expect(JSON.stringify([p.vmas(), p.status(), p.smaps()])).toBe(before);
    expect(() => p.touch(a, 1, "write")).not.toThrow(); // still writable: nothing was protected
    m.check();
  });

  it("an unaligned address is still refused with length 0", () => {
    const p = new Machine().spawn();
    const a = p.mmap(8192);
    expect(() => p.mprotect(a + 8, 0, "read")).toThrow(/mprotect: addr must be a multiple of the page size/);
  });
});

describe("a page size chosen alone takes the allocation granularity with it", () => {
  it.each([16384, 65536])("linux-x86_64 with %i-byte pages maps and touches", (pageSize) => {
    const m = new Machine({ pageSize });
    expect(m.preset.allocationGranularity).toBe(pageSize);
    const p = m.spawn();
    const a = p.mmap(3 * pageSize);
    expect(a % pageSize).toBe(0);
    p.touch(a, 3 * pageSize, "write");
    expect(p.status().VmRSS).toBe((3 * pageSize) / 1024);
  });

  it("keeps a granularity the preset sets apart from its pages (Windows: 64 KiB)", () => {
    expect(new Machine({ preset: "windows-x86_64", pageSize: 16384 }).preset.allocationGranularity).toBe(65536);
  });
});

describe("helpers that take a process refuse anything else by name", () => {
  it.each([
    ["tracePages", () => tracePages(5 as never, () => undefined)],
    ["measure", () => measure("x" as never, () => undefined)],
  ])("%s", (name, call) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(new RegExp(`${name}: proc must be a process from machine.spawn\\(\\), got`));
  });
});

describe("option bags refuse unknown keys with the nearest name", () => {
  it.each([
    ["workingSetCurve", () => workingSetCurve([1, 2, 3], { framez: [1] } as never), /workingSetCurve: unknown option "framez" \(did you mean "frames"\?\)/],
    ["simulateReplacement", () => simulateReplacement([1, 2], "LRU", 1, { sed: 1 } as never), /simulateReplacement: unknown option "sed" \(did you mean "seed"\?\)/],
    ["referenceString", () => referenceString({ length: 4, pages: 2, hotshare: 0.8 } as never), /referenceString: unknown option "hotshare" \(did you mean "hotShare"\?\)/],
  ])("%s", (_name, call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });
});

describe("usableSize is one contract across the allocators", () => {
  it.each([["linux-x86_64"], ["eager"]] as const)("%s: null is 0, garbage is refused", (preset) => {
    const libc = libcOf(new Machine({ preset }).spawn());
    expect(libc.usableSize(null as never)).toBe(0);
    expect(() => libc.usableSize(-1)).toThrow(/malloc_usable_size: ptr must be a pointer/);
    const ptr = libc.malloc(100) as number;
    expect(libc.usableSize(ptr)).toBeGreaterThanOrEqual(100);
  });

  it("windows: _msize refuses NULL and garbage as bad arguments", () => {
    const libc = libcOf(new Machine({ preset: "windows-x86_64" }).spawn());
    expect(() => libc.usableSize(null as never)).toThrow(/_msize: ptr must not be NULL/);
    expect(() => libc.usableSize(-1)).toThrow(/_msize: ptr must be a pointer/);
    expect(libc.usableSize(libc.malloc(100) as number)).toBeGreaterThanOrEqual(100);
  });
});
