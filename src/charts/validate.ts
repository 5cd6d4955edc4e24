// Argument checks shared by the chart builders: each names the function, the argument and the
// value, and throws InvalidArgumentError before anything is built.
import { InvalidArgumentError, describeValue } from "../errors";
import { ADDRESS_LIMIT } from "../hardware/mmu-args";
import { checkOptions, requireInteger } from "../validate";
import type { ChartOptions } from "./types";

export { requireInteger, optionalBoolean } from "../validate";

/**
 * Checks a chart factory's options before anything is drawn: an object of known keys (a typo
 * such as `{ titel }` must not fall back to the default silently) with a string title.
 */
export function checkChartOptions<T extends ChartOptions>(where: string, options: T | undefined, known: readonly (keyof T & string)[]): void {
  checkOptions(where, options, known);
  const title: unknown = options?.title;
  if (title !== undefined && typeof title !== "string") {
    throw new InvalidArgumentError(`${where}: options.title must be a string, got ${describeValue(title)}`);
  }
}

/** Checks a finite number >= 0; returns it. */
export function requireNonNegative(where: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${where}: ${name} must be a finite number >= 0, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks an address: an integer in [0, 2**57); returns it. */
export function requireAddress(where: string, name: string, value: unknown): number {
  // 2**57 - 1 is not a double, so the bound is checked as "< 2**57", not "<= 2**57 - 1".
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= ADDRESS_LIMIT) {
    throw new InvalidArgumentError(`${where}: ${name} must be an integer in [0, 2**57), got ${describeValue(value)}`);
  }
  return value;
}

/** Checks an address range [addr, addr + length) with length > 0 below ADDRESS_LIMIT. */
export function requireRange(where: string, addr: unknown, length: unknown): void {
  requireAddress(where, "addr", addr);
  requireInteger(where, "length", length, 1, ADDRESS_LIMIT, "[1, 2**57]");
  if ((addr as number) + (length as number) > ADDRESS_LIMIT) {
    throw new InvalidArgumentError(
      `${where}: addr + length must be <= 2**57, got addr ${describeValue(addr)} + length ${describeValue(length)}`,
    );
  }
}

/**
 * The end of a simulated process's user address space (2**(vaBits - 1), where the kernel's calls
 * stop), or null for a source that does not say (a real snapshot, a stand-in).
 */
export function userSpaceEndOf(source: object): number | null {
  const vaBits = (source as { machine?: { preset?: { vaBits?: unknown } } }).machine?.preset?.vaBits;
  return typeof vaBits === "number" && Number.isInteger(vaBits) && vaBits > 1 ? 2 ** (vaBits - 1) : null;
}

/** Checks a page size: a power of two from 1 KiB to 1 GiB; returns it. */
export function requirePageSize(where: string, value: unknown): number {
  const size = requireInteger(where, "pageSize", value, 1024, 2 ** 30);
  if (!Number.isInteger(Math.log2(size))) {
    throw new InvalidArgumentError(`${where}: pageSize must be a power of two, got ${describeValue(value)}`);
  }
  return size;
}

/** Checks a non-empty array; returns it. */
export function requireNonEmptyArray<T>(where: string, name: string, value: unknown): readonly T[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidArgumentError(`${where}: ${name} must be a non-empty array, got ${describeValue(value)}`);
  }
  return value as readonly T[];
}

/** Checks a non-empty string; returns it. */
export function requireLabel(where: string, name: string, value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new InvalidArgumentError(`${where}: ${name} must be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}
