import { describe, expect, it } from "vitest";
import { compare, everyNthPage, hostFacts, supported } from "../../src/probe";
import { Machine } from "../../src/kernel";
import { hostMachineOptions } from "../../src/probe/from-host";

const linux = supported().ok;
const N = (256 * 2 ** 20) / 8;

describe("compare: the real process beside the simulator", () => {
  it.runIf(linux)("shows no difference at any step of the 256 MiB experiment, whatever this host does on a read", () => {
    const writes = everyNthPage(N, 1000);
    const result = compare({
      elements: N,
      steps: [
        { label: "write every 1000th page", write: writes },
        { label: "read an untouched page", read: [1500 * 512] },
      ],
    });
    expect(result.rows.map((r) => r.step)).toEqual(["allocate", "write every 1000th page", "read an untouched page"]);
    expect(result.rows[0].sim.resident).toBe(1); // the chunk header page
    // the allocation precedes the steps (with the probe's calibration on the real side): no faults to compare
    expect([result.rows[0].sim.faults, result.rows[0].real?.faults ?? null]).toEqual([null, null]);
    expect(result.rows[1].sim.faults).toBeGreaterThan(0);
    expect(result.rows[1].sim.resident).toBe(writes.length);
    // The twin follows the host's measured read-fault rule: the zero page, or a private page.
    const zeroOnRead = result.sim.process.machine.preset.zeroPageOnRead;
    expect(result.rows[2].sim.zeroPage).toBe(zeroOnRead ? 1 : 0);
    expect(result.rows[2].sim.resident).toBe(writes.length + (zeroOnRead ? 0 : 1));
    for (const row of result.rows) {
      expect(row.real).not.toBeNull();
      expect(row.residentDiff).toBe(0);
    }
    // Stock Linux beside it: the read maps the zero page; the host differs exactly where its twin does.
    expect(result.rows[2].stock).toMatchObject({ zeroPage: 1, resident: writes.length });
    expect(result.hostDiffers).toEqual(zeroOnRead ? [] : ["read an untouched page"]);
    expect(result.text.split("\n")).toHaveLength(4);
    expect(result.chart.toMimeBundle()["image/png"]).toBeTruthy();
  });

  it("rejects indices outside the array and empty experiments", () => {
    expect(() => compare({ elements: 10, steps: [{ label: "x", write: [10] }] })).toThrow("outside 0..9");
    expect(() => compare({ elements: 10, steps: [] })).toThrow("non-empty");
    expect(() => compare({ elements: 0.5, steps: [{ label: "x" }] })).toThrow("elements must be an integer");
  });

  it.runIf(linux)("Machine.fromHost builds a machine with this host's page size, RAM, THP and overcommit", () => {
    const opts = hostMachineOptions();
    const m = Machine.fromHost();
    expect(m.preset.pageSize).toBe(opts.pageSize);
    expect(m.meminfo().MemTotal * 1024).toBe(opts.ramBytes);
    // khugepaged's max_ptes_none comes from the host's sysfs knob, not the stock default
    const facts = hostFacts();
    if (facts.ok && facts.maxPtesNone !== null) expect(m.khugepaged.maxPtesNone).toBe(facts.maxPtesNone);
    expect(() => hostMachineOptions({ procRoot: "/nonexistent" })).toThrow("Machine.fromHost");
  });
});
