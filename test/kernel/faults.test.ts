// REFERENCE §3.1-3.3 rule by rule: zero page on read, zeroed frame on write, no copy after a
// zero-page read, copy-on-write after fork, RSS never counting the zero page.

import { describe, expect, it } from "vitest";
import { SegmentationFault } from "../../src/errors";
import { Machine, PageState } from "../../src/kernel";
import { MiB } from "./helpers";

function setup() {
  const machine = new Machine();
  const proc = machine.spawn();
  const addr = proc.mmap(4 * MiB);
  return { machine, proc, addr };
}

describe("§3.1 do_anonymous_page", () => {
  it("maps the shared zero page on a read fault, without RSS", () => {
    const { machine, proc, addr } = setup();
    proc.touch(addr, 3 * 4096, "read");
    expect(proc.status().VmRSS).toBe(0);
    expect(proc.counters).toMatchObject({ minorFaults: 3, zeroPageMaps: 3, kernelBytesZeroed: 0 });
    expect(proc.frameOf(addr)).toBe(machine.memory.zeroPfn);
    expect(proc.frameOf(addr + 8192)).toBe(machine.memory.zeroPfn);
    expect(proc.read(addr, 16)).toEqual(new Uint8Array(16));
    machine.check();
  });

  it("maps a new zeroed frame on a write fault: RSS + 1 page", () => {
    const { machine, proc, addr } = setup();
    proc.touch(addr + 4096, 1, "write");
    expect(proc.status().VmRSS).toBe(4);
    expect(proc.counters).toMatchObject({ minorFaults: 1, zeroPageMaps: 0, kernelBytesZeroed: 4096 });
    expect(proc.frameOf(addr + 4096)).not.toBe(machine.memory.zeroPfn);
    expect(proc.read(addr + 4096, 8)).toEqual(new Uint8Array(8));
  });

  it("does not fault again on a page already mapped", () => {
    const { proc, addr } = setup();
    proc.touch(addr, 4096, "write");
    proc.touch(addr, 4096, "write");
    proc.touch(addr, 4096, "read");
    expect(proc.counters.minorFaults).toBe(1);
  });

  it("has no fault-around for anonymous memory (§3.7): one read maps one page", () => {
    const { proc, addr } = setup();
    proc.touch(addr, 1, "read");
    const states = proc.pageStates(addr, 16 * 4096);
    expect(states[0]).toBe(PageState.ZeroPage);
    expect([...states.subarray(1)].every((s) => s === PageState.Untouched)).toBe(true);
  });
});

describe("§3.2 write after a zero-page read, and copy-on-write", () => {
  it("replaces the zero page by a new zeroed frame and copies nothing", () => {
    const { machine, proc, addr } = setup();
    proc.touch(addr, 1, "read");
    proc.write(addr + 10, new Uint8Array([1, 2, 3]));
    expect(proc.counters).toMatchObject({ minorFaults: 2, zeroPageMaps: 1, kernelBytesZeroed: 4096, kernelBytesCopied: 0, cowCopies: 0 });
    expect(proc.status().VmRSS).toBe(4);
    expect(proc.read(addr + 8, 6)).toEqual(new Uint8Array([0, 0, 1, 2, 3, 0]));
    expect(machine.memory.patternOf(machine.memory.zeroPfn)).toEqual(new Uint8Array(8));
    machine.check();
  });

  it("shares private pages after fork and copies one on the first write", () => {
    const { machine, proc, addr } = setup();
    proc.memset(addr, 5, 2 * 4096);
    const pfn = proc.frameOf(addr) as number;
    const child = proc.fork();
    expect(proc.events.at(-1)).toMatchObject({ call: "fork", result: child.pid });
    expect(child.frameOf(addr)).toBe(pfn);
    expect(machine.memory.getRef(pfn)).toBe(2);
    expect(child.status().VmRSS).toBe(8); // both sides count shared pages in RSS
    expect(machine.meminfo().AnonPages).toBe(8); // ...the machine counts them once
    machine.check();

    child.write(addr, new Uint8Array([9]));
    expect(child.counters).toMatchObject({ cowCopies: 1, kernelBytesCopied: 4096, minorFaults: 1 });
    expect(child.frameOf(addr)).not.toBe(pfn);
    expect(machine.memory.getRef(pfn)).toBe(1);
    expect(child.read(addr, 2)).toEqual(new Uint8Array([9, 5]));
    expect(proc.read(addr, 2)).toEqual(new Uint8Array([5, 5]));

    // The parent is now the only owner: its write just makes the page writable again.
    proc.write(addr, new Uint8Array([1]));
    expect(proc.counters.cowCopies).toBe(0);
    expect(proc.frameOf(addr)).toBe(pfn);
    machine.check();
  });

  it("keeps zero-page mappings shared across fork without RSS", () => {
    const { machine, proc, addr } = setup();
    proc.touch(addr, 4096, "read");
    const child = proc.fork();
    expect(child.frameOf(addr)).toBe(machine.memory.zeroPfn);
    child.touch(addr, 1, "write");
    expect(child.counters).toMatchObject({ cowCopies: 0, kernelBytesCopied: 0, kernelBytesZeroed: 4096 });
    machine.check();
  });

  it("frees the parent's copy when both sides have exited", () => {
    const { machine, proc, addr } = setup();
    const free = machine.memory.freeFrames;
    proc.memset(addr, 1, 4 * MiB);
    const child = proc.fork();
    child.memset(addr, 2, MiB);
    child.exit();
    proc.munmap(addr, 4 * MiB);
    expect(machine.memory.freeFrames).toBe(free);
    expect(() => child.touch(addr, 1, "read")).toThrowError(/exited/);
    machine.check();
  });
});

describe("§3.3 RSS counts private pages only", () => {
  it("equals resident private pages times the page size, in kB, in status and smaps", () => {
    const { machine, proc, addr } = setup();
    proc.touch(addr, 2 * MiB, "read");
    proc.touch(addr + 2 * MiB, MiB, "write");
    expect(proc.status().VmRSS).toBe(1024);
    expect(proc.status().RssAnon).toBe(1024);
    expect(proc.smaps()[0]).toMatchObject({ Rss: 1024, Anonymous: 1024, Size: 4096 });
    machine.check();
  });
});

describe("protection", () => {
  it("raises SegmentationFault outside mappings and for writes to read-only memory", () => {
    const { proc, addr } = setup();
    expect(() => proc.touch(addr - 4096, 1, "read")).toThrow(SegmentationFault);
    const ro = proc.mmap(4096, { prot: "read" });
    proc.touch(ro, 1, "read");
    expect(() => proc.write(ro, new Uint8Array([1]))).toThrowError(/protection "read"/);
    const none = proc.mmap(4096, { prot: "none" });
    expect(() => proc.read(none, 1)).toThrow(SegmentationFault);
  });
});
