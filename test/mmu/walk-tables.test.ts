// The arrays page tables keep in an MMU core's memory: their views must survive the memory
// growing under them (another page table's growth grows the shared memory), growth keeps every
// entry, and the limit of one block is a clear error.
import { describe, expect, it } from "vitest";
import { MmuCore } from "../../src/hardware/mmu-core";
import { WalkTables } from "../../src/hardware/walk-tables";
import { UnsupportedError } from "../../src/errors";

describe("WalkTables in an MMU core", () => {
  it("keeps its entries when it grows, and another table's views stay valid while the memory grows", () => {
    const core = new MmuCore();
    const a = new WalkTables(core, 4, 12, 9, 4);
    const b = new WalkTables(core, 4, 12, 9, 4);
    a.pool[5] = 1234 * 16 + 3;
    a.hugeOf[3] = 99 * 16 + 7;
    a.directoryTags[17] = 42;
    a.directoryTables[17] = 3;
    const before = core.buffer.byteLength;
    b.grow(4096); // 16 MiB of entries: the memory grows
    expect(core.buffer.byteLength).toBeGreaterThan(before);
    expect([a.pool[5], a.hugeOf[3], a.directoryTags[17], a.directoryTables[17]]).toEqual([1234 * 16 + 3, 99 * 16 + 7, 42, 3]);
    a.pool[6] = 5; // and still writes the core's memory
    a.grow(8);
    expect(a.pool.length).toBe(8 * 512);
    expect([a.pool[5], a.pool[6], a.hugeOf[3]]).toEqual([1234 * 16 + 3, 5, 99 * 16 + 7]);
    expect(b.pool.length).toBe(4096 * 512);
  });

  it("holds at most one block of entries: growing past it is an UnsupportedError that changes nothing", () => {
    const t = new WalkTables(new MmuCore(), 4, 12, 9, 4);
    expect(t.maxCapacity * 512 * 8).toBeLessThan(2 ** 30);
    expect(t.maxCapacity * 2 * 512 * 8).toBeGreaterThan(2 ** 30);
    t.pool[1] = 7;
    expect(() => t.grow(4)).toThrow(UnsupportedError);
    expect(() => t.grow(4)).toThrow(/at most \d+ leaf tables .*511 GiB of mapped address space/);
    expect([t.pool.length, t.pool[1]]).toEqual([4 * 512, 7]);
  });

  it("freed, its views are empty: a walk of a freed table finds nothing", () => {
    const t = new WalkTables(new MmuCore(), 4, 12, 9, 4);
    t.directoryTags[0] = 1;
    t.free();
    expect([t.handle, t.pool.length, t.hugeOf.length, t.directoryTags.length, t.directoryTables.length]).toEqual([0, 0, 0, 0, 0]);
    t.free(); // twice is harmless
    expect(t.handle).toBe(0);
  });
});
