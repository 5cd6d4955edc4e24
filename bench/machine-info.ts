// Which machine a run was made on: the CPU model as lscpu names it, cores, RAM, the kernel's THP
// setting and the load when the run started (other work on a 2-core machine skews timings).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";

/** Which machine and which code a run measured. */
export interface MachineInfo {
  /** When the run started (ISO 8601, UTC). */
  date: string;
  /** The git commit measured, with "+dirty" when the working tree had uncommitted changes
   *  ("unknown" outside a git checkout). */
  commit: string;
  /** The CPU model as lscpu names it. */
  cpu: string;
  /** Logical CPUs. */
  cores: number;
  /** RAM in GiB. */
  ramGiB: number;
  /** Kernel name and release. */
  os: string;
  /** Node version. */
  node: string;
  /** Transparent huge page mode ("madvise", ...). */
  thp: string;
  /** 1, 5 and 15-minute load averages at the start. */
  loadAverage: number[];
}

/** Returns lscpu's "Model name", or os.cpus()'s when lscpu is missing. */
function cpuModel(): string {
  try {
    const text = execFileSync("lscpu", { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
    const match = text.match(/^Model name:\s*(.+)$/m);
    if (match) return match[1].trim();
  } catch {
    // no lscpu (macOS, minimal images): fall through
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/** Returns the selected THP mode ("madvise" from "always [madvise] never"), or "n/a". */
function thpMode(): string {
  try {
    const text = fs.readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8");
    return text.match(/\[(\w+)\]/)?.[1] ?? "n/a";
  } catch {
    return "n/a";
  }
}

/** Returns HEAD's commit, marked "+dirty" when tracked files differ from it (read-only git calls). */
function gitCommit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const changed = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return changed.trim() === "" ? head : `${head}+dirty`;
  } catch {
    return "unknown";
  }
}

/** Describes this machine and the moment the run started. */
export function machineInfo(): MachineInfo {
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    commit: gitCommit(),
    cpu: cpuModel(),
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    thp: thpMode(),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** One line naming the machine, for the table's heading. */
export function describeMachine(info: MachineInfo): string {
  return `${info.date}, commit ${info.commit.slice(0, 12)}${info.commit.endsWith("+dirty") ? "+dirty" : ""}, on ${info.cpu}, ${info.cores} cores, ${info.ramGiB} GiB RAM, ${info.os}, Node ${info.node}, THP ${info.thp}, load average ${info.loadAverage.join(" ")} at start`;
}
