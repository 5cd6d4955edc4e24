// Limits: a full address space, 2**47-byte requests, empty arrays, an array at the very top of
// user space (48- and 57-bit), and RAM running out. Each ends in a clear PagelabError outcome,
// never a JS RangeError or TypeError, and leaves a machine whose invariants hold.

import { describe, expect, it } from "vitest";
import {
  IndexError,
  InvalidArgumentError,
  MemoryError,
  OutOfMemoryError,
  PagelabError,
  ProcessKilledError,
  SegmentationFault,
} from "../../src/errors";
import { Machine, PageState } from "../../src/kernel";
import { libcOf, numpy } from "../../src/runtime";

const MiB = 2 ** 20;
const TiB = 2 ** 40;

/** Runs `f` and returns what it threw (failing if it returned, or threw something not ours). */
function refusal(f: () => unknown): PagelabError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(PagelabError);
    return error as PagelabError;
  }
  throw new Error("expected a refusal, the call returned");
}

describe("address-space exhaustion", () => {
  it("mmap refuses once no gap is left, naming the size and the ceiling; the rest still works", () => {
    const machine = new Machine({ overcommit: 1 });
    const proc = machine.spawn();
    const heapBefore = process.memoryUsage().heapUsed;
    const first = proc.mmap(2 ** 46); // half of the 128 TiB user space
    const second = proc.mmap(2 ** 45);
    const error = refusal(() => proc.mmap(2 ** 46));
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect(error.message).toMatch(/mmap: cannot allocate memory: no free 68719476736 kB range of virtual addresses below 0x7ffff7fff000/);
    expect(second + 2 ** 45).toBeLessThanOrEqual(first);
    // Touch three pages of the 96 TiB: the simulator spends kilobytes, not terabytes.
    for (const at of [first, first + 2 ** 45, second + 2 ** 45 - 4096]) proc.touch(at, 1, "write");
    expect(proc.status().VmRSS).toBe(12);
    expect(proc.status().VmSize).toBeGreaterThanOrEqual((3 * 2 ** 45) / 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * MiB); // ASSUMPTION: V8 heap noise stays below this
    proc.mmap(MiB); // smaller requests still fit in the remaining gaps
    machine.check();
  });

  it("brk refuses to grow into the mappings above it", () => {
    const machine = new Machine({ overcommit: 1 });
    const proc = machine.spawn();
    proc.mmap(2 ** 46);
    const end = proc.brk();
    const error = refusal(() => proc.brk(2 ** 47 - 4096));
    expect(error).toBeInstanceOf(PagelabError);
    expect(error.message).toMatch(/brk/);
    expect(proc.brk()).toBe(end);
    machine.check();
  });
});

describe("2**47-byte requests", () => {
  it("mmap: the overcommit heuristic refuses it (larger than RAM + swap); mode 1 runs out of addresses", () => {
    const proc = new Machine().spawn();
    expect(refusal(() => proc.mmap(2 ** 47)).message).toMatch(/request 137438953472 kB is larger than RAM \+ swap 16777216 kB \(overcommit mode 0\)/);
    const always = new Machine({ overcommit: 1 }).spawn();
    expect(refusal(() => always.mmap(2 ** 47))).toBeInstanceOf(OutOfMemoryError);
    expect(refusal(() => always.mmap(2 ** 47 + 4096))).toBeInstanceOf(InvalidArgumentError);
  });

  it("malloc and calloc return NULL with ENOMEM; numpy raises its MemoryError text", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const libc = libcOf(proc);
    expect(libc.malloc(2 ** 47)).toBeNull();
    expect(libc.errno).toBe("ENOMEM");
    expect(libc.calloc(2 ** 47)).toBeNull();
    const np = numpy(proc);
    const e1 = refusal(() => np.zeros(2 ** 44));
    expect(e1).toBeInstanceOf(MemoryError);
    expect(e1.message).toBe("Unable to allocate 128.00 TiB for an array with shape (17592186044416,) and data type float64");
    expect(refusal(() => np.zeros(2 ** 47, "uint8"))).toBeInstanceOf(MemoryError);
    expect(refusal(() => np.empty([2 ** 24, 2 ** 24]))).toBeInstanceOf(MemoryError);
    machine.check();
    libc.check();
  });

  it("a 1 TiB zeros array under overcommit 1 costs kilobytes; three writes make three pages resident", () => {
    const machine = new Machine({ overcommit: 1 });
    const proc = machine.spawn();
    const np = numpy(proc);
    const before = proc.status().VmRSS;
    const a = np.zeros(TiB / 8);
    a.set(0, 1);
    a.set(a.size / 2, 2);
    a.set(-1, 3);
    expect(a.get(-1)).toBe(3);
    expect(proc.status().VmRSS - before).toBe(3 * 4); // a[0] shares its page with the chunk header
    machine.check();
  });
});

describe("zero-length arrays", () => {
  it("np.zeros(0), empty(0), ones([0, 5]) and arange(0) exist, hold nothing, and behave like numpy", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const np = numpy(proc);
    const z = np.zeros(0);
    const e = np.empty(0);
    const o = np.ones([0, 5]);
    const r = np.arange(0);
    expect([z.size, z.nbytes, e.size, o.size, r.size]).toEqual([0, 0, 0, 0, 0]);
    expect(o.shape).toEqual([0, 5]);
    expect(z.sum()).toBe(0);
    expect(np.add(z, e).size).toBe(0);
    expect(np.multiply(o, 2, { out: o }).size).toBe(0);
    expect(z.reshape(0, 3).shape).toEqual([0, 3]);
    expect(z.slice(0, 0).size).toBe(0);
    expect(r.toArray()).toEqual([]);
    const error = refusal(() => z.get(0));
    expect(error).toBeInstanceOf(IndexError);
    expect(error.message).toBe("index 0 is out of bounds for axis 0 with size 0");
    for (const x of [z, e, o, r]) x.free();
    machine.check();
    libcOf(proc).check();
  });
});

describe("a 1-element array at the very top of user space", () => {
  it("48-bit: the highest mapping ends at TASK_SIZE; its last element and last byte work, one byte above faults", () => {
    const machine = new Machine({ mmapBase: 2 ** 47 - 4096 });
    const proc = machine.spawn();
    const np = numpy(proc);
    const top = proc.mmap(4096);
    expect(top + 4096).toBe(2 ** 47 - 4096); // x86-64 TASK_SIZE_MAX = 2**47 - one page
    const a = np.zeros(2 ** 17);
    const last = np.ndarray(1, { buffer: a, offset: a.nbytes - 8 });
    last.set(0, 3);
    expect(a.get(-1)).toBe(3);
    expect(last.address + 8).toBe(a.address + a.nbytes);
    proc.write(2 ** 47 - 4097, Uint8Array.of(7));
    expect(proc.read(2 ** 47 - 4097, 1)).toEqual(Uint8Array.of(7));
    expect(refusal(() => proc.read(2 ** 47 - 4096, 1))).toBeInstanceOf(SegmentationFault);
    expect(refusal(() => proc.read(2 ** 47 - 4097, 2))).toBeInstanceOf(SegmentationFault);
    expect(refusal(() => proc.touch(2 ** 47, 1, "read"))).toBeInstanceOf(InvalidArgumentError);
    machine.check();
  });

  it("57-bit (LA57): an element at 2**56 - 4104 round-trips; byte ranges JS numbers cannot express are refused", () => {
    const machine = new Machine({ vaBits: 57, mmapBase: 2 ** 56 - 4096 });
    const proc = machine.spawn();
    const top = proc.mmap(4096);
    expect(top).toBe(2 ** 56 - 8192);
    const np = numpy(proc);
    const a = np.zeros(2 ** 17);
    a.set(-1, 3);
    expect(a.get(-1)).toBe(3);
    expect(a.address).toBeGreaterThan(2 ** 53);
    const element = 2 ** 56 - 4096 - 8;
    proc.write(element, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect(proc.read(element, 8)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect(proc.pageStates(top, 4096)[0]).toBe(PageState.Resident);
    // Above 2**53 consecutive bytes have no distinct JS numbers: such a range is refused, not misread.
    const error = refusal(() => proc.read(2 ** 56 - 4096, 1));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/read: addr 72057594037923840 \(0xfffffffffff000\) \+ length 1 is not exact in a JS number above 2\*\*53/);
    expect(refusal(() => proc.read(2 ** 56 - 4096, 8))).toBeInstanceOf(SegmentationFault);
    machine.check();
  });
});

describe("RAM running out (OOM killer)", () => {
  it("kills the process with the largest RSS, logs it, and refuses that process's later calls", () => {
    const machine = new Machine({ ramBytes: 64 * MiB });
    const a = machine.spawn();
    const b = machine.spawn();
    const x = a.mmap(40 * MiB);
    a.memset(x, 1, 40 * MiB);
    const y = b.mmap(40 * MiB);
    b.memset(y, 2, 40 * MiB); // RAM runs out part-way: a (the largest) is killed, b carries on
    expect([a.alive, a.killed, b.alive]).toEqual([false, true, true]);
    expect(a.killReason).toMatch(/killed by the OOM killer \(anon-rss 40960 kB\) while pid 2 needed a page/);
    expect(b.read(y + 40 * MiB - 1, 1)).toEqual(Uint8Array.of(2));
    const kill = machine.events.find((e) => e.call === "kill");
    expect(kill?.args).toEqual({ reason: "oom", requester: 2, rssKb: 40960 });
    const error = refusal(() => a.mmap(4096));
    expect(error).toBeInstanceOf(ProcessKilledError);
    expect(error.message).toMatch(/mmap: pid 1 was killed by the OOM killer \(anon-rss/);
    machine.check();
  });

  it("a process that alone outgrows RAM is itself killed mid-call with ProcessKilledError", () => {
    const machine = new Machine({ ramBytes: 64 * MiB });
    const proc = machine.spawn();
    const np = numpy(proc);
    np.ones(60 * 2 ** 17); // 60 MiB written: fits
    const error = refusal(() => np.ones(4 * 2 ** 17)); // 4 MiB more passes the heuristic, but RAM is full
    expect(error).toBeInstanceOf(ProcessKilledError);
    expect(error.message).toMatch(/pid 1 was killed by the OOM killer \(anon-rss/);
    expect(proc.alive).toBe(false);
    expect(machine.meminfo().AnonPages).toBe(0);
    machine.check();
    expect(refusal(() => np.zeros(4))).toBeInstanceOf(ProcessKilledError);
  });

  it("strict overcommit and the eager platform refuse up front instead (MemoryError, OutOfMemoryError)", () => {
    const strict = new Machine({ overcommit: 2, ramBytes: 64 * MiB }).spawn();
    expect(refusal(() => numpy(strict).zeros(2 ** 22))).toBeInstanceOf(MemoryError); // 32 MiB > CommitLimit 32 MiB - heap
    const eager = new Machine({ preset: "eager", ramBytes: 64 * MiB, overcommit: 1 }).spawn();
    const error = refusal(() => eager.mmap(80 * MiB));
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect(error.message).toMatch(/no MMU: backed at allocation/);
  });
});
