// MADV_FREE on the real kernel (Linux only for the run itself): the prediction from the host's
// release and swap, the report parser, and a real run whose figures must match the prediction.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import * as probe from "../../src/probe";
import { parseLazyFreeReport } from "../../src/probe/lazy-free";

const support = probe.supported();

describe("lazyFreeExpected", () => {
  it("predicts lazy pages from 4.12 with or without swap, before it only with swap, none before 4.5", () => {
    expect(probe.lazyFreeExpected("6.18.44-fc", 0).lazy).toBe(true);
    expect(probe.lazyFreeExpected("4.12.0", 0).lazy).toBe(true);
    expect(probe.lazyFreeExpected("4.11.9", 0)).toMatchObject({ lazy: false, reason: /before 4\.12 with no swap/ });
    expect(probe.lazyFreeExpected("4.11.9", 1024).lazy).toBe(true);
    expect(probe.lazyFreeExpected("4.4.0", 1024)).toMatchObject({ lazy: false, reason: /no MADV_FREE/ });
  });
  it("refuses a release that is not <major>.<minor>", () => {
    expect(() => probe.lazyFreeExpected("linux", 0)).toThrow(InvalidArgumentError);
  });
});

describe("parseLazyFreeReport", () => {
  it("turns the child's error, or a line that is not a report, into a reason", () => {
    expect(parseLazyFreeReport('{"error": "RuntimeError: no MADV_FREE"}')).toEqual({ ok: false, reason: "not measured: RuntimeError: no MADV_FREE" });
    expect(parseLazyFreeReport("", "Traceback")).toMatchObject({ ok: false, reason: /no report \(Traceback\)/ });
    expect(parseLazyFreeReport('{"kernel": "6.1", "steps": []}')).toMatchObject({ ok: false, reason: /lacks its steps/ });
  });
});

describe("measureLazyFree", () => {
  it("answers { ok: false } off Linux and refuses a bad page count", () => {
    expect(probe.measureLazyFree({ platform: "darwin" })).toMatchObject({ ok: false, reason: /this platform is "darwin"/ });
    expect(() => probe.measureLazyFree({ pages: 0 })).toThrow(/options\.pages must be an integer in \[1, 65536\], got 0/);
  });

  it.skipIf(!support.ok)("on this host: the figures follow what its release and swap predict", () => {
    const run = probe.measureLazyFree({ pages: 512 });
    if (!run.ok) throw new Error(run.reason);
    const [written, freed, rewritten, dontneed] = run.steps;
    const pageKb = run.pageSize / 1024;
    expect(written.rssKb).toBe(512 * pageKb);
    expect(dontneed.rssKb).toBe(0);
    expect(run.lastByteAfterDontneed).toBe(0);
    if (run.expected.lazy) {
      expect(freed.rssKb).toBe(written.rssKb);
      expect(run.lastByteAfterFree).toBe(0x5a);
      if (freed.lazyFreeKb !== null) {
        // Pages still in a per-CPU batch are not counted yet (one batch per CPU the call ran on).
        expect(freed.lazyFreeKb).toBeGreaterThanOrEqual(written.rssKb - 2 * probe.LAZY_FREE_BATCH_PAGES * pageKb);
        expect(rewritten.lazyFreeKb).toBe(freed.lazyFreeKb - pageKb);
      }
    } else {
      expect(freed.rssKb).toBeLessThan(written.rssKb);
    }
  });
});
