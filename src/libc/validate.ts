// Argument checks shared by the allocators: a bad argument is the caller's mistake (an
// InvalidArgumentError naming it), checked before anything changes.
import { InvalidArgumentError, describeValue } from "../errors";

/** Checks that `value` is a non-negative integer byte count; returns it. */
export function requireByteCount(fn: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${fn}: ${name} must be a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks a pointer argument; returns null for NULL (null, undefined or 0), else the address. */
export function requirePointer(fn: string, name: string, value: unknown): number | null {
  if (value === null || value === undefined || value === 0) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${fn}: ${name} must be a pointer (a non-negative integer or null), got ${describeValue(value)}`);
  }
  return value;
}
