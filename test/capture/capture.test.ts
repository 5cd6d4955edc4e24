// capture(): a tiny real Python program run under strace and heaptrack. These tests need Linux,
// heaptrack and strace; without them they skip with the reason, unless PAGELAB_REQUIRE_CAPTURE=1
// (CI), where a missing tool fails them.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaptureToolMissingError, type CaptureResult, capture, captureUnavailable, load, replay } from "../../src/capture";
import { main } from "../../src/capture/cli";
import { skipUnlessAvailable } from "./available";

const PYTHON = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const TINY = path.join(__dirname, "fixtures", "tiny.py");
const unavailable = captureUnavailable();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-capture-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));


describe("capture of a tiny Python program", () => {
  let result: CaptureResult;
  const progress: string[] = [];
  beforeAll(async () => {
    if (unavailable !== null) return;
    result = await capture([PYTHON, TINY], { output: path.join(dir, "tiny.capture"), intervalMs: 20, onProgress: (p) => progress.push(p.phase) });
  }, 60_000);

  it("ends with the program's status and a file that loads", (ctx) => {
    skipUnlessAvailable(ctx);
    expect(result.status).toBe(0);
    expect(progress.at(-1)).toBe("done");
    const c = load(result.file);
    expect(c.summary.exit?.status).toBe(0);
    expect(c.summary.syncMarkers).toBe(result.syncMarkers);
    expect([...c.sites.values()]).toContain('tiny.py:8 pagelab_mark("after del")');
  });

  it("replays: the simulated mmaps match, calloc'd bytes stay one page, written ones are all resident, freed blocks stay held", (ctx) => {
    skipUnlessAvailable(ctx);
    const r = replay(load(result.file));
    expect(r.mmapsAgree).toBe(true);
    const siteOf = (line: number): number => [...r.sites].find(([, l]) => l.startsWith(`tiny.py:${line} `))?.[0] ?? NaN;
    const before = (line: number) => r.samples.find((s) => s.site === siteOf(line) && s.label === "");
    expect(before(4)?.pagesBySite.get(siteOf(3))).toBe(1);          // bytes(8 MiB): calloc, never written
    expect(before(5)?.pagesBySite.get(siteOf(4))).toBe(2049);       // bytearray(8 MiB): written
    const after = r.samples.find((s) => s.label === "after del");
    expect((after?.heldPinnedPages ?? 0) * 4096).toBeGreaterThan(3 * 2 ** 20);
    expect(after?.heapTopSite).toBe(siteOf(6));
    // the simulated VmRSS grew by what the real one grew, within the interpreter's noise
    const [first] = r.samples;
    const written = before(5);
    if (written === undefined) throw new Error("no sample before line 5");
    expect(Math.abs((written.realVmRssKb - first.realVmRssKb) - (written.simulatedVmRssKb - first.simulatedVmRssKb))).toBeLessThan(1024);
  });

  it("the end sample still sees what the script's last line made, before the interpreter frees it", async (ctx) => {
    skipUnlessAvailable(ctx);
    const script = path.join(dir, "last-line.py");
    fs.writeFileSync(script, "first = 1\nlast = bytearray(4 * 2**20)\n");
    const r = replay(load((await capture([PYTHON, script], { output: path.join(dir, "last-line.capture"), intervalMs: 0 })).file));
    const last = [...r.sites].find(([, l]) => l.startsWith("last-line.py:2 "))?.[0];
    const end = r.samples.find((s) => s.label === "end");
    expect(last).toBeDefined();
    expect(end?.pagesBySite.get(last ?? NaN) ?? 0).toBeGreaterThanOrEqual(1024); // 4 MiB written: all resident
  }, 60_000);

  it("reports a crashing program's status and keeps what was captured", async (ctx) => {
    skipUnlessAvailable(ctx);
    const script = path.join(dir, "crash.py");
    fs.writeFileSync(script, "data = bytearray(2**20)\nimport os\nos.abort()\n");
    const r = await capture([PYTHON, script], { output: path.join(dir, "crash.capture"), intervalMs: 0 });
    expect(r.signal).toBe("SIGABRT");
    expect(r.message).toBe("killed by SIGABRT");
    const c = load(r.file);
    expect(c.summary.exit?.signal).toBe("SIGABRT");
    expect(c.summary.allocations).toBeGreaterThan(0);
  }, 60_000);

  it("captures a native program with its frames as call sites", async (ctx) => {
    skipUnlessAvailable(ctx);
    const r = await capture(["/bin/ls", dir], { output: path.join(dir, "ls.capture"), intervalMs: 0 });
    expect(r.status).toBe(0);
    const c = load(r.file);
    expect(c.meta.pythonLines).toBe(false);
    expect([...c.sites.values()].some((l) => /\+0x[0-9a-f]+$/.test(l))).toBe(true);
  }, 60_000);

  it("the command line writes the file and shows progress on stderr", async (ctx) => {
    skipUnlessAvailable(ctx);
    const out = path.join(dir, "cli.capture");
    const code = await main(["capture", "--output", out, "--interval", "0", "--", PYTHON, "-c", "pass"]);
    expect(code).toBe(0);
    expect(load(out).summary.exit?.status).toBe(0);
    expect(await main(["capture", PYTHON])).toBe(2);
  }, 60_000);
});

describe("a missing recorder", () => {
  it("is refused with the install command", async () => {
    const saved = process.env.PAGELAB_STRACE;
    process.env.PAGELAB_STRACE = "/nonexistent/strace";
    try {
      await expect(capture(["true"])).rejects.toThrow(CaptureToolMissingError);
      await expect(capture(["true"])).rejects.toThrow(/apt-get install strace/);
    } finally {
      if (saved === undefined) delete process.env.PAGELAB_STRACE;
      else process.env.PAGELAB_STRACE = saved;
    }
  });

  it("refuses a command line that is not an array of strings", async () => {
    await expect(capture([] as string[])).rejects.toThrow(/argv must be a non-empty array of strings/);
  });

  it("the built command line is an npm bin entry", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { bin?: Record<string, string> };
    expect(pkg.bin?.pagelab).toBe("dist/capture/cli.js");
    expect(fs.readFileSync(path.join(__dirname, "..", "..", "src", "capture", "cli.ts"), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(spawnSync).toBeTypeOf("function");
  });
});
