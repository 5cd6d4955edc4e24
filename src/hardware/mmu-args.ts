// Argument checks shared by the MMUs. The common case is one combined test so the hot path
// stays cheap; only a failing call pays for finding and naming the bad argument.
import { InvalidArgumentError, describeValue } from "../errors";
import type { PageTableWalker } from "./translation";

/** Virtual addresses are below 2**57 (5-level paging's 57-bit address space). */
export const ADDRESS_LIMIT = 2 ** 57;
/** Address-space ids are stored in Int32Array entries. */
export const ASID_LIMIT = 2 ** 31;

function isIndex(value: unknown, limit: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < limit;
}

function fail(argument: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`${argument} must be ${expected}; got ${describeValue(value)}`);
}

/** Throws InvalidArgumentError unless `asid` is an integer in [0, 2**31). */
export function checkAsid(asid: unknown): void {
  if (!isIndex(asid, ASID_LIMIT)) fail("asid", "an integer from 0 to 2**31 - 1", asid);
}

/** Throws InvalidArgumentError naming the first bad argument of a translate call. */
export function checkTranslateArgs(
  asid: number,
  pageTable: PageTableWalker,
  vaddr: number,
  kind: string,
  repeats: number,
  onFault: unknown,
): void {
  if (
    isIndex(asid, ASID_LIMIT) && isIndex(vaddr, ADDRESS_LIMIT) && Number.isInteger(repeats) && repeats >= 1 &&
    (kind === "read" || kind === "write") && typeof onFault === "function" &&
    typeof pageTable === "object" && pageTable !== null && typeof pageTable.walk === "function"
  ) return;
  checkAsid(asid);
  if (typeof pageTable !== "object" || pageTable === null || typeof pageTable.walk !== "function") {
    fail("pageTable", "a PageTableWalker (an object with walk(vaddr))", pageTable);
  }
  if (!isIndex(vaddr, ADDRESS_LIMIT)) fail("vaddr", "an integer address in [0, 2**57)", vaddr);
  if (kind !== "read" && kind !== "write") fail("kind", '"read" or "write"', kind);
  if (typeof repeats !== "number" || !Number.isInteger(repeats) || repeats < 1) fail("repeats", "an integer >= 1", repeats);
  fail("onFault", "a function (vaddr, kind) => void", onFault);
}

/** Throws InvalidArgumentError unless [start, start + length) is a valid address range. */
export function checkRange(asid: number, start: number, length: number): void {
  checkAsid(asid);
  if (!isIndex(start, ADDRESS_LIMIT)) fail("start", "an integer address in [0, 2**57)", start);
  if (!isIndex(length, ADDRESS_LIMIT + 1) || start + length > ADDRESS_LIMIT) {
    fail("length", `an integer >= 0 with start + length <= 2**57 (start = ${start})`, length);
  }
}
