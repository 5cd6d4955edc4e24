// khugepaged: a pass collapses an aligned 2 MiB range into a huge page when at most
// max_ptes_none of its entries are empty, filling them with zeros: RSS jumps with nothing
// written, the contents stay, and the event log says why. REFERENCE §3.9 (d), §9.5.

import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { Machine, PageState } from "../../src/kernel";
import { MiB, snapshot } from "./helpers";

const PAGE = 4096;

function oneWritePerRange(thp: "madvise" | "never") {
  const machine = new Machine({ thp });
  const proc = machine.spawn();
  const addr = proc.mmap(8 * MiB);
  const base = Math.ceil(addr / (2 * MiB)) * 2 * MiB;
  for (let r = base; r + 2 * MiB <= addr + 8 * MiB; r += 2 * MiB) proc.memset(r + 5 * PAGE, 0x42, PAGE);
  return { machine, proc, addr, base };
}

describe("khugepaged.scan()", () => {
  it("collapses nothing where THP does not apply (thp never), or where no page has been written", () => {
    const { machine, proc } = oneWritePerRange("never");
    const rss = proc.status().VmRSS;
    expect(machine.khugepaged.scan().collapsed).toBe(0);
    expect(proc.status().VmRSS).toBe(rss);
    const m = new Machine({ thp: "madvise" });
    const p = m.spawn();
    const a = p.mmap(4 * MiB);
    p.touch(a, 4 * MiB, "read"); // zero-page entries only: nothing to keep
    p.madvise(a, 4 * MiB, "hugepage");
    expect(m.khugepaged.scan().collapsed).toBe(0);
    expect(p.status().VmRSS).toBe(0);
    machine.check();
  });

  it("collapses once MADV_HUGEPAGE makes a range eligible: RSS jumps, contents survive, pages are Huge in the heatmap, the log has an event", () => {
    const machine = new Machine({ thp: "madvise" });
    const proc = machine.spawn();
    const addr = proc.mmap(8 * MiB);
    const base = Math.ceil(addr / (2 * MiB)) * 2 * MiB;
    proc.memset(base + 5 * PAGE, 0x42, PAGE); // thp madvise, no hint yet: one base page
    const before = proc.status().VmRSS;
    proc.madvise(addr, 8 * MiB, "hugepage");
    const result = machine.khugepaged.scan();
    expect(result.collapsed).toBe(1);
    expect(proc.status().VmRSS - before).toBe(2048 - 4);
    expect(proc.smaps().reduce((s, e) => s + e.AnonHugePages, 0)).toBe(2048);
    expect(proc.pageStates(base, 2 * MiB).every((s) => s === PageState.Huge)).toBe(true);
    expect(proc.read(base + 5 * PAGE, 2)[1]).toBe(0x42);
    expect(proc.read(base, 1)[0]).toBe(0);
    const event = proc.events.find((e) => e.call === "khugepaged");
    expect(event).toMatchObject({ call: "khugepaged", args: { addr: base, filled: 511 } });
    expect(proc.counters.thpCollapses).toBe(1);
    machine.check();
  });

  it("leaves ranges with more empty entries than max_ptes_none", () => {
    const machine = new Machine({ thp: "madvise" });
    const proc = machine.spawn();
    const addr = proc.mmap(4 * MiB);
    const base = Math.ceil(addr / (2 * MiB)) * 2 * MiB;
    proc.memset(base, 1, 8 * PAGE);
    proc.madvise(addr, 4 * MiB, "hugepage");
    machine.khugepaged.maxPtesNone = 0;
    expect(machine.khugepaged.scan()).toMatchObject({ collapsed: 0, tooSparse: 1 });
    machine.khugepaged.maxPtesNone = 504;
    expect(machine.khugepaged.scan().collapsed).toBe(1);
    machine.check();
  });

  it("refuses a max_ptes_none outside [0, 511], the machine unchanged", () => {
    const machine = new Machine();
    const proc = machine.spawn();
    const before = snapshot(machine, proc);
    expect(() => (machine.khugepaged.maxPtesNone = 512)).toThrow(InvalidArgumentError);
    expect(() => (machine.khugepaged.maxPtesNone = -1)).toThrow(/max_ptes_none|maxPtesNone must be an integer in \[0, 511\]/);
    expect(machine.khugepaged.maxPtesNone).toBe(511);
    expect(snapshot(machine, proc)).toEqual(before);
  });
});
