// Random sequences of mmap/munmap/touch/memset/write/mprotect/madvise/fork/exit checked against
// a plain reference model (page -> bytes) and the kernel's own invariants after every step.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SegmentationFault } from "../../src/errors";
import { Machine, PageState, type Process } from "../../src/kernel";

const PAGE = 4096;

/** The reference: which pages a process maps, their protection, and their non-zero bytes. */
interface RefProcess {
  proc: Process;
  prot: Map<number, "read" | "read-write">;
  bytes: Map<number, Uint8Array>;
}

type Op =
  | { op: "mmap"; who: number; pages: number }
  | { op: "munmap"; who: number; pick: number; pages: number; huge: boolean }
  | { op: "memset"; who: number; pick: number; offset: number; length: number; byte: number }
  | { op: "write"; who: number; pick: number; offset: number; data: Uint8Array }
  | { op: "touch"; who: number; pick: number; length: number; kind: "read" | "write" }
  | { op: "mprotect"; who: number; pick: number; pages: number; prot: "read" | "read-write" }
  | { op: "dontneed"; who: number; pick: number; pages: number; huge: boolean }
  | { op: "fork"; who: number }
  | { op: "exit"; who: number }
  | { op: "fill"; who: number; pick: number; pages: number; byte: number };

const who = fc.nat(3);
const pick = fc.nat(10_000);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("mmap" as const), who, pages: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(512, 1024)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("munmap" as const), who, pick, pages: fc.integer({ min: 1, max: 600 }), huge: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("memset" as const), who, pick, offset: fc.nat(PAGE - 1), length: fc.integer({ min: 1, max: 3 * PAGE }), byte: fc.nat(255) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("write" as const), who, pick, offset: fc.nat(PAGE - 1), data: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("touch" as const), who, pick, length: fc.integer({ min: 1, max: 4 * PAGE }), kind: fc.constantFrom("read" as const, "write" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("mprotect" as const), who, pick, pages: fc.integer({ min: 1, max: 4 }), prot: fc.constantFrom("read" as const, "read-write" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("dontneed" as const), who, pick, pages: fc.integer({ min: 1, max: 600 }), huge: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("fork" as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("exit" as const), who }) },
);

/** With memory pressure: also writes of up to 2 MiB at once, so RAM runs out and pages go to swap. */
const pressureOpArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: opArb },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("fill" as const), who, pick, pages: fc.integer({ min: 1, max: 1024 }), byte: fc.integer({ min: 1, max: 255 }) }) },
);

function pageOf(ref: RefProcess, pick: number): number | null {
  const pages = [...ref.prot.keys()].sort((a, b) => a - b);
  return pages.length === 0 ? null : pages[pick % pages.length];
}

function refRead(ref: RefProcess, addr: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const page = Math.floor((addr + i) / PAGE) * PAGE;
    out[i] = ref.bytes.get(page)?.[(addr + i) % PAGE] ?? 0;
  }
  return out;
}

function refWrite(ref: RefProcess, addr: number, data: Uint8Array): void {
  for (let i = 0; i < data.length; i++) {
    const page = Math.floor((addr + i) / PAGE) * PAGE;
    let bytes = ref.bytes.get(page);
    if (!bytes) {
      bytes = new Uint8Array(PAGE);
      ref.bytes.set(page, bytes);
    }
    bytes[(addr + i) % PAGE] = data[i];
  }
}

/** True when every page of [addr, addr + length) is mapped with a protection allowing `kind`. */
function allowed(ref: RefProcess, addr: number, length: number, kind: "read" | "write"): boolean {
  for (let page = Math.floor(addr / PAGE) * PAGE; page < addr + length; page += PAGE) {
    const prot = ref.prot.get(page);
    if (!prot || (kind === "write" && prot !== "read-write")) return false;
  }
  return true;
}

/** Returns the first index where two byte arrays differ, or -1 (fast, unlike a deep toEqual). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function dropPages(ref: RefProcess, start: number, pages: number, keepMapping: boolean): void {
  for (let i = 0; i < pages; i++) {
    ref.bytes.delete(start + i * PAGE);
    if (!keepMapping) ref.prot.delete(start + i * PAGE);
  }
}

/** Per process: pages resident or in swap (pageStates) must be VmRSS + VmSwap, in kB. */
function expectRssPlusSwapOwned(ref: RefProcess): void {
  let owned = 0;
  for (const vma of ref.proc.vmas()) {
    for (const state of ref.proc.pageStates(vma.start, vma.end - vma.start)) {
      if (state === PageState.Resident || state === PageState.Huge || state === PageState.Swapped) owned++;
    }
  }
  const status = ref.proc.status();
  expect(status.VmRSS + status.VmSwap).toBe((owned * PAGE) / 1024);
}

/** Small RAM with swap: most steps reclaim, and reads fault pages back from swap. */
const PRESSURE = { ramBytes: 4 * 2 ** 20, swapBytes: 512 * 2 ** 20 };

function run(ops: Op[], thp: "always" | "madvise" | "never", sizes: { ramBytes: number; swapBytes?: number } = { ramBytes: 256 * 2 ** 20 }): Machine {
  const machine = new Machine({ thp, ...sizes, overcommit: 1 });
  const refs: RefProcess[] = [{ proc: machine.spawn(), prot: new Map(), bytes: new Map() }];
  for (const step of ops) {
    const ref = refs[step.who % refs.length];
    const { proc } = ref;
    let page = "pick" in step ? pageOf(ref, step.pick) : null;
    let pages = "pages" in step ? step.pages : 0;
    // Sometimes aim at a whole aligned 2 MiB range, where a huge page may sit.
    const HUGE = 512 * PAGE;
    if (page !== null && "huge" in step && step.huge && ref.prot.has(Math.floor(page / HUGE) * HUGE)) {
      page = Math.floor(page / HUGE) * HUGE;
      pages = 512;
    }
    switch (step.op) {
      case "mmap": {
        const addr = proc.mmap(step.pages * PAGE);
        for (let i = 0; i < step.pages; i++) ref.prot.set(addr + i * PAGE, "read-write");
        if (thp === "madvise" && step.pages >= 512) proc.madvise(addr, step.pages * PAGE, "hugepage");
        break;
      }
      case "munmap":
        if (page === null) break;
        proc.munmap(page, pages * PAGE);
        dropPages(ref, page, pages, false);
        break;
      case "dontneed": {
        if (page === null) break;
        if (![...Array(pages).keys()].every((i) => ref.prot.has(page + i * PAGE))) {
          expect(() => proc.madvise(page, pages * PAGE, "dontneed")).toThrowError(/not fully mapped/);
          break;
        }
        proc.madvise(page, pages * PAGE, "dontneed");
        dropPages(ref, page, pages, true);
        break;
      }
      case "mprotect": {
        if (page === null) break;
        const all = [...Array(step.pages).keys()].every((i) => ref.prot.has(page + i * PAGE));
        if (!all) {
          expect(() => proc.mprotect(page, step.pages * PAGE, step.prot)).toThrowError(/not fully mapped/);
          break;
        }
        proc.mprotect(page, step.pages * PAGE, step.prot);
        for (let i = 0; i < step.pages; i++) ref.prot.set(page + i * PAGE, step.prot);
        break;
      }
      case "memset":
      case "write": {
        if (page === null) break;
        const addr = page + step.offset;
        const data = step.op === "write" ? step.data : new Uint8Array(step.length).fill(step.byte);
        const act = () => (step.op === "write" ? proc.write(addr, data) : proc.memset(addr, step.byte, step.length));
        if (!allowed(ref, addr, data.length, "write")) {
          expect(act).toThrow(SegmentationFault);
          break;
        }
        act();
        refWrite(ref, addr, data);
        expect(firstDifference(proc.read(addr, data.length), data)).toBe(-1);
        break;
      }
      case "touch": {
        if (page === null) break;
        if (!allowed(ref, page, step.length, step.kind)) {
          expect(() => proc.touch(page, step.length, step.kind)).toThrow(SegmentationFault);
          break;
        }
        proc.touch(page, step.length, step.kind);
        if (allowed(ref, page, step.length, "read")) expect(firstDifference(proc.read(page, step.length), refRead(ref, page, step.length))).toBe(-1);
        break;
      }
      case "fill": {
        if (page === null) break;
        let n = 0;
        while (n < step.pages && ref.prot.get(page + n * PAGE) === "read-write") n++;
        if (n === 0) break;
        proc.memset(page, step.byte, n * PAGE);
        refWrite(ref, page, new Uint8Array(n * PAGE).fill(step.byte));
        break;
      }
      case "fork": {
        if (refs.length >= 4) break;
        const bytes = new Map([...ref.bytes].map(([p, b]) => [p, b.slice()] as [number, Uint8Array]));
        refs.push({ proc: proc.fork(), prot: new Map(ref.prot), bytes });
        break;
      }
      case "exit":
        if (refs.length === 1) break;
        proc.exit();
        refs.splice(refs.indexOf(ref), 1);
        break;
    }
    machine.check();
    if (sizes.swapBytes !== undefined) for (const r of refs) expectRssPlusSwapOwned(r);
  }
  // Final comparison: every mapped page's state and every byte the reference says is non-zero.
  for (const ref of refs) {
    for (const page of ref.prot.keys()) {
      expect(ref.proc.pageStates(page, PAGE)[0]).not.toBe(PageState.Unmapped);
      if (ref.bytes.has(page)) expect(firstDifference(ref.proc.read(page, PAGE), ref.bytes.get(page) as Uint8Array)).toBe(-1);
    }
    const mappedPages = ref.proc.vmas().reduce((sum, v) => sum + (v.end - v.start) / PAGE, 0);
    expect(mappedPages).toBe(ref.prot.size);
    expect(ref.proc.status().VmRSS).toBeLessThanOrEqual(mappedPages * 4);
  }
  for (const ref of [...refs]) ref.proc.exit();
  expect(machine.meminfo().AnonPages).toBe(0);
  expect(machine.meminfo().PageTables).toBe(0);
  expect(machine.meminfo().SwapFree).toBe(machine.meminfo().SwapTotal);
  machine.check();
  return machine;
}

describe("random system-call sequences", () => {
  it.each(["madvise", "always", "never"] as const)("keep the invariants and the contents of a reference model (thp %s)", (thp) => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 60, size: "max" }), (ops) => {
        run(ops, thp);
      }),
      { numRuns: 50 },
    );
  });

  it.each(["madvise", "always", "never"] as const)("keep them on 4 MiB of RAM with swap, where pages go to swap and come back (thp %s)", (thp) => {
    let swapped = 0;
    let swappedIn = 0;
    fc.assert(
      fc.property(fc.array(pressureOpArb, { minLength: 10, maxLength: 40, size: "max" }), (ops) => {
        const machine = run(ops, thp, PRESSURE);
        swapped += machine.vmstat().pswpout;
        swappedIn += machine.vmstat().pswpin;
      }),
      { numRuns: 15, seed: 17 },
    );
    // The workloads did reclaim and swap in (else this test would not test swap).
    expect(swapped).toBeGreaterThan(0);
    expect(swappedIn).toBeGreaterThan(0);
  });
});
