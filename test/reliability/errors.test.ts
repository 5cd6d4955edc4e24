// Every public function rejects bad input with a PagelabError subclass whose message names the
// argument and the value, and a refused call leaves the machine exactly as it was.

import { describe, expect, it } from "vitest";
import {
  IndexError,
  InvalidArgumentError,
  MemoryError,
  OutOfMemoryError,
  PagelabError,
  SegmentationFault,
  ValueError,
} from "../../src/errors";
import { Machine } from "../../src/kernel";
import type { Glibc } from "../../src/libc";
import { MiB, type World, snapshot, world } from "./world";

type ErrorClass = new (...args: never[]) => PagelabError;
/** A case: `prepare(w)` does any setup and returns the call that must be refused. */
type Case = [name: string, prepare: (w: World) => () => unknown, type: ErrorClass, message: RegExp];
type MachineCase = [name: string, act: () => unknown, type: ErrorClass, message: RegExp];

const machineCases: MachineCase[] = [
  ["options not an object", () => new Machine(null as never), InvalidArgumentError, /Machine: options must be an object, got null/],
  ["unknown option", () => new Machine({ ram: 1 } as never), InvalidArgumentError, /unknown option "ram"/],
  ["unknown preset", () => new Machine({ preset: "linux" as never }), InvalidArgumentError, /preset must be one of .*got "linux"/],
  ["unknown THP mode", () => new Machine({ thp: "sometimes" as never }), InvalidArgumentError, /thp must be .*got "sometimes"/],
  ["negative ramBytes", () => new Machine({ ramBytes: -1 }), InvalidArgumentError, /ramBytes .*got -1/],
  ["fractional ramBytes", () => new Machine({ ramBytes: 1.5 }), InvalidArgumentError, /ramBytes .*got 1\.5/],
  ["ramBytes with units", () => new Machine({ ramBytes: "1GiB" as never }), InvalidArgumentError, /ramBytes .*got "1GiB"/],
  ["unaligned ramBytes", () => new Machine({ ramBytes: 2 ** 30 + 1 }), InvalidArgumentError, /ramBytes must be a multiple of the page size/],
  ["odd page size", () => new Machine({ pageSize: 3000 }), InvalidArgumentError, /pageSize .*got 3000/],
  ["overcommit mode 3", () => new Machine({ overcommit: 3 as never }), InvalidArgumentError, /overcommit .*got 3/],
  ["vaBits out of range", () => new Machine({ vaBits: 100 }), InvalidArgumentError, /vaBits .*got 100/],
  ["fractional seed", () => new Machine({ seed: 1.5 }), InvalidArgumentError, /seed must be an integer, got 1\.5/],
  ["eventCapacity 0", () => new Machine({ eventCapacity: 0 }), InvalidArgumentError, /eventCapacity .*got 0/],
  ["mmu not a function", () => new Machine({ mmu: 3 as never }), InvalidArgumentError, /mmu must be a function/],
  ["mmu returning no MMU", () => new Machine({ mmu: () => 5 as never }), InvalidArgumentError, /mmu must return an Mmu .*got 5/],
  ["eventCapacity 1e12", () => new Machine({ eventCapacity: 1e12 }), InvalidArgumentError, /eventCapacity must be an integer in \[1, 10000000\]/],
  ["mmapBase below mmapMinAddr", () => new Machine({ mmapBase: 100 }), InvalidArgumentError, /mmapBase must be above mmapMinAddr 65536 \(0x10000\).*got 100/],
  ["heapStart below mmapMinAddr", () => new Machine({ heapStart: 4096 }), InvalidArgumentError, /heapStart must be at least mmapMinAddr .*got 4096 \(0x1000\)/],
  ["negative heapStart in hex", () => new Machine({ heapStart: -4096 }), InvalidArgumentError, /got -4096 \(-0x1000\)/],
];

const kernelCases: Case[] = [
  ["mmap NaN", ({ proc }) => () => proc.mmap(NaN), InvalidArgumentError, /mmap: length must be an integer .*got NaN/],
  ["mmap Infinity", ({ proc }) => () => proc.mmap(Infinity), InvalidArgumentError, /mmap: length .*got Infinity/],
  ["mmap string length", ({ proc }) => () => proc.mmap("1MiB" as never), InvalidArgumentError, /mmap: length .*got "1MiB"/],
  ["mmap beyond user space", ({ proc }) => () => proc.mmap(2 ** 47 + 1), InvalidArgumentError, /mmap: length .*got 140737488355329/],
  ["mmap opts null", ({ proc }) => () => proc.mmap(4096, null as never), InvalidArgumentError, /mmap: options must be an object, got null/],
  ["mmap prot rwx", ({ proc }) => () => proc.mmap(4096, { prot: "rwx" as never }), InvalidArgumentError, /mmap: opts\.prot .*got "rwx"/],
  ["mmap name not a string", ({ proc }) => () => proc.mmap(4096, { name: 3 as never }), InvalidArgumentError, /mmap: opts\.name must be a string, got 3/],
  ["mmap option misspelt", ({ proc }) => () => proc.mmap(4096, { protection: "read" } as never), InvalidArgumentError, /mmap: unknown option "protection" \(did you mean "prot"\?\)/],
  ["munmap NaN address", ({ proc }) => () => proc.munmap(NaN, 4096), InvalidArgumentError, /munmap: addr .*got NaN/],
  ["munmap address as string", ({ proc, addr }) => () => proc.munmap(String(addr) as never, 4096), InvalidArgumentError, /munmap: addr .*got "\d+"/],
  ["munmap unaligned", ({ proc, addr }) => () => proc.munmap(addr + 8, 4096), InvalidArgumentError, /munmap: addr must be a multiple of the page size 4096, got \d+/],
  ["munmap length 0", ({ proc, addr }) => () => proc.munmap(addr, 0), InvalidArgumentError, /munmap: length .*got 0/],
  ["mprotect unknown prot", ({ proc, addr }) => () => proc.mprotect(addr, 4096, "rwx" as never), InvalidArgumentError, /mprotect: prot .*got "rwx"/],
  ["mprotect fractional length", ({ proc, addr }) => () => proc.mprotect(addr, 4096.5, "read"), InvalidArgumentError, /mprotect: length .*got 4096\.5/],
  ["mprotect unmapped range", ({ proc, addr }) => () => proc.mprotect(addr - 4096, 8192, "read"), InvalidArgumentError, /mprotect: .*not fully mapped/],
  ["madvise unaligned", ({ proc, addr }) => () => proc.madvise(addr + 1, 4096, "dontneed"), InvalidArgumentError, /madvise: addr must be a multiple .*got \d+/],
  ["madvise unknown advice", ({ proc, addr }) => () => proc.madvise(addr, 4096, "cold" as never), InvalidArgumentError, /madvise: advice .*got "cold"/],
  ["brk to a string", ({ proc }) => () => proc.brk("x" as never), InvalidArgumentError, /brk: newEnd .*got "x"/],
  ["brk past the address space", ({ proc }) => () => proc.brk(2 ** 60), InvalidArgumentError, /brk: newEnd .*got 1152921504606847000/],
  ["brk below the heap start", ({ proc }) => () => proc.brk(4096), InvalidArgumentError, /brk: newEnd 4096 \(0x1000\) is below the heap start/],
  ["sbrk 2**50", ({ proc }) => () => proc.sbrk(2 ** 50), InvalidArgumentError, /sbrk: increment .*got 1125899906842624/],
  ["sbrk below the heap", ({ proc }) => () => proc.sbrk(-(2 ** 40)), InvalidArgumentError, /sbrk: increment .*got -1099511627776/],
  ["memset byte -1", ({ proc, addr }) => () => proc.memset(addr, -1, 8), InvalidArgumentError, /memset: byte .*got -1/],
  ["memset byte 1.5", ({ proc, addr }) => () => proc.memset(addr, 1.5, 8), InvalidArgumentError, /memset: byte .*got 1\.5/],
  ["memset length as string", ({ proc, addr }) => () => proc.memset(addr, 1, "3" as never), InvalidArgumentError, /memset: length .*got "3"/],
  ["memset past the mapping", ({ proc, addr }) => () => proc.memset(addr + 4 * MiB - 4, 1, 8), SegmentationFault, /outside any mapping/],
  ["touch a negative address", ({ proc }) => () => proc.touch(-1, 1, "read"), InvalidArgumentError, /touch: addr .*got -1/],
  ["touch above user space", ({ proc }) => () => proc.touch(2 ** 60, 1, "read"), InvalidArgumentError, /touch: addr .*got 1152921504606847000/],
  ["touch kind exec", ({ proc, addr }) => () => proc.touch(addr, 1, "exec" as never), InvalidArgumentError, /touch: kind .*got "exec"/],
  ["touch unmapped", ({ proc }) => () => proc.touch(0x10000, 1, "write"), SegmentationFault, /write of 0x10000 .*outside any mapping/],
  ["read length -1", ({ proc, addr }) => () => proc.read(addr, -1), InvalidArgumentError, /read: length .*got -1/],
  ["read over 64 MiB", ({ proc }) => { const big = proc.mmap(80 * MiB); return () => proc.read(big, 65 * MiB); }, InvalidArgumentError, /read: length .* over the 67108864-byte/],
  ["write a plain array", ({ proc, addr }) => () => proc.write(addr, [1, 2] as never), InvalidArgumentError, /write: bytes must be a Uint8Array, got an array \[1,2\]/],
  ["write null", ({ proc, addr }) => () => proc.write(addr, null as never), InvalidArgumentError, /write: bytes must be a Uint8Array, got null/],
  ["accessPages kind rw", ({ proc, addr }) => () => proc.accessPages(addr, 1, "rw" as never), InvalidArgumentError, /access: kind .*got "rw"/],
  ["accessPages visit not a function", ({ proc, addr }) => () => proc.accessPages(addr, 1, "read", 3 as never), InvalidArgumentError, /access: visit must be a function, got 3/],
  ["accessPages elementSize 0", ({ proc, addr }) => () => proc.accessPages(addr, 8, "read", undefined, { elementSize: 0 }), InvalidArgumentError, /options\.elementSize .*got 0/],
  ["accessPages options null", ({ proc, addr }) => () => proc.accessPages(addr, 8, "read", undefined, null as never), InvalidArgumentError, /accessPages: options must be an object, got null/],
  ["accessPages label 5", ({ proc, addr }) => () => proc.accessPages(addr, 8, "read", undefined, { label: 5 as never }), InvalidArgumentError, /accessPages: options\.label must be a non-empty string, got 5/],
  ["mprotect length 0 with a bad prot", ({ proc, addr }) => () => proc.mprotect(addr, 0, "rw" as never), InvalidArgumentError, /mprotect: prot .*got "rw"/],
  ["write to a read-only page", ({ proc, addr }) => {
    proc.mprotect(addr + 2 * MiB, 4096, "read");
    return () => proc.touch(addr + 2 * MiB, 1, "write");
  }, SegmentationFault, /write .*0x[0-9a-f]+/],
];

const libcCases: Case[] = [
  ["malloc(-1)", ({ libc }) => () => libc.malloc(-1), InvalidArgumentError, /malloc: size must be a non-negative integer, got -1/],
  ["malloc(1.5)", ({ libc }) => () => libc.malloc(1.5), InvalidArgumentError, /malloc: size .*got 1\.5/],
  ["malloc(\"8\")", ({ libc }) => () => libc.malloc("8" as never), InvalidArgumentError, /malloc: size .*got "8"/],
  ["calloc(-1, 8)", ({ libc }) => () => libc.calloc(-1, 8), InvalidArgumentError, /calloc: count .*got -1/],
  ["calloc(8, NaN)", ({ libc }) => () => libc.calloc(8, NaN), InvalidArgumentError, /calloc: size .*got NaN/],
  ["realloc(null, -1)", ({ libc }) => () => libc.realloc(null, -1), InvalidArgumentError, /realloc: size .*got -1/],
  ["realloc of a wild pointer", ({ libc }) => () => libc.realloc(12345, 8), PagelabError, /realloc\(\): invalid pointer 12345/],
  ["free of a wild pointer", ({ libc }) => () => libc.free(12345), PagelabError, /free\(\): invalid pointer 12345/],
  ["free of a string", ({ libc }) => () => libc.free("x" as never), InvalidArgumentError, /free: ptr .*got "x"/],
  ["free inside a block", ({ libc, block }) => () => libc.free(block + 16), PagelabError, /free\(\): invalid pointer \d+/],
  ["mallopt unknown param", ({ libc }) => () => (libc as Glibc).mallopt("M_FOO" as never, 1), InvalidArgumentError, /mallopt: param .*got "M_FOO"/],
  ["mallopt fractional value", ({ libc }) => () => (libc as Glibc).mallopt("M_TOP_PAD", 1.5), InvalidArgumentError, /mallopt: value .*got 1\.5/],
  ["mallopt negative top pad", ({ libc }) => () => (libc as Glibc).mallopt("M_TOP_PAD", -1), InvalidArgumentError, /M_TOP_PAD value must be >= 0, got -1/],
  ["usableSize(-1)", ({ libc }) => () => libc.usableSize(-1), InvalidArgumentError, /malloc_usable_size: ptr must be a pointer .*got -1/],
];

const numpyCases: Case[] = [
  ["zeros(-1)", ({ np }) => () => np.zeros(-1), ValueError, /negative dimensions are not allowed \(shape -1\)/],
  ["zeros(1.5)", ({ np }) => () => np.zeros(1.5), InvalidArgumentError, /zeros\(shape\): .*shape 1\.5/],
  ["zeros(NaN)", ({ np }) => () => np.zeros(NaN), InvalidArgumentError, /zeros\(shape\): .*shape NaN/],
  ["zeros(\"10\")", ({ np }) => () => np.zeros("10" as never), InvalidArgumentError, /zeros\(shape\): shape must be a number or an array of numbers, got string/],
  ["zeros([3, 2.5])", ({ np }) => () => np.zeros([3, 2.5]), InvalidArgumentError, /zeros\(shape\): .*\[3,2\.5\]/],
  ["zeros of an unknown dtype", ({ np }) => () => np.zeros(10, "float128"), InvalidArgumentError, /data type "float128" not understood/],
  ["zeros of 128 TiB", ({ np }) => () => np.zeros(2 ** 44), MemoryError, /Unable to allocate 128\.00 TiB for an array with shape \(17592186044416,\) and data type float64/],
  // numpy 1.24: 2**63 bytes overflow npy_intp, a ValueError before any allocation is tried
  ["zeros whose size overflows", ({ np }) => () => np.zeros([2 ** 30, 2 ** 30]), ValueError, /^array is too big; `arr\.size \* arr\.dtype\.itemsize` is larger than the maximum possible size\. \(shape \[1073741824,1073741824\]\)/],
  ["zeros of 4 EiB", ({ np }) => () => np.zeros([2 ** 29, 2 ** 30]), MemoryError, /Unable to allocate 4\.00 EiB .*\(536870912,1073741824\)/],
  ["empty(-1)", ({ np }) => () => np.empty(-1), ValueError, /negative dimensions are not allowed/],
  ["ones(1.5)", ({ np }) => () => np.ones(1.5), InvalidArgumentError, /shape 1\.5/],
  ["full with a string value", ({ np }) => () => np.full(3, "x" as never), InvalidArgumentError, /fill_value must be a number, got string/],
  ["arange(NaN)", ({ np }) => () => np.arange(NaN), InvalidArgumentError, /arange\(\): stop must be a finite number, got NaN/],
  ["arange(Infinity)", ({ np }) => () => np.arange(Infinity), InvalidArgumentError, /arange\(\): stop .*got Infinity/],
  ["arange step 0", ({ np }) => () => np.arange(0, 10, 0), ValueError, /Maximum allowed size exceeded/],
  ["arange of 8 PiB", ({ np }) => () => np.arange(2 ** 50), MemoryError, /Unable to allocate 8\.00 PiB/],
  ["add of mismatched shapes", ({ np, a }) => { const c = np.zeros(3); return () => np.add(a, c); }, ValueError, /could not be broadcast together with shapes \(1000,\) \(3,\)/],
  ["add of a string", ({ np, a }) => () => np.add(a, "1" as never), InvalidArgumentError, /add\(x1, x2\): x2 must be an ndarray or a number, got string/],
  ["multiply into a wrong-shaped out", ({ np, a, b }) => () => np.multiply(a, 2, { out: b }), ValueError, /non-broadcastable output operand with shape \(20,50\)/],
  ["divide ints into an int out", ({ np }) => { const i = np.arange(4); return () => np.divide(i, 2, { out: i }); }, InvalidArgumentError, /Cannot cast ufunc 'divide' output from dtype\('float64'\) to dtype\('int64'\)/],
  ["get(1000)", ({ a }) => () => a.get(1000), IndexError, /index 1000 is out of bounds for axis 0 with size 1000/],
  ["get(-1001)", ({ a }) => () => a.get(-1001), IndexError, /index -1001 is out of bounds/],
  ["get(1.5)", ({ a }) => () => a.get(1.5), IndexError, /only integers/],
  ["get with two indices on 1-D", ({ a }) => () => a.get(1, 2), IndexError, /too many indices for array: array is 1-dimensional, but 2 were indexed/],
  ["b.get(20, 0)", ({ b }) => () => b.get(20, 0), IndexError, /index 20 is out of bounds for axis 0 with size 20/],
  ["set(1000, 1)", ({ a }) => () => a.set(1000, 1), IndexError, /index 1000 is out of bounds/],
  ["set a string value", ({ a }) => () => a.set(1, "x" as never), InvalidArgumentError, /set\(\): value must be a number, got string/],
  ["a[5000] through the proxy", ({ a }) => () => (a as unknown as number[])[5000], IndexError, /index 5000 is out of bounds/],
  ["slice step 0", ({ a }) => () => a.slice(0, 5, 0), ValueError, /slice step cannot be zero/],
  ["slice(1.5)", ({ a }) => () => a.slice(1.5), InvalidArgumentError, /slice indices must be integers, got 1\.5/],
  ["reshape to a wrong size", ({ a }) => () => a.reshape(3), ValueError, /cannot reshape array of size 1000 into shape \(3,\)/],
  ["reshape with two unknowns", ({ a }) => () => a.reshape(-1, -1), ValueError, /can only specify one unknown dimension/],
  ["reshape with a fraction", ({ a }) => () => a.reshape(2.5, 400), InvalidArgumentError, /reshape\(shape\): .*2\.5/],
  ["use after free", ({ np }) => { const c = np.zeros(4); c.free(); return () => c.get(0); }, PagelabError, /use after free/],
];

/** Runs a case: the error's class and message, then the machine compared with its snapshot. */
function expectRefused([, prepare, type, message]: Case): void {
  const w = world();
  const act = prepare(w);
  const before = snapshot(w);
  const eventsBefore = w.machine.events.length;
  let thrown: unknown = null;
  try {
    act();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "the call must throw").toBeInstanceOf(type);
  expect(thrown).toBeInstanceOf(PagelabError);
  expect((thrown as Error).message).toMatch(message);
  expect(snapshot(w)).toBe(before);
  // The log may only gain the failed call's own event, marked as failed.
  for (const event of w.machine.events.slice(eventsBefore)) expect(event.error).toBeDefined();
  w.machine.check();
  w.libc.check();
}

describe("bad input: a PagelabError naming the argument and value, machine unchanged", () => {
  it.each(machineCases)("Machine: %s", (_name, act, type, message) => {
    let thrown: unknown = null;
    try {
      act();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message).toMatch(message);
  });
  it.each(kernelCases)("kernel: %s", (...c) => expectRefused(c));
  it.each(libcCases)("libc: %s", (...c) => expectRefused(c));
  it.each(numpyCases)("numpy: %s", (...c) => expectRefused(c));
});

describe("refusals that are not errors leave nothing behind", () => {
  it("malloc of 2**62 bytes returns NULL with ENOMEM and changes nothing else", () => {
    const w = world();
    const before = snapshot(w);
    expect(w.libc.malloc(2 ** 62)).toBeNull();
    expect(w.libc.errno).toBe("ENOMEM");
    expect(w.libc.counters.failures).toBe(1);
    expect(snapshot(w)).toBe(before);
    w.libc.check();
  });

  it("calloc whose count * size overflows returns NULL and changes nothing", () => {
    const w = world();
    const before = snapshot(w);
    expect(w.libc.calloc(2 ** 40, 2 ** 40)).toBeNull();
    expect(snapshot(w)).toBe(before);
  });

  it("a double free is detected (glibc's message) and the heap stays consistent", () => {
    const w = world();
    const p = w.libc.malloc(64) as number;
    w.libc.free(p);
    const before = snapshot(w);
    expect(() => w.libc.free(p)).toThrowError(/free\(\): double free detected/);
    expect(snapshot(w)).toBe(before);
    w.libc.check();
  });
});
