// replay() takes any object with records(), not only what load() made: such a capture is checked
// as far as replay reads it, and each record as load() checks a line, so a wrong one is an
// InvalidArgumentError naming the record, not a TypeError from inside the replay.
import * as path from "path";
import { describe, expect, it } from "vitest";
import { type Capture, type CaptureRecord, load, replay } from "../../src/capture";
import { InvalidArgumentError } from "../../src/errors";

const c = load(path.join(__dirname, "fixtures", "minimal.capture"));

/** A capture load() did not make: `c`'s fields with `records` (and any field) replaced. */
function custom(records: () => unknown, fields: Record<string, unknown> = {}): Capture {
  return { file: c.file, meta: c.meta, sites: c.sites, summary: c.summary, records, ...fields } as unknown as Capture;
}

describe("replay of a capture load() did not make", () => {
  it("replays the same records as the loaded capture", () => {
    const r = replay(custom(() => c.records()));
    expect(r.calls).toBe(replay(c).calls);
  });

  it("refuses a meta without a page size and sites that are not a Map", () => {
    expect(() => replay(custom(() => c.records(), { meta: null }))).toThrow(/^capture\.replay\(capture\): capture\.meta must be an object whose pageSize is a power of two/);
    expect(() => replay(custom(() => c.records(), { meta: { ...c.meta, pageSize: 3 } }))).toThrow(InvalidArgumentError);
    expect(() => replay(custom(() => c.records(), { sites: {} }))).toThrow(/^capture\.replay\(capture\): capture\.sites must be a Map/);
  });

  it("refuses records() that returns no generator", () => {
    for (const wrong of [5, null, [], {}]) {
      expect(() => replay(custom(() => wrong)), String(wrong)).toThrow(/^capture\.replay\(capture\): capture\.records\(\) must return a generator of capture records/);
    }
  });

  it("refuses a record that is not one, naming its position", () => {
    const yielding = (...records: unknown[]) => custom(function* () {
      yield* records;
    });
    const site: CaptureRecord = { kind: "site", site: 1, label: "x" };
    expect(() => replay(yielding(site, null))).toThrow(/^capture\.replay\(capture\): record 2 of capture\.records\(\) is not a capture record, got null/);
    expect(() => replay(yielding({ kind: "alloc", id: 1, size: "eight", address: 4096, site: 0 }))).toThrow(/record 1 of capture\.records\(\) is not a capture record/);
    expect(() => replay(yielding({ kind: "sample", seq: 0, ms: 0, vmRssKb: 0, vmSizeKb: 0, resident: 5 }))).toThrow(InvalidArgumentError);
    expect(() => replay(yielding({ kind: "free", id: -1 }))).toThrow(InvalidArgumentError);
    expect(() => replay(yielding({ kind: "what" }))).toThrow(InvalidArgumentError);
    expect(() => replay(yielding({ kind: "site", site: 1, label: 5 }))).toThrow(InvalidArgumentError);
  });
});
