// IntegerMap, the open-addressing table behind the per-call lookups of a capture's load and
// replay: random sets, first-time sets and deletes agree with a Map at every step, including keys that collide
// (a small key range, so deletion must shift probe runs back) and 64-bit-sized addresses.
import fc from "fast-check";
import { expect, test } from "vitest";
import { IntegerMap } from "../../src/capture/integer-map";

type Op = { kind: "set" | "setNew" | "delete" | "take"; key: number; value: number };

const key = fc.oneof(
  fc.integer({ min: 0, max: 300 }), // dense: long probe runs, every deletion shifts some back
  fc.integer({ min: 0, max: 4000 }).map((k) => 0x555555560000 + 16 * k), // heap addresses above 2**32
  fc.integer({ min: 0, max: 2 ** 53 - 1 }),
);
const op: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom("set" as const, "setNew" as const, "delete" as const, "take" as const), key, value: fc.integer() });

test("agrees with a Map after every set, setNew, delete and take", () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 100, maxLength: 3000, size: "max" }), (ops) => {
      const table = new IntegerMap<number>();
      const reference = new Map<number, number>();
      for (const { kind, key: k, value } of ops) {
        if (kind === "set") {
          table.set(k, value);
          reference.set(k, value);
        } else if (kind === "setNew") {
          // sets only an absent key, and says whether it did
          const absent = !reference.has(k);
          if (absent) reference.set(k, value);
          if (table.setNew(k, value) !== absent) return false;
        } else if (kind === "take") {
          const expected = reference.get(k);
          reference.delete(k);
          if (table.take(k) !== expected) return false;
        } else if (table.delete(k) !== reference.delete(k)) return false;
        if (table.size !== reference.size || table.get(k) !== reference.get(k)) return false;
      }
      return ops.every(({ key: k }) => table.has(k) === reference.has(k) && table.get(k) === reference.get(k));
    }),
    { seed: 18, numRuns: 60 },
  );
});

test("finds every key after a million inserts and deletes with a thousand held at once", () => {
  const table = new IntegerMap<number>();
  let deleted = 0;
  for (let id = 0; id < 1_000_000; id++) {
    table.set(id, id * 2);
    if (id >= 1000 && table.delete(id - 1000)) deleted++;
  }
  expect(deleted).toBe(999_000);
  expect(table.size).toBe(1000);
  for (let id = 999_000; id < 1_000_000; id++) expect(table.get(id)).toBe(id * 2);
  expect(table.has(998_999)).toBe(false);
});
