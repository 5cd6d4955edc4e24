// Validation of the address ranges the probe's public calls take.
import { InvalidArgumentError, describeValue } from "../errors";
import { ADDRESS_LIMIT } from "../hardware/mmu-args";
import { MappingRange } from "./maps";

/**
 * Checks that `range` is { start, end } with integer addresses 0 <= start < end <= 2**57 (end is
 * exclusive, so the bound is the hardware's: every address of the range is below ADDRESS_LIMIT);
 * returns it.
 */
export function checkRange(range: unknown, name: string): MappingRange {
  if (typeof range !== "object" || range === null) {
    throw new InvalidArgumentError(`${name} must be an object { start, end }, got ${describeValue(range)}`);
  }
  const { start, end } = range as Record<string, unknown>;
  if (typeof start !== "number" || !Number.isInteger(start) || start < 0 || start >= ADDRESS_LIMIT) {
    throw new InvalidArgumentError(`${name}.start must be an integer address in [0, 2**57), got ${describeValue(start)}`);
  }
  if (typeof end !== "number" || !Number.isInteger(end) || end <= start || end > ADDRESS_LIMIT) {
    throw new InvalidArgumentError(
      `${name}.end must be an integer address above ${name}.start (${describeValue(start)}) and at most 2**57, got ${describeValue(end)}`,
    );
  }
  return { start, end };
}
