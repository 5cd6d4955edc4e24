// Random workloads across the layers (kernel calls on several processes, fork/exit, brk, numpy
// arrays over glibc) run against plain references, with every invariant checked after each step.

import fc from "fast-check";
import { InvalidArgumentError, SegmentationFault } from "../../src/errors";
import { tlbMmu } from "../../src/hardware/cpu-index";
import { Machine, type MachineOptions, type Process, type ThpMode } from "../../src/kernel";
import type { Allocator } from "../../src/libc";
import { libcOf, numpy, type NDArray, type Numpy } from "../../src/runtime";
import { CheckingMmu } from "./checking-mmu";

const PAGE = 4096;

export type Op =
  | { op: "mmap"; who: number; pages: number }
  | { op: "munmap"; who: number; pick: number; skip: number; pages: number }
  | { op: "mprotect"; who: number; pick: number; skip: number; pages: number; prot: "none" | "read" | "read-write" }
  | { op: "madvise"; who: number; pick: number; skip: number; pages: number; advice: "dontneed" | "hugepage" | "nohugepage" }
  | { op: "touch"; who: number; pick: number; offset: number; length: number; kind: "read" | "write" }
  | { op: "memset"; who: number; pick: number; offset: number; length: number; byte: number }
  | { op: "sbrk"; who: number; pages: number }
  | { op: "fork"; who: number }
  | { op: "exit"; who: number }
  | { op: "create"; kind: "zeros" | "empty" | "ones" | "full" | "arange"; n: number; value: number }
  | { op: "set"; pick: number; index: number; value: number }
  | { op: "ufunc"; name: "add" | "subtract" | "multiply" | "divide"; pick: number; other: number; scalar: number; withArray: boolean; inPlace: boolean }
  | { op: "free"; pick: number }
  | { op: "scribble"; who: number; pick: number; index: number; byte: number };

const who = fc.nat(3);
const pick = fc.nat(1000);
const span = { skip: fc.nat(8), pages: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(512)) };
/** Element counts: empty, tiny (numpy's small cache), a few pages, and above the mmap threshold. */
const lengths = fc.constantFrom(0, 1, 7, 100, 1500, 20_000, 40_000);
const value = fc.integer({ min: -4, max: 9 });

/** The commands a workload draws from. */
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("mmap" as const), who, pages: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom(512, 1024)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("munmap" as const), who, pick, ...span }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("mprotect" as const), who, pick, ...span, prot: fc.constantFrom("none" as const, "read" as const, "read-write" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("madvise" as const), who, pick, ...span, advice: fc.constantFrom("dontneed" as const, "hugepage" as const, "nohugepage" as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("touch" as const), who, pick, offset: fc.nat(4 * PAGE), length: fc.integer({ min: 1, max: 3 * PAGE }), kind: fc.constantFrom("read" as const, "write" as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("memset" as const), who, pick, offset: fc.nat(4 * PAGE), length: fc.integer({ min: 1, max: 3 * PAGE }), byte: fc.nat(255) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("sbrk" as const), who: fc.integer({ min: 1, max: 3 }), pages: fc.integer({ min: -3, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("fork" as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("exit" as const), who: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("create" as const), kind: fc.constantFrom("zeros" as const, "empty" as const, "ones" as const, "full" as const, "arange" as const), n: lengths, value }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("set" as const), pick, index: fc.nat(50_000), value }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("ufunc" as const), name: fc.constantFrom("add" as const, "subtract" as const, "multiply" as const, "divide" as const), pick, other: pick, scalar: value, withArray: fc.boolean(), inPlace: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("free" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("scribble" as const), who: fc.integer({ min: 1, max: 3 }), pick, index: fc.nat(50_000), byte: fc.nat(255) }) },
);

interface LiveArray {
  arr: NDArray;
  /** What the array must hold: a plain copy kept beside it. */
  ref: Float64Array;
}

/** The simulated system and the plain references a workload runs against. */
/** Host fault policies the random workloads run under: stock Linux, the zero page forbidden, mTHP sizes on. */
export type HostVariant = Pick<MachineOptions, "zeroPageOnRead" | "hugeZeroPage" | "thpSizes">;
export const HOST_VARIANTS: readonly HostVariant[] = [
  {},
  { zeroPageOnRead: false, hugeZeroPage: false },
  { thpSizes: { 16: "always", 64: "madvise", 2048: "inherit" } },
];

export class Workload {
  readonly machine: Machine;
  readonly mmu: CheckingMmu;
  /** Process 0 runs numpy; the others are its forks (or other spawned processes). */
  readonly procs: Process[] = [];
  /** Address ranges each process was given by this test (its own mmaps and, after fork, its parent's). */
  readonly regions = new Map<Process, [number, number][]>();
  /** The main process's arrays each fork inherited (alive in it at the fork): numpy(fork).inherited(a) reaches them. */
  readonly inherited = new Map<Process, Set<NDArray>>();
  /** Processes whose break a test sbrk moved behind their C allocator (and their forks): their libc is not checked. */
  readonly heapMoved = new Set<Process>();
  readonly np: Numpy;
  readonly libc: Allocator;
  readonly arrays: LiveArray[] = [];
  steps = 0;
  /** Steps the simulated system refused as the reference allows (segfault, unmapped range). */
  refused = 0;

  /** `host` adds the fault policy of a host that differs from stock Linux (zero page forbidden, mTHP sizes). */
  constructor(thp: ThpMode, seed: number, host: HostVariant = {}) {
    let mmu: CheckingMmu | null = null;
    this.machine = new Machine({ thp, seed, ...host, mmu: (m) => (mmu = new CheckingMmu(tlbMmu("skylake")(m))) });
    this.mmu = mmu as unknown as CheckingMmu;
    const main = this.machine.spawn();
    this.procs.push(main);
    this.regions.set(main, []);
    this.libc = libcOf(main);
    this.np = numpy(main);
  }

  /** Runs one command; refusals the reference expects (a segfault, an unmapped range) are fine. */
  run(op: Op): void {
    this.steps++;
    try {
      this.apply(op);
    } catch (error) {
      const expected = error instanceof SegmentationFault ||
        (error instanceof InvalidArgumentError && /not fully mapped|overlaps no mapping|below the heap start|increment must be/.test(error.message));
      if (!expected) throw error;
      this.refused++;
    }
  }

  private proc(who: number): Process | null {
    const live = this.procs.filter((p) => p.alive);
    return live.length === 0 ? null : live[who % live.length];
  }

  private region(proc: Process, pick: number): [number, number] | null {
    const list = this.regions.get(proc) ?? [];
    return list.length === 0 ? null : list[pick % list.length];
  }

  private apply(op: Op): void {
    switch (op.op) {
      case "mmap": {
        const proc = this.proc(op.who);
        if (!proc) return;
        const start = proc.mmap(op.pages * PAGE);
        this.regions.get(proc)?.push([start, op.pages * PAGE]);
        return;
      }
      case "munmap":
      case "mprotect":
      case "madvise": {
        const proc = this.proc(op.who);
        const r = proc && this.region(proc, op.pick);
        if (!proc || !r) return;
        const skip = Math.min(op.skip, r[1] / PAGE - 1) * PAGE;
        const length = Math.min(op.pages * PAGE, r[1] - skip);
        if (op.op === "munmap") proc.munmap(r[0] + skip, length);
        else if (op.op === "mprotect") proc.mprotect(r[0] + skip, length, op.prot);
        else proc.madvise(r[0] + skip, length, op.advice);
        return;
      }
      case "touch":
      case "memset": {
        const proc = this.proc(op.who);
        const r = proc && this.region(proc, op.pick);
        if (!proc || !r) return;
        const offset = op.offset % r[1];
        const length = Math.min(op.length, r[1] - offset);
        if (op.op === "touch") proc.touch(r[0] + offset, length, op.kind);
        else proc.memset(r[0] + offset, op.byte, length);
        return;
      }
      case "sbrk": {
        const proc = this.proc(op.who);
        if (!proc || proc === this.procs[0]) return; // the main process's heap belongs to glibc
        this.heapMoved.add(proc); // a fork's heap belongs to its copy of glibc, now fooled
        proc.sbrk(op.pages * PAGE);
        return;
      }
      case "fork": {
        const proc = this.proc(op.who);
        if (!proc || this.procs.filter((p) => p.alive).length >= 4) return;
        const child = proc.fork();
        this.procs.push(child);
        this.regions.set(child, [...(this.regions.get(proc) ?? [])]);
        const fromMain = proc === this.procs[0] ? this.arrays.map((a) => a.arr) : [...(this.inherited.get(proc) ?? [])];
        this.inherited.set(child, new Set(fromMain));
        if (this.heapMoved.has(proc)) this.heapMoved.add(child);
        return;
      }
      case "exit": {
        const proc = this.proc(op.who);
        if (proc && proc !== this.procs[0]) proc.exit();
        return;
      }
      case "create":
        return this.create(op);
      case "set": {
        const a = this.array(op.pick);
        if (!a || a.ref.length === 0) return;
        const i = op.index % a.ref.length;
        a.arr.set(i, op.value);
        a.ref[i] = op.value;
        this.expectContents(a);
        return;
      }
      case "ufunc":
        return this.ufunc(op);
      case "free": {
        const i = this.arrays.length === 0 ? -1 : op.pick % this.arrays.length;
        if (i < 0) return;
        this.arrays[i].arr.free();
        this.arrays.splice(i, 1);
        return;
      }
      case "scribble": {
        // A child writes into its copy of an array: copy-on-write must keep the parent's intact.
        const proc = this.proc(op.who);
        const a = this.array(op.pick);
        if (!proc || proc === this.procs[0] || !a || a.ref.length === 0) return;
        if (!this.inherited.get(proc)?.has(a.arr)) return;
        const copy = numpy(proc).inherited(a.arr);
        const i = op.index % a.ref.length;
        copy.set(i, op.byte);
        if (copy.get(i) !== op.byte) throw new Error(`pid ${proc.pid}: its copy of the array at 0x${a.arr.address.toString(16)} [${i}] holds ${copy.get(i)} after writing ${op.byte}`);
        this.expectContents(a);
        return;
      }
    }
  }

  private array(pick: number): LiveArray | null {
    return this.arrays.length === 0 ? null : this.arrays[pick % this.arrays.length];
  }

  private create(op: Extract<Op, { op: "create" }>): void {
    if (!this.procs[0].alive) return;
    const np = this.np;
    let arr: NDArray;
    const ref = new Float64Array(op.n);
    if (op.kind === "zeros") arr = np.zeros(op.n);
    else if (op.kind === "ones") (arr = np.ones(op.n)), ref.fill(1);
    else if (op.kind === "full") (arr = np.full(op.n, op.value)), ref.fill(op.value);
    else if (op.kind === "arange") (arr = np.arange(0, op.n, 1, "float64")), ref.forEach((_, i) => (ref[i] = i));
    else {
      arr = np.empty(op.n);
      ref.set(this.contents(arr)); // uninitialised: whatever the recycled memory held
    }
    const live = { arr, ref };
    this.arrays.push(live);
    this.expectContents(live);
  }

  private ufunc(op: Extract<Op, { op: "ufunc" }>): void {
    const a = this.array(op.pick);
    if (!a) return;
    const peers = this.arrays.filter((x) => x.ref.length === a.ref.length);
    const b = op.withArray ? peers[op.other % peers.length] : null;
    const f = { add: (x: number, y: number) => x + y, subtract: (x: number, y: number) => x - y, multiply: (x: number, y: number) => x * y, divide: (x: number, y: number) => x / y }[op.name];
    const expected = a.ref.map((x, i) => f(x, b ? b.ref[i] : op.scalar));
    const out = this.np[op.name](a.arr, b ? b.arr : op.scalar, op.inPlace ? { out: a.arr } : undefined);
    if (op.inPlace) {
      a.ref.set(expected);
      this.expectContents(a);
    } else {
      const live = { arr: out, ref: expected };
      this.arrays.push(live);
      this.expectContents(live);
    }
  }

  /** The array's elements, read with one call (as a notebook printing it would). */
  contents(arr: NDArray): Float64Array {
    if (arr.size === 0) return new Float64Array(0);
    const bytes = this.procs[0].read(arr.address, arr.nbytes);
    return new Float64Array(bytes.buffer, bytes.byteOffset, arr.size);
  }

  /** Throws unless the array holds exactly what its reference holds. */
  expectContents(a: LiveArray): void {
    const got = this.contents(a.arr);
    for (let i = 0; i < got.length; i++) {
      if (!Object.is(got[i], a.ref[i])) throw new Error(`array at 0x${a.arr.address.toString(16)} [${i}] holds ${got[i]}, the reference ${a.ref[i]}`);
    }
  }

  /**
   * Every invariant: the kernel's (RSS, frame ownership, page tables, commit), the allocator's
   * (no overlap, every byte accounted), array contents, and the event log adding up to the counters.
   */
  checkAll(): void {
    this.machine.check();
    if (this.procs[0].alive) this.libc.check();
    // Each fork's C allocator is its own copy of its parent's: consistent with its own heap.
    for (const proc of this.procs.slice(1)) if (proc.alive && !this.heapMoved.has(proc)) libcOf(proc).check();
    for (const a of this.arrays) this.expectContents(a);
    this.checkEventLog();
  }

  /** The faults and kernel bytes summed over the event log equal the machine's counters. */
  checkEventLog(): void {
    const events = this.machine.events;
    if (this.machine.eventsDropped > 0) throw new Error("the event log dropped events in a short workload");
    const sum = { minor: 0, zeroPage: 0, thp: 0, thpFallback: 0, thpSplit: 0, cow: 0, zeroed: 0, copied: 0 };
    for (const e of events) {
      sum.minor += e.faults.minor;
      sum.zeroPage += e.faults.zeroPage;
      sum.thp += e.faults.thp;
      sum.thpFallback += e.faults.thpFallback;
      sum.thpSplit += e.faults.thpSplit;
      sum.cow += e.faults.cow;
      sum.zeroed += e.bytesZeroed;
      sum.copied += e.bytesCopied;
    }
    const c = this.machine.counters;
    const want = {
      minor: c.minorFaults, zeroPage: c.zeroPageMaps, thp: c.thpFaults, thpFallback: c.thpFallbacks,
      thpSplit: c.thpSplits, cow: c.cowCopies, zeroed: c.kernelBytesZeroed, copied: c.kernelBytesCopied,
    };
    if (JSON.stringify(sum) !== JSON.stringify(want)) throw new Error(`event log sums ${JSON.stringify(sum)} != counters ${JSON.stringify(want)}`);
    // Each live process's last event carries its counters as they are now.
    for (const proc of this.procs.filter((p) => p.alive)) {
      const last = [...events].reverse().find((e) => e.pid === proc.pid);
      if (last && JSON.stringify(last.counters) !== JSON.stringify(proc.counters)) {
        throw new Error(`pid ${proc.pid}: its last event's counters ${JSON.stringify(last.counters)} != ${JSON.stringify(proc.counters)}`);
      }
    }
  }
}
