// capture.load: the line format round-trips, a recorded capture loads, and every malformed or
// truncated file is refused with its line number and the reason.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CaptureFormatError, load } from "../../src/capture";
import { type CaptureRecord, formatRecord, parseRecord } from "../../src/capture/format";
import { InvalidArgumentError, PagelabError } from "../../src/errors";

const FIXTURES = path.join(__dirname, "fixtures");
const MINIMAL = fs.readFileSync(path.join(FIXTURES, "minimal.capture"), "utf8");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-load-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function fileWith(text: string): string {
  const file = path.join(dir, `case-${n++}.capture`);
  fs.writeFileSync(file, text);
  return file;
}

function refusal(text: string): CaptureFormatError {
  try {
    load(fileWith(text));
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureFormatError);
    expect(e).toBeInstanceOf(PagelabError);
    return e as CaptureFormatError;
  }
  throw new Error("load accepted a malformed capture");
}

const lines = MINIMAL.split("\n");
const replaceLine = (index: number, text: string): string => [...lines.slice(0, index), text, ...lines.slice(index + 1)].join("\n");

describe("the record format", () => {
  const address = fc.integer({ min: 0, max: 2 ** 52 });
  const count = fc.integer({ min: 0, max: 2 ** 40 });
  const record: fc.Arbitrary<CaptureRecord> = fc.oneof(
    fc.record({ kind: fc.constant("site" as const), site: count, label: fc.string() }),
    fc.record({ kind: fc.constant("time" as const), ms: count }),
    fc.record({ kind: fc.constant("alloc" as const), id: count, size: count, address, site: count }),
    fc.record({ kind: fc.constant("free" as const), id: count }),
    fc.record({ kind: fc.constant("syscall" as const), call: fc.constant("mmap" as const), address, length: count, prot: fc.constantFrom("rw", "r", "none"), anonymous: fc.boolean() }),
    fc.record({ kind: fc.constant("syscall" as const), call: fc.constant("brk" as const), from: address, to: address }),
    fc.record({ kind: fc.constant("syscall" as const), call: fc.constant("mremap" as const), address, length: count, newAddress: address, newLength: count }),
    fc.record({ kind: fc.constant("sync" as const), seq: count, sync: fc.constantFrom("line" as const, "mark" as const, "end" as const), site: count, label: fc.string() }),
    fc.record({ kind: fc.constant("sample" as const), seq: count, ms: count, vmRssKb: count, vmSizeKb: count, resident: fc.array(fc.tuple(address, count)) }),
    fc.record({ kind: fc.constant("exit" as const), status: fc.option(fc.integer({ min: 0, max: 255 })), signal: fc.option(fc.constantFrom("SIGSEGV", "SIGKILL")), message: fc.string() }),
  );

  it("parses back every record it formats, on one line", () => {
    fc.assert(fc.property(record, (r) => {
      const line = formatRecord(r);
      expect(line).not.toContain("\n");
      expect(parseRecord(line)).toEqual(r);
    }), { seed: 18, numRuns: 500 });
  });
});

describe("load", () => {
  it("reads the recorded capture of test/capture/fixtures/tiny.py, its sites and totals", () => {
    const c = load(path.join(FIXTURES, "tiny.capture"));
    expect(c.meta.pythonLines).toBe(true);
    expect([...c.sites.values()].some((label) => label.startsWith("tiny.py:3 zeros = bytes("))).toBe(true);
    let allocations = 0;
    for (const r of c.records()) if (r.kind === "alloc") allocations++;
    expect(allocations).toBe(c.summary.allocations);
    expect(c.summary.exit?.status).toBe(0);
    expect(c.summary.peakLiveBytes).toBeGreaterThanOrEqual(8 * 2 ** 20);
  });

  it("reads a whole file and counts what it holds", () => {
    const c = load(fileWith(MINIMAL));
    expect(c.summary).toMatchObject({ allocations: 2, frees: 1, syscalls: 3, samples: 3, syncMarkers: 3, peakLiveBytes: 1024 + 2 ** 24, liveBytesAtEnd: 1024 });
    expect(c.sites.get(2)).toBe("prog.py:2 np.add(a, 0, out=a)");
  });

  it("refuses a file cut short: no newline at the end, no end line, nothing after the header", () => {
    const cut = MINIMAL.slice(0, MINIMAL.indexOf("f 2") + 1);
    const e1 = refusal(cut);
    expect(e1.reason).toMatch(/truncated: its last line has no newline/);
    expect(e1.line).toBe(cut.split("\n").length);
    const e2 = refusal(lines.slice(0, 10).join("\n") + "\n");
    expect(e2.reason).toMatch(/truncated: it ends after 8 records without its end line/);
    expect(e2.line).toBe(11);
    expect(refusal("pagelab-capture 1\n").reason).toMatch(/ends before its meta line/);
  });

  it("names the line and the reason of a malformed record", () => {
    const cases: [number, string, RegExp][] = [
      [2, "a 1 1024 zz 0", /an allocation's address must be a hex address, got "zz"/],
      [2, "a 1 -5 55550010 0", /an allocation's size must be a decimal integer, got "-5"/],
      [2, "q 1 2", /unknown record "q"/],
      [2, "a 1 1024 55550010 9", /names site 9, which no site line defined before/],
      [14, "f 7", /free of allocation 7, which is not live/],
      [3, "s mmap 1000 4096 rw", /expected 6 fields, found 5|must be anon or file/],
      [4, 'site 1 "unterminated', /a site's label must be a JSON string/],
      [5, 'k 2 line 1 ""', /sync marker 2 out of order/],
      [5, 'k 1 jump 1 ""', /kind must be line, mark or end/],
      [6, "r 1 10 4000 100000 55550", /a run of resident pages must be vpn\+count/],
    ];
    for (const [index, text, reason] of cases) {
      const e = refusal(replaceLine(index, text));
      expect(e.line, text).toBe(index + 1);
      expect(e.reason, text).toMatch(reason);
      expect(e.message).toContain(`:${index + 1}: `);
    }
  });

  it("refuses another format, another version, a bad meta and a wrong record count", () => {
    expect(refusal(replaceLine(0, "heaptrack 1")).reason).toMatch(/not a pagelab capture/);
    expect(refusal(replaceLine(0, "pagelab-capture 9")).reason).toMatch(/version "9" is not supported/);
    expect(refusal(replaceLine(1, "meta {")).reason).toMatch(/meta is not JSON/);
    expect(refusal(replaceLine(1, 'meta {"program":"x"}')).reason).toMatch(/program must be an array of strings/);
    const e = refusal(MINIMAL.replace("end 16", "end 15"));
    expect(e.reason).toMatch(/counts "15" records, the file holds 16/);
  });

  it("refuses a path that is not a file as an invalid argument", () => {
    expect(() => load(path.join(dir, "missing.capture"))).toThrow(InvalidArgumentError);
    expect(() => load("" as string)).toThrow(/file must be a path/);
  });
});
