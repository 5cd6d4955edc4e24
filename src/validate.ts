// Argument checks every layer shares (hardware, kernel, libc, charts, probe): each names the
// function, the argument, the expected type and the value, and runs before anything changes.
import { InvalidArgumentError, describeValue, didYouMean } from "./errors";

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

/**
 * Checks an options argument before anything happens: undefined passes; anything but a plain
 * object, or a key outside `known`, is refused with the nearest known name (a typo such as
 * `{ dtyp: "int8" }` must not fall back to a default silently).
 */
export function checkOptions<T extends object>(where: string, options: T | undefined, known: readonly (keyof T & string)[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidArgumentError(`${where}: options must be an object, got ${describeValue(options)}`);
  }
  // for-in, not Object.keys: no array per call (numpy's loops pass options once per block)
  for (const key in options) {
    if (Object.hasOwn(options, key) && !(known as readonly string[]).includes(key)) {
      const listed = known.length > 0 ? `options are ${known.join(", ")}` : "it takes none";
      throw new InvalidArgumentError(`${where}: unknown option ${JSON.stringify(key)}${didYouMean(key, known)}; ${listed}`);
    }
  }
}

/** Throws InvalidArgumentError unless `value` is a boolean or undefined; returns it. */
export function optionalBoolean(where: string, name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") {
    throw new InvalidArgumentError(`${where}: ${name} must be true or false, got ${describeValue(value)}`);
  }
  return value;
}
