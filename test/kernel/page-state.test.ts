// Page-state queries for the charts, the accessPages run API, and the event log.

import { describe, expect, it } from "vitest";
import { Machine, PAGE_STATE_COUNT, PageState } from "../../src/kernel";
import { GiB, MiB } from "./helpers";

describe("pageStates", () => {
  it("reports one state per base page, Unmapped outside mappings", () => {
    const machine = new Machine({ thp: "madvise" });
    const proc = machine.spawn();
    const addr = proc.mmap(8 * 4096);
    proc.touch(addr + 4096, 1, "read");
    proc.touch(addr + 2 * 4096, 1, "write");
    const states = proc.pageStates(addr - 4096, 10 * 4096);
    expect([...states]).toEqual([
      PageState.Unmapped, PageState.Untouched, PageState.ZeroPage, PageState.Resident,
      PageState.Untouched, PageState.Untouched, PageState.Untouched, PageState.Untouched, PageState.Untouched,
      PageState.Unmapped,
    ]);
  });

  it("shows Huge for the pages of a THP", () => {
    const machine = new Machine({ thp: "always" });
    const proc = machine.spawn();
    const addr = proc.mmap(4 * MiB);
    proc.touch(addr, 1, "write");
    const states = proc.pageStates(addr, 4 * MiB);
    expect(states.subarray(0, 512).every((s) => s === PageState.Huge)).toBe(true);
    expect(states.subarray(512).every((s) => s === PageState.Untouched)).toBe(true);
  });
});

describe("residencySummary", () => {
  it("counts pages per state per cell over a 1 TiB mapping with three touched pages, cheaply", () => {
    const machine = new Machine({ overcommit: 1 });
    const proc = machine.spawn();
    const TiB = 1024 * GiB;
    const addr = proc.mmap(TiB);
    proc.touch(addr, 1, "write");
    proc.touch(addr + TiB / 2, 1, "read");
    proc.touch(addr + TiB - 1, 1, "write");
    const summary = proc.residencySummary(addr, TiB, 1000);
    const totalPages = TiB / 4096;
    const sum = (state: PageState) => summary.counts[state].reduce((a, b) => a + b, 0);
    expect(summary.counts.length).toBe(PAGE_STATE_COUNT);
    expect(summary.cells * summary.cellBytes).toBeGreaterThanOrEqual(TiB);
    expect(sum(PageState.Resident)).toBe(2);
    expect(sum(PageState.ZeroPage)).toBe(1);
    expect(sum(PageState.Untouched)).toBe(totalPages - 3);
    expect(summary.counts[PageState.Resident][0]).toBe(1);
    expect(summary.counts[PageState.Resident][summary.cells - 1]).toBe(1);
    expect(machine.memory.hostBytes).toBeLessThan(64 * 1024);
    expect(proc.status().VmPTE).toBeLessThan(64);
  });

  it("agrees with pageStates on a mixed range", () => {
    const machine = new Machine({ thp: "always" });
    const proc = machine.spawn();
    const addr = proc.mmap(6 * MiB);
    proc.munmap(addr + MiB, MiB);
    proc.touch(addr + 2 * MiB, 1, "read");
    proc.touch(addr + 4 * MiB, 1, "write");
    proc.touch(addr, 3 * 4096, "write");
    const states = proc.pageStates(addr, 6 * MiB);
    const summary = proc.residencySummary(addr, 6 * MiB, 7);
    const pagesPerCell = summary.cellBytes / 4096;
    for (let state = 0; state < PAGE_STATE_COUNT; state++) {
      for (let cell = 0; cell < summary.cells; cell++) {
        const slice = states.subarray(cell * pagesPerCell, (cell + 1) * pagesPerCell);
        expect(summary.counts[state][cell]).toBe(slice.filter((s) => s === state).length);
      }
    }
  });
});

describe("accessPages", () => {
  it("visits each page once with its frame, offsets, and repeats per element size", () => {
    const repeats: number[] = [];
    const machine = new Machine({
      mmu: () => ({
        translate(_asid, table, vaddr, kind, count, onFault) {
          repeats.push(count);
          for (;;) {
            const { leaf } = table.walk(vaddr);
            if (leaf && (kind === "read" || leaf.writable)) return leaf;
            onFault(vaddr, kind);
          }
        },
        invalidateRange() {},
        invalidateAsid() {},
      }),
    });
    const proc = machine.spawn();
    const addr = proc.mmap(3 * 4096);
    const visits: number[][] = [];
    // 8-byte elements starting 4 bytes before a page boundary: one element straddles two pages
    proc.accessPages(addr + 4096 - 4, 16, "write", (pfn, frameOffset, length, runOffset) => visits.push([pfn, frameOffset, length, runOffset]), { elementSize: 8 });
    expect(visits).toEqual([
      [proc.frameOf(addr), 4092, 4, 0],
      [proc.frameOf(addr + 4096), 0, 12, 4],
    ]);
    expect(repeats).toEqual([1, 2]);
    expect(proc.events.at(-1)).toMatchObject({ call: "access", faults: { minor: 2 } });
  });

  it("lets a visitor edit frame contents through machine.memory", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const addr = proc.mmap(2 * 4096);
    proc.accessPages(addr + 4000, 200, "write", (pfn, offset, length) => machine.memory.fillBytes(pfn, offset, length, 0x11), { label: "fill" });
    const bytes = proc.read(addr + 3999, 202);
    expect(bytes[0]).toBe(0);
    expect(bytes.subarray(1, 201).every((b) => b === 0x11)).toBe(true);
    expect(bytes[201]).toBe(0);
    expect(proc.events.some((e) => e.call === "fill")).toBe(true);
  });

  it("copies with memcpy, overlapping ranges included", () => {
    const proc = new Machine().spawn();
    const addr = proc.mmap(4 * 4096);
    proc.write(addr, Uint8Array.from({ length: 6000 }, (_, i) => i % 251));
    proc.memcpy(addr + 100, addr, 6000);
    const moved = proc.read(addr + 100, 6000);
    expect(moved.every((b, i) => b === i % 251)).toBe(true);
    proc.memcpy(addr, addr + 100, 6000);
    expect(proc.read(addr, 6000).every((b, i) => b === i % 251)).toBe(true);
  });
});

describe("event log", () => {
  it("records one entry per call with faults aggregated by kind and the figures after it", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const addr = proc.mmap(8 * MiB);
    proc.touch(addr, 4 * MiB, "read");
    proc.memset(addr, 1, 8 * MiB);
    const events = proc.events;
    expect(events.map((e) => e.call)).toEqual(["mmap", "touch", "memset"]);
    expect(events[0]).toMatchObject({ result: addr, VmSize: 8192, VmRSS: 0 });
    expect(events[1].faults).toMatchObject({ minor: 1024, zeroPage: 1024, cow: 0 });
    expect(events[2]).toMatchObject({ faults: { minor: 2048, zeroPage: 0 }, VmRSS: 8192, bytesZeroed: 8 * MiB, bytesCopied: 0 });
    expect(events[2].counters.minorFaults).toBe(3072);
    expect(events.map((e) => e.time)).toEqual([...events.map((e) => e.time)].sort((a, b) => a - b));
  });

  it("is bounded, counting what it dropped", () => {
    const machine = new Machine({ eventCapacity: 5 });
    const proc = machine.spawn();
    const addr = proc.mmap(MiB);
    for (let i = 0; i < 9; i++) proc.touch(addr + i * 4096, 1, "write");
    expect(machine.events.length).toBe(5);
    expect(machine.eventsDropped).toBe(5);
    expect(machine.events[4].time).toBe(10);
  });
});
