// LiveAllocations, the replay's table of live allocations by capture id: slots handed from freed
// allocations to new ones must never mix two allocations' data, whatever the order of calls.
import fc from "fast-check";
import { expect, test } from "vitest";
import { LiveAllocations } from "../../src/capture/attribute";

interface Block { id: number; address: number; size: number; sim: number; site: number; owner: { site: number } }

type Op = { add: true; size: number; site: number; failed: boolean } | { add: false; pick: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ add: fc.constant(true as const), size: fc.integer({ min: 0, max: 1 << 20 }), site: fc.integer({ min: 0, max: 5 }), failed: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ add: fc.constant(false as const), pick: fc.nat() }) },
);

test("every slot holds the allocation given to it until it is freed, across slot reuse and growth", () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 3200, maxLength: 5000, size: "max" }), (ops) => {
      const live = new LiveAllocations<{ site: number }>();
      const reference = new Map<number, Block>();
      const owners = Array.from({ length: 6 }, (_, site) => ({ site }));
      let nextId = 7;
      for (const o of ops) {
        if (o.add) {
          const id = nextId;
          nextId += 3;
          const block = { id, address: 0x1000 + id * 64, size: o.size, sim: o.failed ? -1 : 0x555555560000 + id * 16, site: o.site, owner: owners[o.site] };
          live.add(id, block.address, block.size, block.sim, block.site, block.owner);
          reference.set(id, block);
        } else if (reference.size > 0) {
          const ids = [...reference.keys()];
          const block = reference.get(ids[o.pick % ids.length]) as Block;
          reference.delete(block.id);
          const slot = live.remove(block.id);
          if (slot < 0 || live.sizeAt(slot) !== block.size || live.simAt(slot) !== block.sim || live.ownerAt(slot) !== block.owner) return false;
          if (live.remove(block.id) !== -1) return false; // freed once only
        }
        if (live.count !== reference.size) return false;
      }
      const expected = [...reference.values()].sort((a, b) => a.address - b.address).map(({ address, size, site, sim }) => ({ address, size, site, sim }));
      expect(live.byAddress()).toEqual(expected);
      return true;
    }),
    { seed: 1818, numRuns: 30 },
  );
});

test("two live allocations at one address (a capture not written by the merge): the later holds it", () => {
  const live = new LiveAllocations<string>();
  live.add(1, 0x5000, 100, 0x9000, 1, "a");
  live.add(2, 0x5000, 200, 0x9100, 2, "b");
  live.add(3, 0x4000, 50, -1, 3, "c");
  expect(live.byAddress()).toEqual([
    { address: 0x4000, size: 50, site: 3, sim: -1 },
    { address: 0x5000, size: 200, site: 2, sim: 0x9100 },
  ]);
  live.remove(2);
  expect(live.byAddress().map((b) => b.site)).toEqual([3, 1]);
});
