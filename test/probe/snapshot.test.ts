import { describe, expect, it } from "vitest";
import { alloc, snapshot, supported } from "../../src/probe";
import { frameMapChart, residencyHeatmapChart } from "../../src/charts";

const linux = supported().ok;

describe("a real mapping drawn with the simulator's charts", () => {
  it.runIf(linux)("the snapshot's heatmap counts the written pages as resident, the rest untouched", () => {
    const n = (64 * 2 ** 20) / 8;
    const probed = alloc(Float64Array, n);
    expect(probed.ok).toBe(true);
    for (let i = 0; i < n; i += 512 * 100) probed.array[i] = 1; // every 100th page
    const snap = snapshot(probed);
    if (!snap.ok) throw new Error(snap.reason);
    const length = snap.end - snap.start;
    const summary = snap.residencySummary(snap.start, length, 64);
    const resident = summary.counts[2].reduce((a, b) => a + b, 0) + summary.counts[3].reduce((a, b) => a + b, 0);
    const written = Math.ceil(n / (512 * 100));
    expect(resident).toBeGreaterThanOrEqual(written);
    expect(resident).toBeLessThanOrEqual(written + 1 + 512 * written); // header page; THP "always" hosts back 2 MiB blocks
    // Outside the mapping is Unmapped, not an error.
    const around = snap.residencySummary(snap.start - 4096, 8192, 2);
    expect(around.counts[6][0]).toBe(1);
    const chart = residencyHeatmapChart(snap, snap.start, length, { title: "real" });
    expect(chart.text).toContain("resident");
    if (snap.framesVisible) {
      expect(snap.frameOf(snap.start)).not.toBeNull();
      expect(frameMapChart(snap, snap.start, length).stats).toBeDefined();
    }
  });

  it("answers unsupported when /proc is missing", () => {
    const snap = snapshot({ mapping: { start: 4096, end: 8192 } }, { procRoot: "/nonexistent-proc" });
    expect(snap.ok).toBe(false);
  });
});
