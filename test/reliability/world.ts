// A small populated machine (mappings, resident and zero pages, a brk heap, malloc blocks, numpy
// arrays) and a snapshot of everything a refused call must leave as it was.

import { Machine, type MachineOptions, type Process } from "../../src/kernel";
import { type Allocator } from "../../src/libc";
import { libcOf, numpy, type NDArray, type Numpy } from "../../src/runtime";

export const KiB = 1024;
export const MiB = 2 ** 20;

export interface World {
  machine: Machine;
  proc: Process;
  libc: Allocator;
  np: Numpy;
  /** A 4 MiB mapping with three written pages and one zero-page read. */
  addr: number;
  /** A live malloc block of 100 bytes. */
  block: number;
  /** float64 arrays: 1-D of 1000, 2-D 20x50 (written). */
  a: NDArray;
  b: NDArray;
}

/** Builds the populated machine every bad-input case starts from. */
export function world(options: MachineOptions = {}): World {
  const machine = new Machine({ thp: "madvise", seed: 7, ...options });
  const proc = machine.spawn();
  const addr = proc.mmap(4 * MiB, { name: "scratch" });
  proc.memset(addr + 8192, 0x5a, 3 * 4096);
  proc.touch(addr + MiB, 1, "read");
  const libc = libcOf(proc);
  const block = libc.malloc(100) as number;
  const spare = libc.malloc(300_000) as number; // an mmapped chunk, freed: raises the threshold
  libc.free(spare);
  const np = numpy(proc);
  const a = np.arange(1000, undefined, 1, "float64");
  const b = np.ones([20, 50]);
  return { machine, proc, libc, np, addr, block, a, b };
}

/**
 * Returns a JSON picture of the machine: meminfo, counters, commit charge, every process's status,
 * smaps, vmas, counters and break, the page state and frame of every mapped page, and the
 * allocator's mallinfo, blocks and work counters. Left out, as audit trails a refused call may
 * extend: the event log and the allocator's tallies of calls made and failed.
 */
export function snapshot(w: World): string {
  const { machine, libc } = w;
  const procs = machine.processes.map((proc) => ({
    pid: proc.pid,
    status: proc.status(),
    smaps: proc.smaps(),
    vmas: proc.vmas(),
    counters: proc.counters,
    brk: proc.brk(),
    pages: proc.vmas().map((vma) => {
      const states = proc.pageStates(vma.start, vma.end - vma.start);
      const frames: (number | null)[] = [];
      for (let i = 0; i < states.length; i++) frames.push(proc.frameOf(vma.start + i * proc.pageSize));
      return { start: vma.start, states: Array.from(states), frames };
    }),
  }));
  return JSON.stringify({
    meminfo: machine.meminfo(),
    counters: machine.counters,
    committed: machine.committedBytes(),
    freeFrames: machine.memory.freeFrames,
    procs,
    mallinfo: libc.mallinfo(),
    blocks: libc.blocks(),
    allocatorCounters: stateCounters(libc),
  });
}

/** The allocator's counters without its per-call tallies (a NULL return still counts a call). */
function stateCounters(libc: Allocator): Record<string, number> {
  const { malloc: _m, calloc: _c, realloc: _r, free: _f, failures: _x, ...rest } = libc.counters as unknown as Record<string, number>;
  return rest;
}
