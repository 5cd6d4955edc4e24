// The simulator's internals the benchmarks reach into: a machine's physical memory and a
// process's address space. They are not part of the public API (the .d.ts files leave out what
// the kernel marks @internal), so bench reads them here, typed from their own modules in dist.
import type { Machine, Process } from "../dist/index";
import type { PhysicalMemory } from "../dist/hardware/physical-memory";
import type { Mm } from "../dist/kernel/mm";

/** The machine's physical memory (its frames and the host bytes they hold). */
export function memoryOf(machine: Machine): PhysicalMemory {
  return (machine as unknown as { memory: PhysicalMemory }).memory;
}

/** The process's address space (its VMAs and page table). */
export function mmOf(proc: Process): Mm {
  return (proc as unknown as { mm: Mm }).mm;
}
