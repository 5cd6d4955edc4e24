// The notebook runner (scripts/run-notebooks.py) must catch every way a tslab notebook can
// fail: these tests execute the fixture notebooks through the real Jupyter client.
// Needs `npm run setup` (Jupyter's nbclient, the tslab kernel in .jupyter-prefix, dist/).
// fixtures/*.ipynb stand for the shipped notebooks (PAGELAB_NOTEBOOKS_DIR points at them where a
// test says so); fixtures/user/ holds a notebook of one's own, which needs no CLAIMS line.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
// Where scripts/screenshot.js finds Chromium (PAGELAB_CHROMIUM, default /usr/bin/chromium).
import chromiumSetup from "../../scripts/chromium.js";

const root = path.resolve(__dirname, "../..");
const fixtures = path.join(root, "test/notebooks/fixtures");
const runner = path.join(root, "scripts/run-notebooks.py");
const python = process.env.PAGELAB_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
const kernelMinutes = 4 * 60_000;
const hasChromium = existsSync(chromiumSetup.executablePath as string);

interface Claims {
  name: string;
  checked: number;
  held: number;
  sim_held: number;
  sim: number;
  real_held: number;
  real: number;
  skipped: number;
}
interface NotebookResult {
  notebook: string;
  shipped: boolean;
  claims: Claims | null;
  failure: string | null;
}

// Runs the runner with the given arguments (from the repository root unless `cwd` says
// otherwise); fixture claims report no real-machine checks. `shipped` names the folder whose
// *.ipynb count as the shipped notebooks (PAGELAB_NOTEBOOKS_DIR; default: notebooks/).
// Asynchronous on purpose: a synchronous child would block this test worker's event loop for
// the whole run, and vitest fails a run whose worker cannot answer its RPC within 60 s.
function runNotebooks(args: string[], options: { cwd?: string; shipped?: string } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PAGELAB_FIXTURE_REAL: "0" };
  delete env.PAGELAB_NOTEBOOKS_DIR;
  if (options.shipped) env.PAGELAB_NOTEBOOKS_DIR = options.shipped;
  return new Promise((resolve, reject) => {
    const child = spawn(python, [runner, ...args], { cwd: options.cwd ?? root, env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function fixture(name: string): string {
  return path.join(fixtures, name);
}

describe("run-notebooks.py", () => {
  it("fails every deliberately failing fixture for its own reason and passes the good one", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "pagelab-runner-"));
    const summary = path.join(out, "summary.json");
    const notebooks = readdirSync(fixtures).filter((name) => name.endsWith(".ipynb")).sort();
    // As shipped notebooks: each must print its CLAIMS line (fails-no-claims does not).
    const run = await runNotebooks(["--check-committed", "--jobs", "4", "--out", out, "--summary-json", summary, ...notebooks.map(fixture)], {
      shipped: fixtures,
    });

    expect(run.status, run.stdout + run.stderr).toBe(1);
    const results = JSON.parse(readFileSync(summary, "utf8")) as NotebookResult[];
    const byName = new Map(results.map((result) => [result.notebook, result]));
    expect([...byName.keys()].sort()).toEqual(notebooks);
    for (const name of notebooks.filter((notebook) => notebook.startsWith("fails-"))) {
      expect(byName.get(name)?.failure, name).toBeTruthy();
    }
    expect(byName.get("fails-throws.ipynb")?.failure).toMatch(/^cell 1 .*finished with status 'error', stderr:[\s\S]*Error: deliberate failure/);
    expect(byName.get("fails-stderr.ipynb")?.failure).toMatch(/^cell 0 .*wrote to stderr:\s+deliberate stderr/);
    expect(byName.get("fails-type-error.ipynb")?.failure).toMatch(/^cell 0 .*finished with status 'error', stderr:[\s\S]*Type 'string' is not assignable to type 'number'/);
    expect(byName.get("fails-claim.ipynb")?.failure).toBe("1 of 2 claims did not hold");
    expect(byName.get("fails-no-claims.ipynb")?.failure).toMatch(/printed no CLAIMS line/);
    expect(results.every((result) => result.shipped)).toBe(true);
    expect(byName.get("fails-stale.ipynb")?.failure).toMatch(/^cell 1: committed outputs are not current[\s\S]*-.*stale output[\s\S]*\+.*fresh output/);

    // Committed with PAGELAB_FIXTURE_REAL=1: the real-machine cell and the real part of the
    // CLAIMS line differ from this run, and --check-committed must ignore exactly those.
    const good = byName.get("passes-claims.ipynb");
    expect(good?.failure).toBeNull();
    expect(good?.claims).toEqual({ name: "passes-claims", checked: 2, held: 2, sim_held: 2, sim: 2, real_held: 0, real: 0, skipped: 1 });

    expect(run.stdout).toMatch(/^passes-claims\.ipynb +2 +2 +2\/2 +0\/0 +1 +[\d.]+ +ok$/m);
    expect(run.stdout).toMatch(/^fails-claim\.ipynb +2 +1 +1\/2 +0\/0 +0 +[\d.]+ +FAILED: 1 of 2 claims did not hold$/m);
    expect(run.stdout).toContain(`notebooks: 1 passed, ${notebooks.length - 1} failed`);
    for (const name of notebooks) {
      expect(existsSync(path.join(out, name)), name).toBe(true);
    }
    expect(readFileSync(path.join(out, "passes-claims.html"), "utf8")).toContain("true invalid-argument");
  }, kernelMinutes);

  it("--inplace writes fresh outputs back, after which --check-committed accepts them", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "pagelab-inplace-"));
    const stale = path.join(work, "fails-stale.ipynb");
    copyFileSync(fixture("fails-stale.ipynb"), stale);

    const update = await runNotebooks(["--inplace", stale]);
    expect(update.status, update.stdout + update.stderr).toBe(0);
    const updated = readFileSync(stale, "utf8");
    expect(updated).toContain("fresh output");
    expect(updated).not.toContain("stale output");

    const check = await runNotebooks(["--check-committed", stale]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  }, kernelMinutes);

  it("--inplace leaves a failing notebook as it was", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "pagelab-inplace-"));
    const failing = path.join(work, "fails-stderr.ipynb");
    copyFileSync(fixture("fails-stderr.ipynb"), failing);
    const before = readFileSync(failing, "utf8");

    const run = await runNotebooks(["--inplace", failing]);
    expect(run.status).toBe(1);
    expect(readFileSync(failing, "utf8")).toBe(before);
  }, kernelMinutes);

  it("passes a notebook of one's own that prints no CLAIMS line, named relative to the working directory, and writes its .ipynb, .html and .png", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "pagelab-user-"));
    const caller = path.join(work, "caller");
    mkdirSync(caller);
    const notebook = path.relative(caller, fixture("user/my-notebook.ipynb")); // ../../..
    expect(notebook.startsWith("..")).toBe(true);
    const args = [notebook, "--check-committed", "--out", "out", "--summary-json", "summary.json"];
    const run = await runNotebooks(hasChromium ? [...args, "--screenshots"] : args, { cwd: caller });

    expect(run.status, run.stdout + run.stderr).toBe(0);
    const [result] = JSON.parse(readFileSync(path.join(caller, "summary.json"), "utf8")) as NotebookResult[];
    expect(result).toMatchObject({ notebook: "my-notebook.ipynb", shipped: false, claims: null, failure: null });
    expect(run.stdout).toMatch(/^my-notebook\.ipynb +- +- +- +- +- +[\d.]+ +ok$/m);
    expect(run.stdout).toContain("notebooks: 1 passed, 0 failed");
    // Saved without outputs: --check-committed has nothing to compare, and says so.
    expect(run.stdout).toContain("my-notebook.ipynb: no saved outputs, nothing for --check-committed to compare");

    const out = path.join(caller, "out");
    expect(readFileSync(path.join(out, "my-notebook.ipynb"), "utf8")).toContain("page size: 4096");
    expect(readFileSync(path.join(out, "my-notebook.html"), "utf8")).toContain("page size: 4096");
    if (hasChromium) {
      expect(readFileSync(path.join(out, "my-notebook.png")).subarray(1, 4).toString()).toBe("PNG");
    }
  }, kernelMinutes);

  it("checks the CLAIMS line of a notebook of one's own that prints one, and still requires one of every shipped notebook", async () => {
    const shipped = mkdtempSync(path.join(tmpdir(), "pagelab-shipped-"));
    copyFileSync(fixture("user/my-notebook.ipynb"), path.join(shipped, "my-notebook.ipynb"));
    const summary = path.join(shipped, "summary.json");
    const run = await runNotebooks(["--summary-json", summary, path.join(shipped, "my-notebook.ipynb"), fixture("fails-claim.ipynb")], { shipped });

    expect(run.status, run.stdout + run.stderr).toBe(1);
    const byName = new Map((JSON.parse(readFileSync(summary, "utf8")) as NotebookResult[]).map((result) => [result.notebook, result]));
    expect(byName.get("my-notebook.ipynb")).toMatchObject({ shipped: true, claims: null });
    expect(byName.get("my-notebook.ipynb")?.failure).toMatch(/printed no CLAIMS line/);
    expect(byName.get("fails-claim.ipynb")).toMatchObject({ shipped: false, failure: "1 of 2 claims did not hold" });
    expect(run.stdout).toContain("notebooks: 0 passed, 2 failed");
  }, kernelMinutes);

  it("--help describes every flag, its default, and how to run a notebook of one's own", async () => {
    const run = await runNotebooks(["--help"], { cwd: tmpdir() });
    expect(run.status, run.stderr).toBe(0);
    // Each option as argparse prints it: "  --out DIR   text", continued on lines indented deeper.
    const entries = new Map<string, string>();
    let current: string | null = null;
    for (const line of run.stdout.split("\n")) {
      const entry = /^ {2}(-\S+(?: \S+)*|NOTEBOOK)(?: {2,}(.*))?$/.exec(line);
      if (entry) {
        current = entry[1].split(/[ ,]/).filter((word) => word.startsWith("-") || word === "NOTEBOOK").pop()!;
        entries.set(current, entry[2] ?? "");
      } else if (current && /^ {4,}\S/.test(line)) {
        entries.set(current, `${entries.get(current)} ${line.trim()}`.trim());
      } else {
        current = null;
      }
    }
    const flags = [...readFileSync(runner, "utf8").matchAll(/add_argument\(\s*"(--[a-z-]+)"/g)].map((match) => match[1]);
    expect(flags).toEqual(["--out", "--screenshots", "--inplace", "--check-committed", "--timeout", "--jobs", "--summary-json"]);
    for (const flag of [...flags, "NOTEBOOK"]) {
      expect(entries.get(flag) ?? "", flag).toMatch(/\w+ \w+ \w+.*default/);
    }
    expect(entries.get("--help")).toBeTruthy();
    expect(entries.get("--timeout")).toContain("PAGELAB_CELL_TIMEOUT");
    expect(run.stdout).toContain("npm run notebooks -- my.ipynb --out out --screenshots");
    expect(run.stdout).toMatch(/relative to[\s\S]*repository root/);
    expect(run.stdout).toContain("PAGELAB_NOTEBOOKS_DIR");
  });

  it("rejects a notebook path that does not exist, naming it", async () => {
    const run = await runNotebooks([path.join(fixtures, "no-such-notebook.ipynb")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("no such notebook:");
    expect(run.stderr).toContain("no-such-notebook.ipynb");
  });

  it("refuses two notebooks of the same name with --out, whose files would overwrite each other", async () => {
    const other = mkdtempSync(path.join(tmpdir(), "pagelab-clash-"));
    copyFileSync(fixture("passes-claims.ipynb"), path.join(other, "passes-claims.ipynb"));
    const run = await runNotebooks(["--out", path.join(other, "out"), fixture("passes-claims.ipynb"), path.join(other, "passes-claims.ipynb")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("share a name (passes-claims.ipynb)");
  });
});
