// Host facts and the twin built from them, on recorded hosts (a fake /proc and /sys, and the
// calibration evidence of three kinds of host) and on this machine for real. No test asserts a
// policy a host may change: the live checks compare the kernel with the twin built from it.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel";
import * as probe from "../../src/probe";
import { hostMachineOptions } from "../../src/probe/from-host";
import type { CalibrationEvidence, HostFacts } from "../../src/probe";
import { fakeRoot } from "./helpers";

const HOSTS = path.join(__dirname, "fixtures", "hosts");
const recorded = (name: string): CalibrationEvidence => JSON.parse(fs.readFileSync(path.join(HOSTS, `${name}.json`), "utf8"));

/** A fake /proc and /sys of a stock Linux 6.8+ host, with the THP settings given. */
function fakeHost(thp: { enabled?: string; useZeroPage?: string; sizes?: Record<number, string> } = {}): { procRoot: string; sysRoot: string } {
  const files: Record<string, string> = {
    "proc/self/maps": "10000000-10010000 rw-p 00000000 00:00 0 \n",
    "proc/self/smaps": "10000000-10010000 rw-p 00000000 00:00 0 \nKernelPageSize:        4 kB\n",
    "proc/meminfo": "MemTotal:       16384000 kB\nSwapTotal:       1048576 kB\n",
    "proc/sys/vm/overcommit_memory": "0\n",
    "proc/sys/vm/overcommit_ratio": "50\n",
    "proc/cpuinfo": "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Gold 6148\n",
    "sys/kernel/mm/transparent_hugepage/enabled": thp.enabled ?? "always [madvise] never\n",
    "sys/kernel/mm/transparent_hugepage/use_zero_page": thp.useZeroPage ?? "1\n",
    "sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none": "511\n",
  };
  const sizes = thp.sizes ?? { 16: "always inherit madvise [never]", 64: "always inherit madvise [never]", 2048: "always [inherit] madvise never" };
  for (const [kib, text] of Object.entries(sizes)) files[`sys/kernel/mm/transparent_hugepage/hugepages-${kib}kB/enabled`] = `${text}\n`;
  const root = fakeRoot(files);
  return { procRoot: path.join(root, "proc"), sysRoot: path.join(root, "sys") };
}

function factsOf(roots: { procRoot: string; sysRoot: string }, evidence?: CalibrationEvidence): HostFacts {
  const facts = probe.hostFacts({ ...roots, platform: "linux" });
  if (!facts.ok) throw new Error(facts.reason);
  if (evidence) {
    facts.behaviour = probe.behaviourFromEvidence(evidence);
    facts.findings = probe.findingsOf(facts);
  }
  return facts;
}

describe("host settings from /proc and /sys", () => {
  it("reads RAM, swap, THP, use_zero_page, every mTHP size, max_ptes_none and overcommit", () => {
    const facts = factsOf(fakeHost({ sizes: { 64: "[always] inherit madvise never", 2048: "always [inherit] madvise never" } }));
    expect(facts).toMatchObject({
      pageSize: 4096,
      ramBytes: 16384000 * 1024,
      swapBytes: 2 ** 30,
      thp: "madvise",
      useZeroPage: true,
      thpSizes: { 64: "always", 2048: "inherit" },
      maxPtesNone: 511,
      overcommit: 0,
      overcommitRatio: 50,
    });
    // Recorded files describe some other kernel: nothing is measured on this one for them.
    expect(facts.behaviour).toMatchObject({ ok: false, reason: expect.stringMatching(/recorded files/) });
  });

  it("a kernel without mTHP folders (before 6.8) or without THP reports no sizes and a null mode", () => {
    const roots = fakeHost({ sizes: {} });
    fs.rmSync(path.join(roots.sysRoot, "kernel/mm/transparent_hugepage/enabled"));
    const facts = factsOf(roots);
    expect(facts.thpSizes).toEqual({});
    expect(facts.thp).toBeNull();
    expect(facts.notes.join(" ")).toMatch(/THP mode unknown/);
  });
});

describe("fault behaviour from calibration evidence", () => {
  it("stock Linux: the zero page on read, the huge zero page in a huge range, 4 KiB and 2 MiB writes", () => {
    const b = probe.behaviourFromEvidence(recorded("stock-zero-page"));
    expect(b.readFault).toMatchObject({ result: "zero-page", bytesAllocated: 0 });
    expect(b.readFault.evidence).toMatch(/0 exclusive.*smaps Rss 0 kB/);
    expect(b.hugeRangeRead).toMatchObject({ result: "huge-zero-page", bytesAllocated: 0 });
    expect(b.writeFault.result).toBe(4096);
    expect(b.madvisedWriteFault.result).toBe(2 * 2 ** 20);
    // Linux 6.18 here replaces the huge zero page with a THP on write; 5.8 until then split it.
    expect(b.hugeZeroWrite.result).toBe("huge-page");
    expect(factsOf(fakeHost(), recorded("stock-zero-page")).findings).toEqual([expect.stringMatching(/write to the huge zero page allocates a whole 2 MiB page/)]);
    const older = probe.behaviourFromEvidence(recorded("huge-zero-split"));
    expect(older.hugeZeroWrite).toMatchObject({ result: "split", bytesAllocated: 4096 });
    expect(factsOf(fakeHost(), recorded("huge-zero-split")).findings).toEqual([]);
  });

  it("a host that forbids the zero page: private pages on read, a whole huge page in a huge range, said in plain words", () => {
    const b = probe.behaviourFromEvidence(recorded("no-zero-page"));
    expect(b.readFault).toMatchObject({ result: "private-page", bytesAllocated: 4096 });
    expect(b.readFault.evidence).toMatch(/1 exclusive.*smaps Rss 4 kB/);
    expect(b.hugeRangeRead).toMatchObject({ result: "huge-page", bytesAllocated: 2 * 2 ** 20 });
    expect(b.hugeZeroWrite.result).toBe("no-huge-zero-page");
    const findings = factsOf(fakeHost(), recorded("no-zero-page")).findings.join("\n");
    expect(findings).toMatch(/read of untouched memory allocates a private zeroed page/);
    expect(findings).toMatch(/whole 2 MiB page/);
  });

  it("a host with 64 KiB mTHP: one written byte allocates 64 KiB", () => {
    const facts = factsOf(fakeHost({ sizes: { 64: "[always] inherit madvise never" } }), recorded("mthp-64k"));
    if (!facts.behaviour.ok) throw new Error("behaviour missing");
    expect(facts.behaviour.writeFault.result).toBe(64 * 1024);
    expect(facts.findings.join("\n")).toMatch(/Multi-size THP is enabled: 64 KiB always/);
  });
});

describe("the twin predicts each recorded host", () => {
  const cases = [
    { name: "stock-zero-page", sizes: undefined, zeroPageOnRead: true, hugeZeroPage: true, thpOnHugeZeroWrite: true },
    { name: "huge-zero-split", sizes: undefined, zeroPageOnRead: true, hugeZeroPage: true, thpOnHugeZeroWrite: false },
    { name: "no-zero-page", sizes: undefined, zeroPageOnRead: false, hugeZeroPage: false, thpOnHugeZeroWrite: undefined },
    { name: "mthp-64k", sizes: { 64: "[always] inherit madvise never" }, zeroPageOnRead: true, hugeZeroPage: true, thpOnHugeZeroWrite: true },
  ];
  it.each(cases)("$name: the same five touches on the twin give the host's Rss and AnonHugePages", ({ name, sizes, zeroPageOnRead, hugeZeroPage, thpOnHugeZeroWrite }) => {
    const evidence = recorded(name);
    const facts = factsOf(fakeHost(sizes ? { sizes } : {}), evidence);
    const options = probe.machineOptionsFor(facts);
    expect(options).toMatchObject({ zeroPageOnRead, hugeZeroPage, thp: "madvise", swapBytes: 2 ** 30 });
    expect(options.thpOnHugeZeroWrite).toBe(thpOnHugeZeroWrite);
    const check = probe.checkTwin(new Machine(options), probe.behaviourFromEvidence(evidence));
    expect(check.text).not.toMatch(/differs/);
    expect(check.agrees).toBe(true);
  });

  it("a stock twin does not predict the host that forbids the zero page (the check can fail)", () => {
    const check = probe.checkTwin(new Machine(), probe.behaviourFromEvidence(recorded("no-zero-page")));
    expect(check.agrees).toBe(false);
    expect(check.regions.filter((r) => !r.agrees).map((r) => r.region)).toEqual(["read-small", "read-huge", "write-after-huge-read"]);
    const older = probe.checkTwin(new Machine(), probe.behaviourFromEvidence(recorded("stock-zero-page")));
    expect(older.regions.filter((r) => !r.agrees).map((r) => r.region)).toEqual(["write-after-huge-read"]);
  });

  it("without a measurement the settings decide: use_zero_page 0 turns the huge zero page off", () => {
    const facts = factsOf(fakeHost({ useZeroPage: "0\n" }));
    expect(probe.machineOptionsFor(facts)).toMatchObject({ zeroPageOnRead: true, hugeZeroPage: false });
    expect(facts.findings.join(" ")).toMatch(/use_zero_page is 0/);
  });
});

const support = probe.supported();
describe.skipIf(!support.ok)("this machine, measured", () => {
  it("the calibration is bounded, releases its memory, and the twin built from it predicts every region", () => {
    const facts = probe.hostFacts();
    if (!facts.ok) throw new Error(facts.reason);
    const b = facts.behaviour;
    if (!b.ok) throw new Error(b.reason);
    expect(b.mappedBytes).toBeLessThanOrEqual(8 * 2 ** 20);
    expect(b.elapsedMs).toBeLessThan(100);
    expect(b.released).toBe(true);
    for (const finding of [b.readFault, b.hugeRangeRead, b.writeFault, b.madvisedWriteFault]) expect(finding.evidence).toMatch(/pagemap: .*smaps Rss/);
    const check = probe.checkTwin(Machine.fromHost(), b);
    expect(check.text).not.toMatch(/differs/);
    expect(check.agrees).toBe(true);
    // The twin carries what was measured, whichever way this host goes.
    expect(hostMachineOptions()).toMatchObject({ zeroPageOnRead: b.readFault.result === "zero-page" });
  });
});
