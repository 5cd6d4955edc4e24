// A capture file that cannot be written once the program has run is a CaptureFileError naming the
// path, and leaves no partial file nor the recorders' work folder behind (the output is checked
// before the run, so this is a folder removed or a name taken while the program ran). Needs Linux,
// heaptrack and strace; skips without them unless PAGELAB_REQUIRE_CAPTURE=1.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { CaptureFileError, capture } from "../../src/capture";
import { skipUnlessAvailable } from "./available";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-capture-write-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));


/** Runs a 1.5 s program whose first progress report calls `meanwhile`; returns what capture threw. */
async function failedRun(output: string, meanwhile: () => void): Promise<CaptureFileError> {
  let done = false;
  try {
    await capture(["sleep", "1.5"], {
      output, intervalMs: 0, onProgress: (p) => {
        if (p.phase === "running" && !done) {
          done = true;
          meanwhile();
        }
      },
    });
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureFileError);
    return e as CaptureFileError;
  }
  throw new Error("the capture was written");
}

describe("a capture file that cannot be written after the run", () => {
  it("its folder removed while the program ran", async (ctx) => {
    skipUnlessAvailable(ctx);
    const folder = path.join(dir, "gone");
    fs.mkdirSync(folder);
    const output = path.join(folder, "x.capture");
    const e = await failedRun(output, () => fs.rmSync(folder, { recursive: true }));
    expect(e.message).toBe(`capture(argv, options): ${JSON.stringify(output)} cannot be written (ENOENT); the program ran, but its capture is lost`);
  }, 30_000);

  it("its name taken by a folder while the program ran: no partial file is left", async (ctx) => {
    skipUnlessAvailable(ctx);
    const folder = path.join(dir, "taken");
    fs.mkdirSync(folder);
    const output = path.join(folder, "x.capture");
    const e = await failedRun(output, () => fs.mkdirSync(output));
    expect(e.reason).toMatch(/^cannot be written \((EISDIR|ENOTEMPTY|EEXIST)\)/);
    expect(fs.readdirSync(folder)).toEqual(["x.capture"]);
  }, 30_000);
});
