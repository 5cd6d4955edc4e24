// Checks of the recorded facts and evidence the probe's pure functions take (machineOptionsFor,
// findingsOf, behaviourFromEvidence, checkTwin): a record from elsewhere is checked field by field
// before it is read, so a wrong one is an InvalidArgumentError naming the field, not a TypeError.
import { InvalidArgumentError, describeValue } from "../errors";

/** A field's expected type; a trailing "?" also admits null. */
type FieldType = "number" | "number?" | "string" | "string?" | "boolean?" | "object" | "array";

/** Checks that `value` is an object whose `fields` have the given types; returns it as T. */
export function requireRecord<T>(where: string, name: string, value: unknown, fields: Readonly<Record<string, FieldType>>): T {
  if (typeof value !== "object" || value === null) {
    throw new InvalidArgumentError(`${where}: ${name} must be an object, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const [field, type] of Object.entries(fields)) {
    const v = record[field];
    const base = type.replace("?", "");
    if (type.endsWith("?") && v === null) continue;
    const ok = base === "array" ? Array.isArray(v) : base === "object" ? typeof v === "object" && v !== null : typeof v === base;
    if (!ok) {
      const expected = `${base === "array" || base === "object" ? `an ${base}` : `a ${base}`}${type.endsWith("?") ? " or null" : ""}`;
      throw new InvalidArgumentError(`${where}: ${name}.${field} must be ${expected}, got ${describeValue(v)}`);
    }
  }
  return value as T;
}

/** The fields of HostFacts that machineOptionsFor and findingsOf read. */
export const HOST_FACTS_FIELDS: Readonly<Record<string, FieldType>> = {
  pageSize: "number",
  ramBytes: "number?",
  swapBytes: "number?",
  thp: "string?",
  useZeroPage: "boolean?",
  thpSizes: "object",
  overcommit: "number?",
  overcommitRatio: "number?",
  behaviour: "object",
  nearestCpuPreset: "string",
};
