import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SetAssociativeArray } from "../../src/hardware/tlb-sets";
import { pageNumber } from "../../src/hardware/page-numbers";

describe("SetAssociativeArray", () => {
  it("LRU evicts the least recently used way of the set", () => {
    const a = new SetAssociativeArray(1, 4, false);
    for (const tag of [1, 2, 3, 4]) a.insert(tag, 0, 12);
    a.touch(a.find(1, 0, 12)); // 2 is now the oldest
    a.insert(5, 0, 12);
    expect(a.find(2, 0, 12)).toBe(-1);
    for (const tag of [1, 3, 4, 5]) expect(a.find(tag, 0, 12)).toBeGreaterThanOrEqual(0);
  });

  it("tree pseudo-LRU follows the direction bits, unlike true LRU", () => {
    // 4 ways: fill 0..3 (tags 10..13), touch way 0, then insert: the tree points away from the
    // last-touched half at each node, so the victim is way 2 (true LRU would pick way 1).
    const p = new SetAssociativeArray(1, 4, true);
    for (const tag of [10, 11, 12, 13]) p.insert(tag, 0, 12);
    p.touch(p.find(10, 0, 12));
    p.insert(14, 0, 12);
    expect(p.find(12, 0, 12)).toBe(-1);
    const l = new SetAssociativeArray(1, 4, false);
    for (const tag of [10, 11, 12, 13]) l.insert(tag, 0, 12);
    l.touch(l.find(10, 0, 12));
    l.insert(14, 0, 12);
    expect(l.find(11, 0, 12)).toBe(-1);
  });

  it("tags are spread over non-power-of-two set counts by modulo, and empty ways fill first", () => {
    const a = new SetAssociativeArray(3, 2, false);
    for (let tag = 0; tag < 6; tag++) a.insert(tag, 7, 12);
    expect(a.occupancy()).toBe(6);
    for (let tag = 0; tag < 6; tag++) expect(a.find(tag, 7, 12)).toBeGreaterThanOrEqual(0);
    a.invalidate(a.find(4, 7, 12));
    a.insert(10, 7, 12); // set 1: fills the emptied way, evicting nothing
    expect(a.find(1, 7, 12)).toBeGreaterThanOrEqual(0);
    expect(a.find(10, 7, 12)).toBeGreaterThanOrEqual(0);
  });

  it("tags above 2**32 are neither truncated nor aliased", () => {
    const a = new SetAssociativeArray(16, 4, false);
    a.insert(2 ** 45 + 3, 1, 12);
    expect(a.find(3, 1, 12)).toBe(-1);
    expect(a.find(2 ** 45 + 3, 1, 12)).toBeGreaterThanOrEqual(0);
  });

  it("invalidateTags works by probing (few tags) and by scanning (many), per asid and kind", () => {
    for (const [first, last] of [[4, 6], [0, 1000]]) {
      const a = new SetAssociativeArray(8, 2, false);
      for (let tag = 0; tag < 8; tag++) {
        a.insert(tag, 1, 12);
        a.insert(tag, 2, 12);
      }
      a.invalidateTags(1, 12, first, last);
      for (let tag = 0; tag < 8; tag++) {
        expect(a.find(tag, 1, 12) >= 0).toBe(tag < first || tag > last);
        expect(a.find(tag, 2, 12)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it("finds a tag at any page size and set count, and no neighbouring tag, asid or kind", () => {
    // Addresses up to 2**57 and page shifts from 12 to 39: tags cross 2**32.
    const address = fc.oneof(fc.nat({ max: 2 ** 57 - 1 }), fc.integer({ min: 2 ** 44 - 4096, max: 2 ** 44 + 4096 }));
    fc.assert(
      fc.property(address, fc.constantFrom(12, 21, 30, 39), fc.constantFrom(1, 3, 16, 24, 128), (vaddr, shift, sets) => {
        const tag = pageNumber(vaddr, shift);
        const a = new SetAssociativeArray(sets, 2, false);
        const slot = a.insert(tag, 5, shift);
        expect(a.find(tag, 5, shift)).toBe(slot);
        expect(Math.floor(slot / 2)).toBe(tag % sets); // the tag's set
        expect(a.kindAt(slot)).toBe(shift);
        expect(a.find(tag + 1, 5, shift)).toBe(-1);
        expect(a.find(tag, 6, shift)).toBe(-1);
        expect(a.find(tag, 5, shift + 1)).toBe(-1);
        expect(a.count(shift)).toBe(1);
      }),
      { seed: 16, numRuns: 300 },
    );
  });

  it("refills the most recently emptied way first, then those emptied before it, then the initial empties", () => {
    const a = new SetAssociativeArray(1, 4, false);
    const slots = [1, 2, 3].map((tag) => a.insert(tag, 0, 12));
    expect(slots).toEqual([0, 1, 2]); // empty ways fill from way 0
    a.invalidate(slots[0]);
    a.invalidate(slots[2]);
    expect(a.insert(7, 0, 12)).toBe(2);
    expect(a.insert(8, 0, 12)).toBe(0);
    expect(a.insert(9, 0, 12)).toBe(3);
    expect(a.insert(10, 0, 12)).toBe(1); // full: the least recently used (tag 2)
    expect(a.find(2, 0, 12)).toBe(-1);
    expect(a.occupancy()).toBe(4);
  });

  it("true LRU picks the same victims as a recency list, packed (up to 16 ways) or not", () => {
    // One set; the reference keeps its ways most recent first and empty ways at the back
    // (the most recently emptied last), as the contract in tlb-sets.ts says.
    const op = fc.oneof(
      fc.record({ kind: fc.constant("insert" as const), tag: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant("touch" as const), tag: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant("invalidate" as const), tag: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3, 5, 12, 15, 16, 17, 20), fc.array(op, { maxLength: 120 }), (ways, ops) => {
        const a = new SetAssociativeArray(1, ways, false);
        // recency: ways, most recent first; tags: what each way holds (-1 empty)
        let recency = Array.from({ length: ways }, (_, i) => ways - 1 - i);
        const tags = new Array<number>(ways).fill(-1);
        const toFront = (way: number) => (recency = [way, ...recency.filter((w) => w !== way)]);
        const toBack = (way: number) => (recency = [...recency.filter((w) => w !== way), way]);
        for (const { kind, tag } of ops) {
          const way = tags.indexOf(tag);
          expect(a.find(tag, 0, 12)).toBe(way);
          if (kind === "insert" && way < 0) {
            const victim = recency[ways - 1];
            expect(a.insert(tag, 0, 12)).toBe(victim);
            tags[victim] = tag;
            toFront(victim);
          } else if (kind === "touch" && way >= 0) {
            a.touch(way);
            toFront(way);
          } else if (kind === "invalidate" && way >= 0) {
            a.invalidate(way);
            tags[way] = -1;
            toBack(way);
          }
        }
        expect(a.occupancy()).toBe(tags.filter((t) => t >= 0).length);
      }),
      { seed: 17, numRuns: 300 },
    );
  });
});
