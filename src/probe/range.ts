// Validation of the address ranges the probe's public calls take.
import { InvalidArgumentError, describeValue } from "../errors";
import { MappingRange } from "./maps";

/** The top of a 57-bit (LA57) virtual address space. */
export const MAX_VIRTUAL_ADDRESS = 2 ** 57;

/** Checks that `range` is { start, end } with integer addresses 0 <= start < end <= 2**57; returns it. */
export function checkRange(range: unknown, name: string): MappingRange {
  if (typeof range !== "object" || range === null) {
    throw new InvalidArgumentError(`${name} must be an object { start, end }, got ${describeValue(range)}`);
  }
  const { start, end } = range as Record<string, unknown>;
  for (const [field, value] of [["start", start], ["end", end]] as const) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_VIRTUAL_ADDRESS) {
      throw new InvalidArgumentError(
        `${name}.${field} must be an integer address in [0, 2**57], got ${describeValue(value)}`,
      );
    }
  }
  if ((start as number) >= (end as number)) {
    throw new InvalidArgumentError(`${name}.start (${describeValue(start)}) must be below ${name}.end (${describeValue(end)})`);
  }
  return { start: start as number, end: end as number };
}
