// Argument checks for the system-call API: each names the call, the argument and the value, and
// runs before any state changes so a refused call leaves the machine as it was.

import { InvalidArgumentError, describeValue } from "../errors";
import type { Process } from "./process";

export { checkOptions, requireInteger } from "../validate";

/** Throws unless `value` is a process from machine.spawn() (tested by shape: process.ts imports
 *  the modules that call this); returns it. */
export function requireProcess(call: string, value: unknown): Process {
  const p = value as Partial<Process> | null;
  if (p === null || typeof p !== "object" || typeof p.requireAlive !== "function" || typeof p.machine !== "object") {
    throw new InvalidArgumentError(`${call}: proc must be a process from machine.spawn(), got ${describeValue(value)}`);
  }
  return value as Process;
}

/** Throws unless `value` is a multiple of `alignment`. */
export function requireAligned(call: string, name: string, value: number, alignment: number): void {
  if (value % alignment !== 0) {
    throw new InvalidArgumentError(`${call}: ${name} must be a multiple of the page size ${alignment}, got ${describeValue(value)}`);
  }
}

/** Throws unless `value` is one of `allowed`; returns it. */
export function requireOneOf<T extends string>(call: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`${call}: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** Rounds `value` up to a multiple of `size`. */
export function roundUp(value: number, size: number): number {
  return Math.ceil(value / size) * size;
}

