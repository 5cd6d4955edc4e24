// Shared helpers for kernel tests: snapshots of everything a refused call must leave unchanged.

import type { Machine, Process } from "../../src/kernel";

export const KiB = 1024;
export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

/** Returns a JSON-comparable picture of the machine and one process. */
export function snapshot(machine: Machine, proc: Process): unknown {
  return {
    status: proc.alive ? proc.status() : null,
    vmas: proc.vmas(),
    counters: proc.counters,
    meminfo: machine.meminfo(),
    events: machine.events.length,
    brk: proc.alive ? proc.brk() : null,
  };
}
