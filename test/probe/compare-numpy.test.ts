// compareNumpy: numpy statements in a real Python child beside the simulated twin, step by step.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidArgumentError, StepFailedError } from "../../src/errors";
import { hostFacts, compareNumpy, parseNumpyProgram, parseNumpyStatement, supported } from "../../src/probe";
import { runNumpyChild, NUMPY_CHILD_SCRIPT } from "../../src/probe/numpy-child";
import { simulatedNumpy } from "../../src/probe/numpy-twin";
import { agreementOf } from "../../src/probe/numpy-agreement";
import type { NumpyComparison } from "../../src/probe";

const linux = supported().ok;
const DEBIAN_PYTHON = "/usr/bin/python3";
const hasPython = fs.existsSync(DEBIAN_PYTHON);
const numpyCheck = hasPython ? spawnSync(DEBIAN_PYTHON, ["-c", "import numpy"], { encoding: "utf8" }) : null;
const whyNoNumpy = !hasPython
  ? `${DEBIAN_PYTHON} is missing (apt-get install python3-numpy)`
  : numpyCheck?.status !== 0
    ? `${DEBIAN_PYTHON} has no numpy (apt-get install python3-numpy): ${numpyCheck?.stderr.trim().split("\n").pop()}`
    : null;

const FOUNDING = [
  "l = np.zeros(2**28)",
  "np.add(l, 0, out=l)",
  "l.sum()",
  "f = np.zeros(2**28)",
  "f[-1] = 3",
  "f[:100] = 3",
  "for i in range(2**17, 2**18): f[i] = 1",
  "del l",
];

/** A temp executable shell script standing in for python. */
function fakePython(dir: string, body: string): string {
  const file = path.join(dir, "python");
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Each row's figures when a row disagrees, so a failure says which step and by how much. */
function disagreements(c: NumpyComparison): string[] {
  return c.rows
    .filter((r) => !(r.agrees?.vmRss && r.agrees.anonHuge && r.agrees.minorFaults))
    .map((r) => `statements[${r.step}] ${r.statement}: real ${JSON.stringify(r.real)} sim ${JSON.stringify(r.sim)} tolerance ${JSON.stringify(r.tolerance)}`);
}

describe("the numpy statement grammar", () => {
  it("parses every accepted form into its operation", () => {
    expect(parseNumpyStatement("l = np.zeros(2**28)")).toEqual({ kind: "create", name: "l", fn: "zeros", length: 2 ** 28 });
    expect(parseNumpyStatement("e = np.empty(2**28 // 8)")).toEqual({ kind: "create", name: "e", fn: "empty", length: 2 ** 25 });
    expect(parseNumpyStatement("o=np.ones(3*1_000)")).toEqual({ kind: "create", name: "o", fn: "ones", length: 3000 });
    expect(parseNumpyStatement("f[-1] = 3")).toEqual({ kind: "setItem", name: "f", index: -1, value: 3 });
    expect(parseNumpyStatement("f[2**27] = -1.5e3")).toEqual({ kind: "setItem", name: "f", index: 2 ** 27, value: -1500 });
    expect(parseNumpyStatement("f[:100] = 3")).toEqual({ kind: "setSlice", name: "f", start: null, stop: 100, value: 3 });
    expect(parseNumpyStatement("f[-5:] = 0.5")).toEqual({ kind: "setSlice", name: "f", start: -5, stop: null, value: 0.5 });
    expect(parseNumpyStatement("f[ 1 : 9 ] = 2")).toEqual({ kind: "setSlice", name: "f", start: 1, stop: 9, value: 2 });
    expect(parseNumpyStatement("f[:] = 7")).toEqual({ kind: "setSlice", name: "f", start: null, stop: null, value: 7 });
    expect(parseNumpyStatement("f[5]")).toEqual({ kind: "getItem", name: "f", index: 5 });
    expect(parseNumpyStatement("for i in range(10, 20): f[i] = 1")).toEqual({ kind: "setEach", name: "f", variable: "i", start: 10, stop: 20, value: 1 });
    expect(parseNumpyStatement("for k in range(2**10): f[k] = 2")).toEqual({ kind: "setEach", name: "f", variable: "k", start: 0, stop: 1024, value: 2 });
    expect(parseNumpyStatement("l.sum()")).toEqual({ kind: "sum", name: "l" });
    expect(parseNumpyStatement("np.add(l, 0, out=l)")).toEqual({ kind: "addInPlace", name: "l", value: 0 });
    expect(parseNumpyStatement("del l")).toEqual({ kind: "delete", name: "l" });
    expect(parseNumpyStatement("  pass  ")).toEqual({ kind: "pass" });
  });

  it("evaluates integers with Python's precedence and floor division", () => {
    expect(parseNumpyStatement("f[-2**2] = 1")).toMatchObject({ index: -4 }); // -(2**2)
    expect(parseNumpyStatement("f[-7//2] = 1")).toMatchObject({ index: -4 }); // floor, not truncation
    expect(parseNumpyStatement("f[2**3**2] = 1")).toMatchObject({ index: 512 }); // right-associative
    expect(parseNumpyStatement("a = np.zeros(2**28 // 8 * 3)")).toMatchObject({ length: 3 * 2 ** 25 });
  });

  it.each([
    ["import os", /not an accepted statement; accepted: NAME = np.zeros\(N\)/],
    ["l = np.zeros(2**28, dtype=int)", /not an accepted statement/],
    ["f[1] = 2**3", /not an accepted statement/],
    ["l = np.zeros(2**20 + 1)", /not an accepted statement/],
    ["for i in range(3): f[j] = 1", /must index with its own variable "i"/],
    ["for f in range(3): f[f] = 1", /loop variable cannot be the array "f"/],
    ["np.add(l, 1, out=m)", /out= must be the array being added to/],
    ["np = np.zeros(3)", /"np" is a reserved name/],
    ["a = np.zeros(9**99)", /exponent must be in 0\.\.64/],
    ["a = np.zeros(2**60)", /beyond 2\*\*53/],
    ["a = np.zeros(2**-1)", /exponent must be in 0\.\.64/],
    ["a = np.zeros(-1)", /negative dimensions are not allowed/],
    ["a = np.zeros(1//0)", /floor division by zero/],
    ["f[01] = 1", /leading zeros/],
    ["f[1] = 01", /leading zeros/],
  ])("refuses %s, naming it", (statement, why) => {
    expect(() => parseNumpyStatement(statement)).toThrow(InvalidArgumentError);
    expect(() => parseNumpyStatement(statement)).toThrow(why);
    expect(() => parseNumpyStatement(statement)).toThrow(JSON.stringify(statement));
  });

  it("refuses unknown names, indices outside the array and loops too long, naming the step", () => {
    expect(() => parseNumpyProgram(["a = np.zeros(8)", "b[0] = 1"])).toThrow(/statements\[1\] "b\[0\] = 1": name "b" is not defined/);
    expect(() => parseNumpyProgram(["a = np.zeros(8)", "del a", "a.sum()"])).toThrow(/statements\[2\] "a.sum\(\)": name "a" is not defined/);
    expect(() => parseNumpyProgram(["a = np.zeros(8)", "a[10**12] = 1"])).toThrow(/statements\[1\] "a\[10\*\*12\] = 1": index 1000000000000 is out of bounds for axis 0 with size 8/);
    expect(() => parseNumpyProgram(["a = np.zeros(8)", "a[-9]"])).toThrow(/statements\[1\].*index -9 is out of bounds/);
    expect(() => parseNumpyProgram(["a = np.zeros(8)", "for i in range(4, 9): a[i] = 1"])).toThrow(/statements\[1\].*index 8 is out of bounds/);
    expect(() => parseNumpyProgram(["a = np.zeros(2**22)", "for i in range(2**21): a[i] = 1"])).toThrow(/statements\[1\].*more than 1048576/);
    expect(() => parseNumpyProgram(["a = np.zeros(8)", "i = np.zeros(8)", "for i in range(3): a[i] = 1"])).toThrow(/statements\[2\].*would replace the array/);
    expect(() => parseNumpyProgram([])).toThrow(/non-empty array/);
    // a name rebound to a smaller array is checked against the new length
    expect(() => parseNumpyProgram(["a = np.zeros(8)", "a = np.zeros(2)", "a[5] = 1"])).toThrow(/statements\[2\].*size 2/);
    expect(parseNumpyProgram(["a = np.zeros(8)", "a[-8] = 1", "for i in range(-8, 0): a[i] = 2", "a[:] = 3", "del a"])).toHaveLength(5);
  });

  it.runIf(hasPython)("is the same grammar on the Python side: it accepts and refuses the same statements", () => {
    const statements = [
      "l = np.zeros(2**28)", "e = np.empty(7)", "o = np.ones(2**28 // 8)", "f[-1] = 3", "f[:100] = 3", "f[5:] = .5", "f[5]",
      "for i in range(2, 9): f[i] = 1", "for i in range(9): f[i] = 1", "l.sum()", "np.add(l, 0, out=l)", "del l", "pass",
      "import os", "f[1] = 2**3", "for i in range(3): f[j] = 1", "np.add(l, 1, out=m)", "np = np.zeros(3)", "a = np.zeros(9**99)",
      "a = np.zeros(2**60)", "f[01] = 1", "f[1] = 01", "f[1] = 01.5", "a = np.zeros(1//0)", "l.sum(); import os", "pass\nimport os",
    ];
    const child = spawnSync(DEBIAN_PYTHON, [NUMPY_CHILD_SCRIPT], { input: JSON.stringify({ statements, validateOnly: true }), encoding: "utf8" });
    expect(child.stderr).toBe("");
    const python = child.stdout.trim().split("\n").map((l) => JSON.parse(l) as { index: number; ok: boolean; kind?: string });
    expect(python).toHaveLength(statements.length);
    statements.forEach((s, k) => {
      let ts: string | false = false;
      try {
        ts = parseNumpyStatement(s).kind;
      } catch {
        ts = false;
      }
      expect({ statement: s, python: python[k].ok ? python[k].kind : false }).toEqual({ statement: s, python: ts });
    });
  });
});

describe("simulatedNumpy: the numpy rules the twin plays", () => {
  it("maps 1.x and 2.0/2.1 to the 1.24 rules and 2.2+ to the 2.2 rules, keeping the huge-page switch", () => {
    expect(simulatedNumpy("1.24.2", true)).toMatchObject({ version: "1.24", madviseHugepage: true });
    expect(simulatedNumpy("1.26.4", false)).toMatchObject({ version: "1.24", madviseHugepage: false });
    expect(simulatedNumpy("2.1.3", true)).toMatchObject({ version: "1.24" });
    expect(simulatedNumpy("2.0.0", true).why).toMatch(/2\.0 and 2\.1 .* np\.zeros got the hint in 2\.2/);
    expect(simulatedNumpy("2.2.0", true)).toMatchObject({ version: "2.2" });
    expect(simulatedNumpy("3.0.1", null)).toMatchObject({ version: "2.2", madviseHugepage: true });
    expect(simulatedNumpy(null, null).version).toBe("1.24");
  });
});

describe("agreementOf", () => {
  const noise = { vmRssKb: 8, minorFaults: 2 };
  it("allows the interpreter's VmRSS noise, exact huge pages, and max(1%, noise) faults", () => {
    const real = { vmRssKb: 12, anonHugeKb: 2048, minorFaults: 1000 };
    expect(agreementOf(real, { vmRssKb: 4, anonHugeKb: 2048, minorFaults: 990 }, noise).agrees).toEqual({ vmRss: true, anonHuge: true, minorFaults: true });
    expect(agreementOf(real, { vmRssKb: 3, anonHugeKb: 0, minorFaults: 989 }, noise)).toEqual({
      agrees: { vmRss: false, anonHuge: false, minorFaults: false },
      tolerance: { vmRssKb: 8, minorFaults: 10 },
    });
    expect(agreementOf({ vmRssKb: 4, anonHugeKb: 0, minorFaults: 3 }, { vmRssKb: 4, anonHugeKb: 0, minorFaults: 1 }, noise).agrees.minorFaults).toBe(true);
    expect(agreementOf({ vmRssKb: 4, anonHugeKb: 0, minorFaults: 4 }, { vmRssKb: 4, anonHugeKb: 0, minorFaults: 1 }, noise).agrees.minorFaults).toBe(false);
  });
});

/** A temp folder per test for fake interpreters; PAGELAB_NUMPY_PYTHON is restored after each test. */
function scratchDirRestoringInterpreter(): { dir: string } {
  const scratch = { dir: "" };
  const saved = process.env.PAGELAB_NUMPY_PYTHON;
  beforeEach(() => {
    scratch.dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-numpy-"));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PAGELAB_NUMPY_PYTHON;
    else process.env.PAGELAB_NUMPY_PYTHON = saved;
    fs.rmSync(scratch.dir, { recursive: true, force: true });
  });
  return scratch;
}

describe("compareNumpy without a real side", () => {
  const scratch = scratchDirRestoringInterpreter();

  it.runIf(linux)("skips the real side when the interpreter is missing, with the install hint", () => {
    process.env.PAGELAB_NUMPY_PYTHON = "/nonexistent";
    const c = compareNumpy(["f = np.zeros(2**22)", "f[-1] = 3"]);
    expect(c.real).toEqual({ skipped: expect.stringMatching(/\/nonexistent cannot be started \(ENOENT\).*apt-get install python3-numpy.*PAGELAB_NUMPY_PYTHON/) });
    expect(c.rows.map((r) => r.real)).toEqual([null, null]);
    expect(c.rows.map((r) => r.agrees)).toEqual([null, null]);
    expect(c.noise).toBeNull();
    expect(c.agreesEverywhere).toBeNull();
    expect(c.rows[1].sim.array?.resident).toBe(2); // the chunk header page and f[-1]'s
    expect(c.text).toContain("simulator only");
    expect(c.note).toContain("real side skipped");
  });

  it.runIf(linux)("skips the real side for a python that exits with ImportError", () => {
    process.env.PAGELAB_NUMPY_PYTHON = fakePython(scratch.dir, `echo 'Traceback (most recent call last):' >&2\necho "ModuleNotFoundError: No module named 'numpy'" >&2\nexit 1`);
    const c = compareNumpy(["a = np.zeros(8)"]);
    expect(c.real).toEqual({ skipped: expect.stringMatching(/has no numpy \(ModuleNotFoundError: No module named 'numpy'\).*apt-get install python3-numpy/) });
  });

  it.runIf(linux && hasPython)("skips the real side for a real python that cannot see numpy (-S drops dist-packages)", () => {
    process.env.PAGELAB_NUMPY_PYTHON = fakePython(scratch.dir, `exec ${DEBIAN_PYTHON} -S "$@"`);
    const c = compareNumpy(["a = np.zeros(8)"]);
    expect(c.real).toEqual({ skipped: expect.stringMatching(/has no numpy \(No module named 'numpy'\)/) });
  });

  it("runs the simulator alone off Linux, at its natural placement", () => {
    const c = compareNumpy(["f = np.zeros(2**28)", "f[-1] = 3", "del f"], { probe: { platform: "darwin" } });
    expect(c.real).toEqual({ skipped: expect.stringContaining('this platform is "darwin"') });
    expect(c.placements).toEqual([]);
    expect(c.rows.map((r) => r.sim.vmRssKb)).toEqual([4, 4, -8]);
    expect(c.rows.map((r) => r.sim.vmSizeKb)).toEqual([2097156, 0, -2097156]);
    expect(c.rows.map((r) => r.sim.minorFaults)).toEqual([1, 1, 0]);
    expect(c.versions.simulated.version).toBe("1.24");
    // Off Linux the twin is a stock machine: the stock column gives the same figures.
    expect(c.rows.map((r) => r.stock.vmRssKb)).toEqual([4, 4, -8]);
    expect(c.hostDiffers).toEqual([]);
    expect(c.text).toMatch(/stock Linux \(simulated\) gives the twin's figures for every statement/);
  });
});

describe("compareNumpy when the real side fails", () => {
  const scratch = scratchDirRestoringInterpreter();

  it.runIf(linux)("kills a hung child after timeoutMs, says where it was, and leaves nothing running", () => {
    const pidFile = path.join(scratch.dir, "pid");
    process.env.PAGELAB_NUMPY_PYTHON = fakePython(scratch.dir, `echo $$ > ${pidFile}\nexec sleep 30`);
    const started = Date.now();
    let error: unknown = null;
    try {
      compareNumpy(["a = np.zeros(8)"], { timeoutMs: 1500 });
    } catch (e) {
      error = e;
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(StepFailedError);
    expect((error as Error).message).toMatch(/was killed after 1\.5 s \(timeoutMs\) before its first statement/);
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  it.runIf(linux)("names the statement a child hung in, after the steps it reported", () => {
    const step = JSON.stringify({ type: "step", index: 0, statement: "a = np.zeros(8)", name: "a" });
    process.env.PAGELAB_NUMPY_PYTHON = fakePython(scratch.dir, `echo '${step}'\nexec sleep 30`);
    expect(() => compareNumpy(["a = np.zeros(8)", "a.sum()"], { timeoutMs: 1000 })).toThrow(
      /killed after 1 s \(timeoutMs\) at statements\[1\] "a\.sum\(\)" \(statements\[0\] was the last to finish\)/,
    );
  });

  it.runIf(linux && whyNoNumpy === null)("reports a statement that raises in the real numpy as a StepFailedError naming it", () => {
    delete process.env.PAGELAB_NUMPY_PYTHON;
    let error: unknown = null;
    try {
      compareNumpy(["a = np.zeros(8)", "b = np.zeros(2**50)"]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StepFailedError);
    expect(error).toMatchObject({ step: 1, statement: "b = np.zeros(2**50)", side: "real" });
    expect((error as Error).message).toMatch(/failed statements\[1\] "b = np\.zeros\(2\*\*50\)": .*MemoryError: Unable to allocate 8\.00 PiB/);
  });

  it.runIf(linux && whyNoNumpy === null)("the child itself reports a[10**12] = 1 as a failed step (exit 3), naming it", () => {
    expect(() => runNumpyChild(["a = np.zeros(8)", "a[10**12] = 1"], { interpreter: DEBIAN_PYTHON })).toThrow(
      /failed statements\[1\] "a\[10\*\*12\] = 1": IndexError: index 1000000000000 is out of bounds for axis 0 with size 8/,
    );
    const child = spawnSync(DEBIAN_PYTHON, [NUMPY_CHILD_SCRIPT], { input: JSON.stringify({ statements: ["a = np.zeros(8)", "a[10**12] = 1"] }), encoding: "utf8" });
    expect(child.status).toBe(3);
    expect(child.stderr).toBe("");
    expect(JSON.parse(child.stdout.trim().split("\n").pop() as string)).toMatchObject({ type: "error", error: "raised", index: 1, statement: "a[10**12] = 1" });
  });

  it.runIf(linux)("refuses a[10**12] = 1 before any child runs when the index is outside the array", () => {
    const marker = path.join(scratch.dir, "ran");
    process.env.PAGELAB_NUMPY_PYTHON = fakePython(scratch.dir, `touch ${marker}`);
    expect(() => compareNumpy(["a = np.zeros(8)", "a[10**12] = 1"])).toThrow(InvalidArgumentError);
    expect(fs.existsSync(marker)).toBe(false);
  });
});

describe("compareNumpy against the real numpy", () => {
  it("agrees with the twin on a 32 MiB np.ones (huge pages where numpy hints them) and np.zeros", (ctx) => {
    if (!linux) ctx.skip("not Linux");
    if (whyNoNumpy !== null) ctx.skip(whyNoNumpy);
    const c = compareNumpy(["z = np.zeros(2**22)", "z[-1] = 3", "g = np.ones(2**22)", "g.sum()", "del g", "z[:] = 1"]);
    expect(disagreements(c)).toEqual([]);
    expect(c.placements.every((p) => p.matched)).toBe(true);
    expect(c.agreesEverywhere).toBe(true);
  });

  it("puts stock Linux beside the twin, and they part exactly where this host's read fault is not the textbook's", (ctx) => {
    if (!linux) ctx.skip("not Linux");
    if (whyNoNumpy !== null) ctx.skip(whyNoNumpy);
    const facts = hostFacts();
    if (!facts.ok || !facts.behaviour.ok) return ctx.skip("host behaviour not measured");
    const c = compareNumpy(["r = np.zeros(2**20)", "r[2**19]", "r[2**19] = 1"]);
    expect(disagreements(c)).toEqual([]);
    expect(c.rows[1].stock.array).toMatchObject({ zeroPage: 1 }); // stock Linux: the read maps the zero page
    const privateReads = facts.behaviour.readFault.result === "private-page";
    expect(c.hostDiffers).toEqual(privateReads ? ["r[2**19]", "r[2**19] = 1"] : []);
  });

  it("agrees with the twin at every step of the founding question's 2 GiB statements", (ctx) => {
    if (!linux) ctx.skip("not Linux");
    if (whyNoNumpy !== null) ctx.skip(whyNoNumpy);
    delete process.env.PAGELAB_NUMPY_PYTHON;
    const c = compareNumpy(FOUNDING, { timeoutMs: 240_000 });
    console.log(c.text);
    if ("skipped" in c.real) throw new Error(`real side skipped: ${c.real.skipped}`);
    expect(c.real.stderr).toBe("");
    expect(c.versions.simulated).toEqual(simulatedNumpy(c.real.numpy, c.real.madviseHugepage));
    expect(c.noise).not.toBeNull();
    expect(c.placements.map((p) => [p.name, p.matched])).toEqual([["l", true], ["f", true]]);
    expect(c.rows.map((r) => r.statement)).toEqual(FOUNDING);
    for (const row of c.rows) {
      expect(row.real).not.toBeNull();
      const diff = `statements[${row.step}] ${row.statement}: real ${JSON.stringify(row.real)} sim ${JSON.stringify(row.sim)} tolerance ${JSON.stringify(row.tolerance)}`;
      expect(Math.abs((row.real?.vmRssKb ?? NaN) - row.sim.vmRssKb), `ΔVmRSS, ${diff}`).toBeLessThanOrEqual(c.noise?.vmRssKb ?? 0);
      expect(row.real?.anonHugeKb, `AnonHugePages, ${diff}`).toBe(row.sim.anonHugeKb);
      expect(Math.abs((row.real?.minorFaults ?? NaN) - row.sim.minorFaults), `minor faults, ${diff}`).toBeLessThanOrEqual(row.tolerance?.minorFaults ?? 0);
      expect(row.agrees).toEqual({ vmRss: true, anonHuge: true, minorFaults: true });
    }
    expect(c.text.split("\n").filter((l) => /^\d+ /.test(l))).toHaveLength(FOUNDING.length);
    const sides = new Set((c.chart.spec.data as { values: { side: string }[] }).values.map((v) => v.side));
    expect([...sides].sort()).toEqual(["real machine", "simulator"]);
  }, 300_000);
});
