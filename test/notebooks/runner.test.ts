// The notebook runner (scripts/run-notebooks.py) must catch every way a tslab notebook can
// fail: these tests execute the fixture notebooks through the real Jupyter client.
// Needs `npm run setup` (Jupyter's nbclient, the tslab kernel in .jupyter-prefix, dist/).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const fixtures = path.join(root, "test/notebooks/fixtures");
const runner = path.join(root, "scripts/run-notebooks.py");
const python = process.env.PAGELAB_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
const kernelMinutes = 4 * 60_000;

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
  claims: Claims | null;
  failure: string | null;
}

// Runs the runner with the given arguments; fixture claims report no real-machine checks.
function runNotebooks(args: string[]) {
  const run = spawnSync(python, [runner, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PAGELAB_FIXTURE_REAL: "0" },
  });
  if (run.error) throw run.error;
  return run;
}

function fixture(name: string): string {
  return path.join(fixtures, name);
}

describe("run-notebooks.py", () => {
  it("fails every deliberately failing fixture for its own reason and passes the good one", () => {
    const out = mkdtempSync(path.join(tmpdir(), "pagelab-runner-"));
    const summary = path.join(out, "summary.json");
    const notebooks = readdirSync(fixtures).filter((name) => name.endsWith(".ipynb")).sort();
    const run = runNotebooks(["--check-committed", "--jobs", "4", "--out", out, "--summary-json", summary, ...notebooks.map(fixture)]);

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

  it("--inplace writes fresh outputs back, after which --check-committed accepts them", () => {
    const work = mkdtempSync(path.join(tmpdir(), "pagelab-inplace-"));
    const stale = path.join(work, "fails-stale.ipynb");
    copyFileSync(fixture("fails-stale.ipynb"), stale);

    const update = runNotebooks(["--inplace", stale]);
    expect(update.status, update.stdout + update.stderr).toBe(0);
    const updated = readFileSync(stale, "utf8");
    expect(updated).toContain("fresh output");
    expect(updated).not.toContain("stale output");

    const check = runNotebooks(["--check-committed", stale]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  }, kernelMinutes);

  it("--inplace leaves a failing notebook as it was", () => {
    const work = mkdtempSync(path.join(tmpdir(), "pagelab-inplace-"));
    const failing = path.join(work, "fails-stderr.ipynb");
    copyFileSync(fixture("fails-stderr.ipynb"), failing);
    const before = readFileSync(failing, "utf8");

    const run = runNotebooks(["--inplace", failing]);
    expect(run.status).toBe(1);
    expect(readFileSync(failing, "utf8")).toBe(before);
  }, kernelMinutes);

  it("rejects a notebook path that does not exist, naming it", () => {
    const run = runNotebooks([path.join(fixtures, "no-such-notebook.ipynb")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("no such notebook:");
    expect(run.stderr).toContain("no-such-notebook.ipynb");
  });
});
