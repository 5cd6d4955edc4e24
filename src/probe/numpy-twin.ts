// The simulated side of compareNumpy: the same statements on the simulated twin of this host
// (machineFromHost), with the numpy rules of the real numpy's version and its huge-page switch,
// each new array placed at the real array's offset within a 2 MiB frame.
import { InvalidArgumentError, StepFailedError } from "../errors";
import { Machine, PageState, type Process, type SmapsEntry } from "../kernel";
import { createAllocator } from "../libc";
import { Numpy, parseVersion, type NDArray } from "../runtime";
import { SteeredHost } from "./numpy-placement";
import type { NumpyOp, NumpyStatement } from "./numpy-statements";
import type { RealNumpyRun } from "./numpy-child";

/** The same figures the real side reports, from the simulated process. */
export interface TwinCounters {
  VmRSS: number;
  VmSize: number;
  RssAnon: number;
  AnonHugePages: number;
  minorFaults: number;
}

/** The named array in the simulated process: pages its bytes span, and its mapping's smaps. */
export interface TwinArray {
  address: number;
  nbytes: number;
  pages: number;
  /** Private pages (4 KiB or inside a huge page): counted in RSS. */
  resident: number;
  /** Pages mapping the zero page or the huge zero page. */
  zeroPage: number;
  /** Pages inside huge (PMD-mapped) pages. */
  huge: number;
  mapping: { start: number; end: number; rssKb: number; anonHugeKb: number } | null;
}

export interface TwinStep {
  before: TwinCounters;
  after: TwinCounters;
  arrayAfter: TwinArray | null;
}

/** Where a new array landed within a 2 MiB frame on each side (bytes from the frame start). */
export interface Placement {
  /** The statement that created the array. */
  step: number;
  /** The array's variable name. */
  name: string;
  /** The real array's offset within its 2 MiB frame, bytes. */
  real: number;
  /** The simulated array's offset within its 2 MiB frame, bytes. */
  sim: number;
  /** True when the simulated array could be placed at the real offset. */
  matched: boolean;
}

/** Which numpy the simulator plays, and why. */
export interface SimulatedNumpy {
  /** The numpy rules the simulator plays: before 2.2 (huge-page hint on the malloc path only) or 2.2 and later. */
  version: "1.24" | "2.2";
  /** NUMPY_MADVISE_HUGEPAGE as the real numpy has it. */
  madviseHugepage: boolean;
  /** Why these rules: the real version seen, or the default without a real side. */
  why: string;
}

export interface TwinRun {
  machine: Machine;
  process: Process;
  numpy: Numpy;
  /** The arrays still bound after the last statement, by name. */
  arrays: Map<string, NDArray>;
  steps: TwinStep[];
  placements: Placement[];
  rules: SimulatedNumpy;
}

/**
 * The simulator's numpy rules for a real numpy version: 1.x plays 1.24, 2.2 and later play 2.2.
 * 2.0 and 2.1 play 1.24: the rule that differs (REFERENCE §2.5, numpy-alloc.ts) is the huge-page
 * hint on np.zeros' calloc path, which arrived in 2.2.
 */
export function simulatedNumpy(realVersion: string | null, madviseHugepage: boolean | null): SimulatedNumpy {
  const madvise = madviseHugepage ?? true;
  if (realVersion === null) return { version: "1.24", madviseHugepage: madvise, why: "no real numpy: the simulator's default, numpy 1.24 rules" };
  const [major, minor] = parseVersion(realVersion);
  if (major > 2 || (major === 2 && minor >= 2)) {
    return { version: "2.2", madviseHugepage: madvise, why: `numpy ${realVersion} plays the 2.2 rules (np.zeros gets the MADV_HUGEPAGE hint too)` };
  }
  if (major === 2) {
    return { version: "1.24", madviseHugepage: madvise, why: `numpy ${realVersion} plays the 1.24 rules: 2.0 and 2.1 still hint huge pages only on the malloc path (np.empty, np.ones); np.zeros got the hint in 2.2` };
  }
  return { version: "1.24", madviseHugepage: madvise, why: `numpy ${realVersion} plays the 1.24 rules (only np.empty/np.ones get the MADV_HUGEPAGE hint)` };
}

function countersOf(proc: Process, smaps: SmapsEntry[]): TwinCounters {
  const s = proc.status();
  return {
    VmRSS: s.VmRSS,
    VmSize: s.VmSize,
    RssAnon: s.RssAnon,
    AnonHugePages: smaps.reduce((sum, e) => sum + e.AnonHugePages, 0),
    minorFaults: proc.counters.minorFaults,
  };
}

function arrayOf(proc: Process, arr: NDArray, smaps: SmapsEntry[]): TwinArray {
  const page = proc.pageSize;
  const first = Math.floor(arr.address / page) * page;
  const length = Math.ceil((arr.address + Math.max(arr.nbytes, 1)) / page) * page - first;
  const s = proc.residencySummary(first, length, 1);
  const count = (state: PageState) => s.counts[state][0];
  const entry = smaps.find((e) => e.start <= arr.address && arr.address < e.end);
  return {
    address: arr.address,
    nbytes: arr.nbytes,
    pages: length / page,
    resident: count(PageState.Resident) + count(PageState.Huge),
    zeroPage: count(PageState.ZeroPage) + count(PageState.HugeZero),
    huge: count(PageState.Huge),
    mapping: entry ? { start: entry.start, end: entry.end, rssKb: entry.Rss, anonHugeKb: entry.AnonHugePages } : null,
  };
}

/** Runs one operation on the simulated numpy; `arrays` holds the names bound so far. */
function apply(np: Numpy, arrays: Map<string, NDArray>, op: NumpyOp, text: string): void {
  if (op.kind === "pass") return;
  if (op.kind === "create") {
    const created = op.fn === "zeros" ? np.zeros(op.length) : op.fn === "empty" ? np.empty(op.length) : np.ones(op.length);
    arrays.get(op.name)?.free(); // Python drops the old array once the name is rebound
    arrays.set(op.name, created);
    return;
  }
  const arr = arrays.get(op.name);
  if (arr === undefined) throw new InvalidArgumentError(`name ${JSON.stringify(op.name)} is not defined`);
  switch (op.kind) {
    case "setItem":
      arr.set(op.index, op.value);
      return;
    case "setSlice":
      arr.slice(op.start, op.stop).fill(op.value);
      return;
    case "getItem":
      arr.get(op.index);
      return;
    case "setEach":
      np.proc.asOneCall(text, {}, () => {
        for (let i = op.start; i < op.stop; i++) arr.set(i, op.value);
      });
      return;
    case "sum":
      arr.sum();
      return;
    case "addInPlace":
      np.add(arr, op.value, { out: arr });
      return;
    case "delete":
      arr.free();
      arrays.delete(op.name);
      return;
  }
}

/**
 * Runs the program on `machine` with the numpy the real run had (or the default). With a real
 * run, each array is steered to the real one's offset within a huge page.
 */
export function runTwin(machine: Machine, program: readonly NumpyStatement[], real: RealNumpyRun | null): TwinRun {
  const rules = simulatedNumpy(real?.numpy ?? null, real?.madviseHugepage ?? null);
  const proc = machine.spawn();
  const huge = machine.hugePageBytes;
  const host = new SteeredHost(proc, huge);
  const libc = createAllocator(host, machine.preset.name);
  const np = new Numpy(proc, machine.memory, libc, machine.preset.os === "linux", { version: rules.version, madviseHugepage: rules.madviseHugepage });
  const arrays = new Map<string, NDArray>();
  const steps: TwinStep[] = [];
  const placements: Placement[] = [];
  for (const { index, text, op } of program) {
    const realArray = real?.steps[index]?.arrayAfter ?? null;
    const steer = op.kind === "create" && realArray !== null && huge > 0;
    if (steer) host.steerNext(Math.floor(realArray.address / proc.pageSize) * proc.pageSize, op.length * 8);
    const before = countersOf(proc, proc.smaps());
    try {
      apply(np, arrays, op, text);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new StepFailedError(`the simulator failed statements[${index}] ${JSON.stringify(text)}: ${why}`, index, text, "simulator");
    } finally {
      host.clear();
    }
    const smaps = proc.smaps();
    const named = op.kind === "pass" ? undefined : arrays.get(op.name);
    steps.push({ before, after: countersOf(proc, smaps), arrayAfter: named ? arrayOf(proc, named, smaps) : null });
    if (steer && named) {
      const realOffset = realArray.address % huge;
      const simOffset = named.address % huge;
      placements.push({ step: index, name: op.name, real: realOffset, sim: simOffset, matched: realOffset === simOffset });
    }
  }
  return { machine, process: proc, numpy: np, arrays, steps, placements, rules };
}
