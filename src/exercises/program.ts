// The small programs exercises are made of: numpy and libc steps, written as the Python a student
// reads, and run on a simulated process. One step, one line, one simulator call.
import { InternalCheckError } from "../errors";
import { type Process, Machine, type PresetName } from "../kernel";
import { type NDArray, type Numpy, libcOf, numpy } from "../runtime";
import type { Allocator } from "../libc";

/** One line of an exercise's program. Arrays and pointers are named; values written are 1. */
export type Step =
  | { readonly op: "zeros" | "ones" | "empty"; readonly name: string; readonly size: number; readonly dtype?: string }
  | { readonly op: "write" | "read"; readonly name: string; readonly index: number }
  | { readonly op: "fill"; readonly name: string; readonly start: number; readonly stop: number }
  | { readonly op: "add" | "sum" | "del"; readonly name: string }
  | { readonly op: "malloc" | "memset"; readonly name: string; readonly size: number }
  | { readonly op: "free"; readonly name: string };

const KiB = 1024;

/** A whole number as Python writes a long literal: 32_768. */
export function py(n: number): string {
  return n >= 10_000 ? n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, "_") : String(n);
}

/** A size in bytes, for comments: "200 KiB", "1.5 MiB", "100 B". */
export function bytesText(bytes: number): string {
  if (bytes >= 2 ** 20) return `${+(bytes / 2 ** 20).toFixed(2)} MiB`;
  if (bytes >= KiB) return `${+(bytes / KiB).toFixed(2)} KiB`;
  return `${bytes} B`;
}

/** The step as a line of Python (libc calls through ctypes' `libc`). */
export function stepLine(step: Step): string {
  switch (step.op) {
    case "zeros": case "ones": case "empty":
      return `${step.name} = np.${step.op}(${py(step.size)}${step.dtype === undefined || step.dtype === "float64" ? "" : `, dtype=np.${step.dtype}`})`;
    case "write": return `${step.name}[${py(step.index)}] = 1`;
    case "read": return `x = ${step.name}[${py(step.index)}]`;
    case "fill": return `${step.name}[${py(step.start)}:${py(step.stop)}] = 1`;
    case "add": return `np.add(${step.name}, 1, out=${step.name})`;
    case "sum": return `s = ${step.name}.sum()`;
    case "del": return `del ${step.name}`;
    case "malloc": return `${step.name} = libc.malloc(${py(step.size)})  # ${bytesText(step.size)}`;
    case "memset": return `libc.memset(${step.name}, 1, ${py(step.size)})`;
    case "free": return `libc.free(${step.name})`;
  }
}

/** A simulated process with numpy (1.24) and its C library, and the names a program binds. */
export class ProgramRun {
  /** The machine the program runs on. */
  readonly machine: Machine;
  /** The program's process. */
  readonly proc: Process;
  /** Its C allocator. */
  readonly libc: Allocator;
  private readonly numpyRuntime: Numpy | null;
  /** The arrays bound so far, by name. */
  readonly arrays = new Map<string, NDArray>();
  /** The pointers malloc returned so far, by name. */
  readonly pointers = new Map<string, number>();

  /** Starts a process on a fresh machine of `preset`: a Python process with numpy imported, or with `numpy: false` a C program. */
  constructor(seed: number, preset: PresetName = "linux-x86_64", options: { numpy?: boolean } = {}) {
    this.machine = new Machine({ preset, seed: seed % 2 ** 31 });
    this.proc = this.machine.spawn();
    this.libc = libcOf(this.proc);
    this.numpyRuntime = options.numpy === false ? null : numpy(this.proc, { version: "1.24" });
  }

  /** The process's numpy. */
  get np(): Numpy {
    if (this.numpyRuntime === null) throw new InternalCheckError("exercise program: a C program has no numpy"); // a generator bug
    return this.numpyRuntime;
  }

  /** The array bound to `name`. */
  array(name: string): NDArray {
    const a = this.arrays.get(name);
    if (a === undefined) throw new InternalCheckError(`exercise program: no array ${name}`); // a bug in a generator, not a user error
    return a;
  }

  private pointer(name: string): number {
    const p = this.pointers.get(name);
    if (p === undefined) throw new InternalCheckError(`exercise program: no pointer ${name}`);
    return p;
  }

  /** Runs one step. */
  run(step: Step): void {
    switch (step.op) {
      case "zeros": case "ones": case "empty":
        this.arrays.set(step.name, this.np[step.op](step.size, step.dtype ?? "float64"));
        return;
      case "write": this.array(step.name).set(step.index, 1); return;
      case "read": this.array(step.name).get(step.index); return;
      case "fill": this.array(step.name).slice(step.start, step.stop).fill(1); return;
      case "add": { const a = this.array(step.name); this.np.add(a, 1, { out: a }); return; }
      case "sum": this.array(step.name).sum(); return;
      case "del": this.array(step.name).free(); this.arrays.delete(step.name); return;
      case "malloc": {
        const p = this.libc.malloc(step.size);
        if (p === null) throw new InternalCheckError(`exercise program: malloc(${step.size}) failed`);
        this.pointers.set(step.name, p);
        return;
      }
      case "memset": this.proc.memset(this.pointer(step.name), 1, step.size); return;
      case "free": this.libc.free(this.pointer(step.name)); this.pointers.delete(step.name); return;
    }
  }

  /** The first address of the mapping an mmapped array lives in (its allocator header's page). */
  mappingStart(name: string): number {
    const a = this.array(name);
    return Math.floor((a.address - 16) / this.proc.pageSize) * this.proc.pageSize;
  }
}

/** What one step did, from the counters: system calls and faults, in words. */
export function whatHappened(run: ProgramRun, before: Counts, after: Counts): string {
  const parts: string[] = [];
  const d = (k: keyof Counts) => after[k] - before[k];
  if (d("mmaps") > 0) parts.push(`mmap ${d("mmaps") > 1 ? `×${d("mmaps")}` : ""}`.trim());
  if (d("munmaps") > 0) parts.push("munmap");
  if (d("brkGrowth") > 0) parts.push(`brk heap grows by ${bytesText(d("brkGrowth"))}`);
  if (d("brkTrim") > 0) parts.push(`brk heap trimmed by ${bytesText(d("brkTrim"))}`);
  const faulted = d("faults") - d("zeroPage") - d("cow");
  if (faulted > 0) parts.push(`${faulted} page${faulted === 1 ? "" : "s"} faulted in (${faulted * run.proc.pageSize / KiB} kB)`);
  if (d("zeroPage") > 0) parts.push(`${d("zeroPage")} read${d("zeroPage") === 1 ? "" : "s"} of the shared zero page (no RSS)`);
  if (d("cow") > 0) parts.push(`${d("cow")} page${d("cow") === 1 ? "" : "s"} copied on write`);
  return parts.length === 0 ? "no system call, no fault" : parts.join("; ");
}

/** The counters whatHappened compares: the allocator's system calls and the process's faults. */
export interface Counts {
  /** mmap and munmap calls of the allocator. */
  mmaps: number; munmaps: number;
  /** Bytes the brk heap grew and shrank by. */
  brkGrowth: number; brkTrim: number;
  /** Faults, of which zero-page maps and copy-on-write copies. */
  faults: number; zeroPage: number; cow: number;
}

/** The counters of the run's process and allocator now. */
export function countsOf(run: ProgramRun): Counts {
  const l = run.libc.counters;
  const k = run.proc.counters;
  return {
    mmaps: l.mmaps, munmaps: l.munmaps, brkGrowth: l.brkGrowthBytes, brkTrim: l.brkTrimBytes,
    faults: k.minorFaults, zeroPage: k.zeroPageMaps, cow: k.cowCopies,
  };
}
