// The probe against this process's real kernel (Linux only; skipped elsewhere).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { PageState } from "../../src/kernel";
import * as probe from "../../src/probe";
import { runExperiment } from "./fixtures/experiment";
import { checkExperiment } from "./realChecks";

const support = probe.supported();
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => fs.existsSync(p));

describe.skipIf(!support.ok)("the real process (Linux)", () => {
  it("host facts come from this machine", () => {
    const host = probe.hostFacts();
    if (!host.ok) throw new Error(host.reason);
    expect([4096, 16384, 65536]).toContain(host.pageSize);
    expect(host.ramBytes).toBeGreaterThan(2 ** 26);
    expect(["always", "madvise", "never", null]).toContain(host.thp);
    expect([0, 1, 2, null]).toContain(host.overcommit);
    expect(["skylake", "golden-cove", "zen2", "cortex-a57", "apple-m1"]).toContain(host.nearestCpuPreset);
    expect(host.notes.join(" ")).toMatch(/CPU preset/);
  });

  it("a 256 MiB Float64Array: header page only, then exactly the written pages, then reads as this host's kernel handles them", () => {
    const e = runExperiment();
    checkExperiment(e);
    if (isRoot) {
      // With CAP_SYS_ADMIN: PFNs are visible, so zero pages are recognised exactly.
      expect(["kpageflags", "pfn"]).toContain(e.afterReads.zeroPageDetection);
      if (!e.frames.ok) throw new Error(e.frames.reason);
      expect(e.frames.distinctResidentFrames).toBe(e.afterReads.residentPages.length);
      expect(e.frames.untouchedFrame).toBe(-1);
      if ((e.afterWrites.anonHugeKb ?? 0) === 0 && e.readFault === "zero-page") expect(e.frames.zeroPageFrames).toHaveLength(1); // one shared zero page
      if (e.readFault === "private-page") expect(e.frames.zeroPageFrames).toHaveLength(e.readPages.length); // a frame per page read
    }
  });

  it("two arrays allocated back to back are told apart even when the kernel merges their mappings", () => {
    const a = probe.alloc(Float64Array, 2 ** 23);
    const b = probe.alloc(Float64Array, 2 ** 23);
    expect(a.mapping).not.toBeNull();
    expect(b.mapping).not.toBeNull();
    const [ma, mb] = [a.mapping!, b.mapping!];
    expect(ma.end <= mb.start || mb.end <= ma.start).toBe(true);
    b.array[2 ** 22] = 1; // the middle of b: page (2**25 + 16) / 4096 of b's mapping
    const rb = probe.residency(b);
    const ra = probe.residency(a);
    if (!rb.ok || !ra.ok) throw new Error("residency unsupported");
    const middle = Math.floor((b.dataStart! - mb.start + 2 ** 25) / rb.pageSize);
    expect(rb.state[middle]).toBe(PageState.Resident);
    expect(ra.totals.present).toBeLessThanOrEqual(1);
  });

  it("a small array comes from memory the allocator already had, and the answer says so", () => {
    const small = probe.alloc(Uint8Array, 100);
    expect(small.mapping).toBeNull();
    expect(small.note).toMatch(/already had|cannot tell/);
    expect(probe.residency(small)).toMatchObject({ ok: false });
  });

  it("the probe's resident pages of a mapping equal the kernel's own smaps Rss for it, after writes and reads", () => {
    const p = probe.alloc(Float64Array, 2 ** 22); // 32 MiB: its own mapping
    for (let k = 0; k < 2 ** 22; k += 512 * 7) p.array[k] = 1; // every 7th page written
    let sink = 0;
    for (let k = 256; k < 2 ** 22; k += 512 * 5) sink += p.array[k]; // every 5th page read
    expect(Number.isFinite(sink)).toBe(true);
    const r = probe.residency(p);
    if (!r.ok) throw new Error(r.reason);
    expect(r.smaps).not.toBeNull();
    expect(r.totals.resident).toBeGreaterThan(500); // at least the written pages
    // smaps counts the whole VMA, which may be the mapping merged with an anonymous neighbour
    // that other threads of this process write: count over the VMA, and read again if it changed
    // between the two reads (a real mismatch stays).
    const overVma = () => {
      const vma = probe.residency({ mapping: { start: r.smaps!.start, end: r.smaps!.end } });
      if (!vma.ok || vma.smaps === null) throw new Error("residency of the VMA unsupported");
      return { counted: vma.totals.resident! * (vma.pageSize / 1024), rss: vma.smaps.Rss };
    };
    let reading = overVma();
    for (let again = 0; again < 3 && reading.counted !== reading.rss; again++) reading = overVma();
    expect(reading.counted).toBe(reading.rss);
  });

  it("smapsOf, status and minorFaults read this process", () => {
    const p = probe.alloc(Float64Array, 2 ** 22);
    const s = probe.smapsOf(p.mapping!);
    if (!s.ok) throw new Error(s.reason);
    expect(s.VmFlags.split(" ")).toEqual(expect.arrayContaining(["rd", "wr"]));
    expect(s.end - s.start).toBeGreaterThanOrEqual(2 ** 25);
    const st = probe.status();
    if (!st.ok) throw new Error(st.reason);
    expect(st.VmSize).toBeGreaterThan(st.VmRSS);
    expect(st.VmRSS).toBeGreaterThanOrEqual(st.RssAnon);
    const before = probe.minorFaults();
    for (let k = 1; k < 100; k++) p.array[k * 512] = 1; // 99 fresh pages: 99 write faults
    const after = probe.minorFaults();
    if (!before.ok || !after.ok) throw new Error("minorFaults unsupported");
    expect(after.minorFaults - before.minorFaults).toBeGreaterThanOrEqual(99);
  });

  // As root the PFNs are visible; a child without CAP_SYS_ADMIN shows what CI's non-root user sees.
  it.skipIf(!isRoot || setpriv === undefined)("without CAP_SYS_ADMIN: PFNs hidden, zero pages inferred from the exclusive bit", () => {
    const root = path.resolve(__dirname, "../..");
    const child = spawnSync(
      setpriv!,
      ["--bounding-set=-sys_admin", "--inh-caps=-sys_admin", process.execPath, "node_modules/vite-node/vite-node.mjs", "test/probe/fixtures/nocap-child.ts"],
      { cwd: root, encoding: "utf8", timeout: 120_000 },
    );
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    const e = JSON.parse(child.stdout.trim().split("\n").pop()!);
    expect(e.supportReason).toMatch(/PFNs read as 0/);
    checkExperiment(e);
    // With the zero page forbidden there is no zero page to detect: every present page is the process's own.
    expect(e.afterReads.zeroPageDetection).toBe(e.readFault === "zero-page" ? "exclusive-bit" : "no-zero-page");
    expect(e.frames).toMatchObject({ ok: false, reason: expect.stringMatching(/CAP_SYS_ADMIN/) });
  });
});
