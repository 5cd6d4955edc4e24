// The founding scenario's reference on real numpy: a child Python (the interpreter src/probe uses:
// PAGELAB_NUMPY_PYTHON, else Debian's /usr/bin/python3) runs np.zeros, np.add(out=), sum and
// del, timing each statement itself, so the interpreter's start and numpy's import are not timed.
import { spawnSync } from "child_process";
// The interpreter choice is the probe's (not in the public API): bench reaches into dist.
import { numpyInterpreter } from "../../dist/probe/numpy-child";

/** Milliseconds of each step of the founding scenario. */
export interface FoundingSteps {
  /** np.zeros (or new Float64Array). */
  zeros: number;
  /** np.add(l, 0, out=l) (or the add loop). */
  add: number;
  /** l.sum() (or the sum loop). */
  sum: number;
  /** del l (or dropping the reference). */
  free: number;
}

/** One child's outcome: its step times and what l.sum() returned, or why numpy could not run. */
export type NumpyRun = { ok: true; steps: FoundingSteps; total: number; version: string } | { ok: false; missing: string };

// perf_counter around each statement; the sum is printed so the run can be checked.
const SCRIPT = `
import json, sys, time
import numpy as np
n = int(sys.argv[1])
t0 = time.perf_counter(); l = np.zeros(n)
t1 = time.perf_counter(); np.add(l, 0, out=l)
t2 = time.perf_counter(); s = float(l.sum())
t3 = time.perf_counter(); del l
t4 = time.perf_counter()
ms = lambda a, b: (b - a) * 1e3
print(json.dumps({"zeros": ms(t0, t1), "add": ms(t1, t2), "sum": ms(t2, t3), "free": ms(t3, t4), "total": s, "version": np.__version__}))
`;

/** Runs the founding steps on `elements` float64 in a child Python; never throws for a missing
 *  interpreter or numpy (the result says what was missing). */
export function numpyRun(elements: number, timeoutMs = 120_000): NumpyRun {
  const python = numpyInterpreter();
  const child = spawnSync(python, ["-c", SCRIPT, String(elements)], { encoding: "utf8", timeout: timeoutMs });
  if (child.error) return { ok: false, missing: `${python}: ${child.error.message}` };
  if (child.status !== 0) {
    const last = child.stderr.trim().split("\n").pop() ?? "";
    return { ok: false, missing: `${python} exited with ${child.status ?? child.signal}: ${last}` };
  }
  const out = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as FoundingSteps & { total: number; version: string };
  return { ok: true, steps: { zeros: out.zeros, add: out.add, sum: out.sum, free: out.free }, total: out.total, version: out.version };
}
