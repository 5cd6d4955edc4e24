// brk/sbrk: the heap VMA ("[heap]") starts above the program and grows or shrinks with the break.

import { InvalidArgumentError, OutOfMemoryError, describeValue } from "../errors";
import type { Machine } from "./machine";
import { anonymousVma, unmapRange, userSpaceEnd } from "./mmap";
import type { Process } from "./process";
import { requireInteger, roundUp } from "./validate";

/** Returns the current break, or moves it to `newEnd` (growing or shrinking the heap) and returns it. */
export function doBrk(machine: Machine, proc: Process, newEnd: unknown): number {
  const mm = proc.mm;
  if (newEnd === undefined) return mm.brkEnd;
  const pageBytes = machine.preset.pageSize;
  const end = requireInteger("brk", "newEnd", newEnd, 0, userSpaceEnd(machine));
  if (end < mm.brkStart) {
    throw new InvalidArgumentError(`brk: newEnd ${describeValue(end)} is below the heap start ${describeValue(mm.brkStart)}`);
  }
  const oldTop = roundUp(mm.brkEnd, pageBytes);
  const newTop = roundUp(end, pageBytes);
  if (newTop > oldTop) {
    const blocker = mm.vmas.overlapping(oldTop, newTop)[0];
    if (blocker) {
      throw new OutOfMemoryError(`brk: cannot grow the heap to ${describeValue(end)}: the mapping at ${describeValue(blocker.start)} is in the way`);
    }
    machine.checkCommit("brk", newTop - oldTop); // the heap is private writable: VM_ACCOUNT
    machine.policy.populateAtMap(machine, proc, "brk", oldTop, newTop);
    mm.vmas.insert(anonymousVma(oldTop, newTop, "read-write", "[heap]"));
    mm.vmas.mergeAround(oldTop, newTop);
    mm.vmBytes();
  } else if (newTop < oldTop) {
    unmapRange(machine, proc, newTop, oldTop);
  }
  mm.brkEnd = end;
  return end;
}

/** Moves the break by `increment` bytes and returns the previous break (like C's sbrk). */
export function doSbrk(machine: Machine, proc: Process, increment: unknown): number {
  const old = proc.mm.brkEnd;
  const delta = requireInteger("sbrk", "increment", increment, -(old - proc.mm.brkStart), userSpaceEnd(machine) - old);
  doBrk(machine, proc, old + delta);
  return old;
}
