// capture.replay: the captured calls driven through the simulated glibc, checked against the
// captured system calls, and the real resident pages attributed to call sites.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { HELD_BY_MALLOC, OTHER_ANONYMOUS, load, replay } from "../../src/capture";
import { attributePages } from "../../src/capture/attribute";
import { callSiteHeatmapChart, callSiteRssChart } from "../../src/charts";
import { InvalidArgumentError } from "../../src/errors";
import { Machine } from "../../src/kernel";

const FIXTURES = path.join(__dirname, "fixtures");
const MINIMAL = path.join(FIXTURES, "minimal.capture");
const TINY = path.join(FIXTURES, "tiny.capture");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-replay-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("attributePages", () => {
  const P = 4096;
  it("gives a page to the block covering most of it, and uncovered pages to malloc or to other memory", () => {
    const live = [
      { address: 10 * P + 16, size: P - 16 + 100, site: 1 },       // page 10 (almost all) and 100 bytes of page 11
      { address: 11 * P + 100, size: 3000, site: 2 },               // most of page 11
      { address: 20 * P, size: 4 * P, site: 3 },                    // pages 20-23 whole
    ];
    const a = attributePages([[10, 3], [20, 4], [30, 1]], live, P, (addr) => addr < 25 * P);
    expect(a.pagesBySite).toEqual(new Map([[1, 1], [2, 1], [HELD_BY_MALLOC, 1], [3, 4], [OTHER_ANONYMOUS, 1]]));
    expect(a.siteRuns).toEqual([[10, 1, 1], [11, 1, 2], [12, 1, HELD_BY_MALLOC], [20, 4, 3], [30, 1, OTHER_ANONYMOUS]]);
    expect(a.touched.map((t) => [t.block.site, t.offset, t.length])).toEqual([[1, 0, P - 16], [2, 0, 3000], [3, 0, 4 * P]]);
  });
});

describe("replay of a hand-written capture from another machine", () => {
  const c = load(MINIMAL);
  const r = replay(c);

  it("runs on a machine built from the capture's recorded facts, not this host", () => {
    expect(r.machine.preset.ramBytes).toBe(4 * 2 ** 30);
    expect(r.machine.preset.thp).toBe("never");
  });

  it("makes the captured mmap and brk growth in the same segments", () => {
    expect(r.mmapsAgree).toBe(true);
    const withMmap = r.checks.find((k) => k.simulatedMmaps.length > 0);
    expect(withMmap?.seq).toBe(2);
    expect(withMmap?.simulatedMmaps).toEqual([16781312]);
    expect(r.brkGrowth).toEqual({ simulated: 135168, captured: 135168 });
  });

  it("attributes the resident pages of each sample to the line that allocated them", () => {
    const [, second, last] = r.samples;
    expect(second.pagesBySite.get(1)).toBe(1);                 // np.zeros: the header page only
    expect(last.pagesBySite.get(1)).toBe(4097);                // after np.add: every page
    expect(r.table[0]).toMatchObject({ site: 1, allocatedBytes: 2 ** 24, residentPagesPeak: 4097 });
    expect(r.text).toContain("prog.py:1 a = np.zeros(2**21)");
  });

  it("follows the real residency in the simulated process: its RSS grows by what the real one did", () => {
    const [, second, last] = r.samples;
    expect(last.simulatedVmRssKb - second.simulatedVmRssKb).toBe(last.realVmRssKb - second.realVmRssKb);
  });

  it("refuses what is not a capture, and a machine that is not a Machine", () => {
    expect(() => replay({} as never)).toThrow(InvalidArgumentError);
    expect(() => replay(c, {} as never)).toThrow(/machine must be a Machine/);
  });

  it("reports a simulated mmap the real program did not make", () => {
    const text = fs.readFileSync(MINIMAL, "utf8").replace("s mmap 7f0000000000 16781312 rw anon\n", "").replace("end 16", "end 15");
    const file = path.join(dir, "no-mmap.capture");
    fs.writeFileSync(file, text);
    const bad = replay(load(file), new Machine({ pageSize: 4096 }));
    expect(bad.mmapsAgree).toBe(false);
    expect(bad.checks.find((k) => k.seq === 2)?.unmatchedMmaps).toEqual([16781312]);
  });
});

describe("replay of the recorded capture of tiny.py", () => {
  const r = replay(load(TINY));
  const sample = (label: string) => r.samples.find((s) => s.label === label);
  const siteOf = (line: number): number => [...r.sites].find(([, l]) => l.startsWith(`tiny.py:${line} `))?.[0] ?? NaN;
  const peakPages = (site: number): number => Math.max(0, ...r.samples.map((s) => s.pagesBySite.get(site) ?? 0));

  it("every mmap the simulated glibc made, the real one made in the same segment", () => {
    expect(r.mmapsAgree).toBe(true);
    expect(r.failedCalls).toBe(0);
  });

  it("shows bytes(8 MiB) as at most one resident page, bytearray(8 MiB) as every page, each on its own line", () => {
    expect(peakPages(siteOf(3))).toBe(1);
    expect(peakPages(siteOf(4))).toBe(8 * 2 ** 20 / 4096 + 1);
    expect(r.findings.some((f) => f.startsWith("tiny.py:3 zeros = bytes(8 * 2**20): 8.0 MiB allocated, at most 1 page"))).toBe(true);
  });

  it("follows the real VmRSS and VmSize from sample to sample within the interpreter's noise", () => {
    for (let i = 1; i < r.samples.length; i++) {
      const [a, b] = [r.samples[i - 1], r.samples[i]];
      expect(Math.abs((b.realVmSizeKb - a.realVmSizeKb) - (b.simulatedVmSizeKb - a.simulatedVmSizeKb)), `VmSize, sample ${i}`).toBeLessThanOrEqual(512);
    }
    const [first, , written] = r.samples;
    expect(Math.abs((written.realVmRssKb - first.realVmRssKb) - (written.simulatedVmRssKb - first.simulatedVmRssKb))).toBeLessThanOrEqual(64);
  });

  it("after del, the freed blocks stay resident as held by malloc, pinned by the block allocated after them", () => {
    const after = sample("after del");
    expect(after).toBeDefined();
    expect((after?.heldPinnedPages ?? 0) * 4096).toBeGreaterThan(3 * 2 ** 20);
    expect(after?.heapTopSite).toBe(siteOf(6));
    expect(r.findings.some((f) => /pins the top/.test(f) && f.includes("tiny.py:6 keep"))).toBe(true);
  });

  it("draws RSS per call site and the heatmap by call site", () => {
    const rss = callSiteRssChart(r);
    expect(rss.text).toContain("tiny.py:4 ones = bytearray");
    const heat = callSiteHeatmapChart(r, { sample: r.samples.indexOf(sample("after del") as never) });
    // cells carry a site number, named through the spec's lookup
    const spec = heat.spec as unknown as { data: { values: { s: number }[] }; transform: [{ from: { data: { values: { s: number; site: string }[] } } }] };
    const names = new Map(spec.transform[0].from.data.values.map((v) => [v.s, v.site]));
    const sites = new Set(spec.data.values.map((v) => names.get(v.s)));
    expect(sites.has("held by malloc (no live allocation)")).toBe(true);

    expect(() => callSiteRssChart(r, { maxSites: 0 })).toThrow(InvalidArgumentError);
  });
});

it("the call-site heatmap of notebook 11's capture (thousands of cells) keeps its PNG inside the notebook output budget", () => {
  const zeros = replay(load(path.join(__dirname, "..", "..", "notebooks", "captures", "zeros.capture")));
  const live = zeros.samples.findIndex((s) => s.label === "three arrays live");
  expect(live).toBeGreaterThanOrEqual(0);
  const bundle = callSiteHeatmapChart(zeros, { sample: live }).toMimeBundle();
  expect(bundle["text/plain"]).not.toContain("PNG omitted");
  expect(bundle["image/png"]).toBeDefined();
});

describe("replay's kernel bookkeeping", () => {
  it("logs one kernel event per run of malloc-family calls, not one per chunk-header store, with the same pages resident", () => {
    const c = load(TINY);
    const r = replay(c, new Machine({ ...c.meta.machine, eventCapacity: 1_000_000 }));
    const runs = r.process.events.filter((e) => e.call === "replay");
    expect(runs.length).toBeGreaterThan(0);
    expect(r.process.events.length).toBeLessThan(r.calls / 10);
    // the event of the last run records the process as the calls it stands for left it
    expect(r.process.events.at(-1)?.call).toBe("replay");
    expect(r.process.events.at(-1)?.VmRSS).toBe(r.process.status().VmRSS);
  });
});
