// Checks of the recorded facts and evidence the probe's pure functions take (machineOptionsFor,
// findingsOf, behaviourFromEvidence, checkTwin): a record from elsewhere is checked field by field
// before it is read, so a wrong one is an InvalidArgumentError naming the field, not a TypeError.
import { InvalidArgumentError, describeValue } from "../errors";

/** A field's expected type; a trailing "?" also admits null. */
type FieldType = "number" | "number?" | "string" | "string?" | "boolean" | "boolean?" | "object" | "object?" | "array";

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

/** The fields of a calibration region (RegionEvidence) that behaviourFromEvidence and checkTwin read. */
export const REGION_FIELDS: Readonly<Record<string, FieldType>> = {
  region: "string",
  pagesExamined: "number",
  pagesPresent: "number",
  pagesExclusive: "number",
  firstPfn: "number?",
  kpageflags: "object?",
  smapsRssKb: "number?",
  smapsAnonHugePagesKb: "number?",
};

/** Checks every element of `regions` (already known to be an array) against REGION_FIELDS. */
export function requireRegions(where: string, name: string, regions: readonly unknown[]): void {
  regions.forEach((r, i) => requireRecord(where, `${name}[${i}]`, r, REGION_FIELDS));
}

/**
 * Checks HostFacts.behaviour: `{ ok: false, reason }`, or the measured findings machineOptionsFor
 * and findingsOf read (each a result with the bytes it allocated).
 */
export function requireBehaviour(where: string, behaviour: unknown): void {
  const b = requireRecord<Record<string, unknown>>(where, "facts.behaviour", behaviour, { ok: "boolean" });
  if (b.ok !== true) return;
  const findings: [string, FieldType][] = [["readFault", "string"], ["hugeRangeRead", "string"], ["writeFault", "number"], ["hugeZeroWrite", "string"]];
  for (const [finding, result] of findings) requireRecord(where, `facts.behaviour.${finding}`, b[finding], { result, bytesAllocated: "number" });
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
