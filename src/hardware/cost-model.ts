// What translation and faults cost, in CPU cycles. Each CPU preset gives every figure with its
// source (or marks it ASSUMPTION); the counters stay exact and cycles are derived from them, so
// changing a figure never changes a count.
import { InvalidArgumentError, describeValue } from "../errors";

/** Cycles per event. */
export interface CostModel {
  /** An access translated by an L1 TLB. */
  readonly l1Hit: number;
  /** An access that missed L1 and was translated by the second-level TLB. */
  readonly l2Hit: number;
  /** A page walk before its first reference: the TLB lookups that missed. */
  readonly walkStart: number;
  /** One page-table entry read from memory (the cache hierarchy) during a walk. */
  readonly walkRef: number;
  /** One paging-structure (walk) cache hit, which replaces the references above it. */
  readonly walkCacheHit: number;
  /** A read fault that maps the shared zero page (or the huge zero page). */
  readonly zeroPageMap: number;
  /** A fault that allocates and clears one base page. */
  readonly minorFault: number;
  /** A fault that allocates and clears one huge page (THP). */
  readonly hugeFault: number;
  /** A write fault that copies a shared page (COW). */
  readonly cowCopy: number;
}

/** The name of one cost figure of a CostModel ("l1Hit", "walkRef", ...). */
export type CostName = keyof CostModel;

/** Every cost figure's name, in the order tables list them. */
export const COST_NAMES: readonly CostName[] = [
  "l1Hit", "l2Hit", "walkStart", "walkRef", "walkCacheHit",
  "zeroPageMap", "minorFault", "hugeFault", "cowCopy",
];

/** The kinds of page fault a phase is charged for: a zero-page (or huge zero page) map, a
 *  fresh base page, a fresh huge page, a copy-on-write copy. */
export type FaultKind = "zeroPage" | "minor" | "huge" | "cow";

/** Every kind of page fault the kernel charges a cost for. */
export const FAULT_KINDS: readonly FaultKind[] = ["zeroPage", "minor", "huge", "cow"];

/** The cost figure charged for each fault kind. */
export const FAULT_COST: Readonly<Record<FaultKind, "zeroPageMap" | "minorFault" | "hugeFault" | "cowCopy">> = Object.freeze({
  zeroPage: "zeroPageMap",
  minor: "minorFault",
  huge: "hugeFault",
  cow: "cowCopy",
});

/** Validates a full cost model (every figure a finite number >= 0) and returns a frozen copy. */
export function checkCostModel(costs: CostModel, argument: string): CostModel {
  if (typeof costs !== "object" || costs === null) {
    throw new InvalidArgumentError(`${argument} must be an object of cycle figures; got ${describeValue(costs)}`);
  }
  const out: Record<string, number> = {};
  for (const name of COST_NAMES) {
    const value = costs[name];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`${argument}.${name} must be a finite number of cycles >= 0; got ${describeValue(value)}`);
    }
    out[name] = value;
  }
  for (const name of Object.keys(costs)) {
    if (!COST_NAMES.includes(name as CostName)) {
      throw new InvalidArgumentError(`${argument} has an unknown figure ${describeValue(name)}; known: ${COST_NAMES.join(", ")}`);
    }
  }
  return Object.freeze(out as unknown as CostModel);
}
