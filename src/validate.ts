// Argument checks every layer shares (hardware, kernel, libc, charts, probe): each names the
// function, the argument, the expected type and the value, and runs before anything changes.
import { InvalidArgumentError, describeValue } from "./errors";

/**
 * Throws InvalidArgumentError unless `value` is an integer in [min, max]; returns it. `range`
 * replaces the bounds' text in the message (e.g. "[1, 2**57]" where max is not a readable number).
 */
export function requireInteger(
  where: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  range?: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    // the bounds' text is built only here: this check runs on every simulated access
    const bounds = range ?? `[${describeValue(min)}, ${describeValue(max)}]`;
    throw new InvalidArgumentError(`${where}: ${name} must be an integer in ${bounds}, got ${describeValue(value)}`);
  }
  return value;
}
