// capture(argv, options) checks every option before the program runs (no recorder needed): an
// unknown key was ignored, and a wrong-typed one failed as a raw TypeError (output: 5, options
// null) or only after the whole run (an onProgress that is not a function, an output folder that
// cannot be written, a machine replay cannot build).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { type CaptureOptions, capture } from "../../src/capture";
import { InvalidArgumentError } from "../../src/errors";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-capture-options-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const output = path.join(dir, "never.capture");
const where = /^capture\(argv, options\): /;

async function refusal(options: unknown): Promise<InvalidArgumentError> {
  try {
    await capture(["true"], options as CaptureOptions);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toMatch(where);
    return e as InvalidArgumentError;
  }
  throw new Error(`capture accepted ${JSON.stringify(options)}`);
}

describe("capture options", () => {
  it("refuses an unknown key with the one it meant", async () => {
    expect((await refusal({ output, foo: 1 })).message).toMatch(/unknown option "foo"/);
    expect((await refusal({ output, interval: 10 })).message).toMatch(/unknown option "interval" \(did you mean "intervalMs"\?\)/);
  });

  it("refuses options that are not an object", async () => {
    for (const wrong of [null, 5, "fast", [1]]) expect((await refusal(wrong)).message).toMatch(/options must be an object/);
  });

  it("refuses wrong-typed fields, naming each", async () => {
    const cases: [unknown, RegExp][] = [
      [{ output: 5 }, /options\.output must be a file path, got 5/],
      [{ output, intervalMs: "100" }, /options\.intervalMs must be a number >= 0, got "100"/],
      [{ output, intervalMs: Symbol("x") }, /options\.intervalMs must be a number >= 0/],
      [{ output, syncEachLine: "no" }, /options\.syncEachLine must be true or false, got "no"/],
      [{ output, maxSyncMarkers: -1 }, /options\.maxSyncMarkers must be an integer in \[0, /],
      [{ output, onProgress: 5 }, /options\.onProgress must be a function/],
      [{ output, stdio: "pipe" }, /options\.stdio must be "collect" or "inherit", got "pipe"/],
      [{ output, timeoutMs: "1000" }, /options\.timeoutMs must be an integer in \[1, /],
      [{ output, timeoutMs: 0 }, /options\.timeoutMs must be an integer/],
      [{ output, machine: { ramBytes: "16GiB" } }, /options\.machine: ramBytes must be/],
      [{ output, machine: { preset: "linux-x86_64", mmu: () => null } }, /options\.machine cannot hold mmu/],
      [{ output, machine: 5 }, /options\.machine: /],
    ];
    for (const [options, message] of cases) expect((await refusal(options)).message, String(message)).toMatch(message);
  });

  it("refuses an output that is a directory or in a folder that does not exist, before the program runs", async () => {
    expect((await refusal({ output: dir })).message).toMatch(/the output ".*" is a directory/);
    expect((await refusal({ output: path.join(dir, "no", "such", "x.capture") })).message).toMatch(/cannot be written: its folder is not writable \(ENOENT\)/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("checks argv first, without a TypeError for a value JSON cannot show", async () => {
    await expect(capture([10n] as unknown as string[])).rejects.toThrow(/^capture\(argv\): argv must be a non-empty array of strings/);
  });
});
