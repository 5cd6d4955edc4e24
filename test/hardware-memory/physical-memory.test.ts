// The frame allocator (scattered seeded order, LIFO reuse, aligned runs, refcounts, lazy
// metadata) and frame contents (patterns vs dense bytes).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkTable } from "../../src/hardware/chunk-table";
import { PhysicalMemory, SeededPermutation } from "../../src/hardware/memory-index";

const MiB = 2 ** 20;

function memory(ramBytes = 64 * MiB, seed = 1) {
  return new PhysicalMemory({ ramBytes, frameBytes: 4096, hugeFrames: 512, seed });
}

describe("SeededPermutation", () => {
  it("is a bijection of [0, count) for any count and seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer(), (count, seed) => {
        const perm = new SeededPermutation(count, seed);
        const seen = new Set<number>();
        for (let i = 0; i < count; i++) seen.add(perm.at(i));
        return seen.size === count && [...seen].every((x) => x >= 0 && x < count);
      }),
      { numRuns: 50 },
    );
  });
});

describe("frame allocation order", () => {
  it("scatters consecutive allocations and is reproducible per seed", () => {
    const a = memory();
    const pfns = Array.from({ length: 2000 }, () => a.allocFrame() as number);
    const adjacent = pfns.slice(1).filter((pfn, i) => pfn === pfns[i] + 1).length;
    expect(adjacent).toBeLessThan(50);
    expect(new Set(pfns).size).toBe(pfns.length);
    const b = memory();
    expect(Array.from({ length: 2000 }, () => b.allocFrame())).toEqual(pfns);
    const c = memory(64 * MiB, 2);
    expect(Array.from({ length: 2000 }, () => c.allocFrame())).not.toEqual(pfns);
  });

  it("hands out every frame exactly once, then null", () => {
    const mem = memory(4 * MiB);
    const seen = new Set<number>();
    for (;;) {
      const pfn = mem.allocFrame();
      if (pfn === null) break;
      expect(seen.has(pfn)).toBe(false);
      seen.add(pfn);
    }
    expect(seen.size).toBe(mem.totalFrames - 1); // the zero page is reserved
    expect(seen.has(mem.zeroPfn)).toBe(false);
    expect(mem.freeFrames).toBe(0);
  });

  it("reuses freed frames last-in first-out", () => {
    const mem = memory();
    const [a, b, c] = [mem.allocFrame(), mem.allocFrame(), mem.allocFrame()] as number[];
    mem.freeFrame(a);
    mem.freeFrame(c);
    expect(mem.allocFrame()).toBe(c);
    expect(mem.allocFrame()).toBe(a);
    expect(mem.getRef(b)).toBe(1);
  });
});

describe("allocContiguous", () => {
  it("returns an aligned run of free frames, or null when none is left", () => {
    const mem = memory(8 * MiB); // 4 blocks of 512 frames
    const runs: number[] = [];
    for (;;) {
      const first = mem.allocContiguous(512);
      if (first === null) break;
      expect(first % 512).toBe(0);
      for (let i = 0; i < 512; i++) expect(mem.getRef(first + i)).toBe(1);
      runs.push(first);
    }
    expect(runs.length).toBe(3); // block 0 holds the zero page
    mem.freeFrame(runs[1] + 7);
    expect(mem.allocContiguous(512)).toBeNull();
    expect(mem.allocFrame()).toBe(runs[1] + 7);
  });

  it("finds a run again once all of a block's frames come back", () => {
    const mem = memory(4 * MiB);
    const pfns: number[] = [];
    for (let pfn = mem.allocFrame(); pfn !== null; pfn = mem.allocFrame()) pfns.push(pfn);
    expect(mem.allocContiguous(512)).toBeNull();
    for (const pfn of pfns) if (pfn >= 512) mem.freeFrame(pfn);
    expect(mem.allocContiguous(512)).toBe(512);
    expect(mem.allocFrame()).toBeNull();
  });

  it("never hands out a frame twice when mixed with single allocations and frees", () => {
    fc.assert(
      // RAM that ends in a short block (as MemTotal usually does) as well as whole blocks.
      fc.property(fc.array(fc.oneof(fc.constant("one"), fc.constant("run"), fc.constant("huge"), fc.nat(1000)), { maxLength: 300 }), fc.nat(300), (ops, extraPages) => {
        const mem = memory(4 * MiB + extraPages * 4096);
        const owned = new Set<number>();
        for (const op of ops) {
          if (op === "one") {
            const pfn = mem.allocFrame();
            if (pfn !== null) {
              if (owned.has(pfn)) return false;
              owned.add(pfn);
            }
          } else if (op === "run" || op === "huge") {
            const count = op === "run" ? 64 : 512;
            const first = mem.allocContiguous(count);
            if (first !== null) {
              for (let i = 0; i < count; i++) {
                if (owned.has(first + i)) return false;
                owned.add(first + i);
              }
            }
          } else if (owned.size > 0) {
            const pfn = [...owned][op % owned.size];
            owned.delete(pfn);
            mem.freeFrame(pfn);
          }
        }
        return mem.usedFrames === owned.size + 1;
      }),
      { numRuns: 60 },
    );
  });

  it("with RAM ending in a short block, huge runs and single frames never share a frame", () => {
    // 4000 whole blocks and a short one of 399 frames: with seed 1 the short block comes up as the
    // next pristine block after ~3580 runs, where a run once came from a block never entered
    // and that block was later handed out again as pristine (found through Machine.fromHost).
    const mem = new PhysicalMemory({ ramBytes: (4000 * 512 + 399) * 4096, frameBytes: 4096, hugeFrames: 512, seed: 1 });
    const owned = new Uint8Array(mem.totalFrames);
    owned[0] = 1;
    let duplicates = 0;
    const take = (pfn: number) => {
      duplicates += owned[pfn];
      owned[pfn] = 1;
    };
    for (let k = 0; ; k++) {
      const first = mem.allocContiguous(512);
      if (first === null) break;
      for (let i = 0; i < 512; i++) take(first + i);
      if (k % 7 === 0) take(mem.allocFrame() as number); // page tables between huge faults
    }
    for (let pfn = mem.allocFrame(); pfn !== null; pfn = mem.allocFrame()) take(pfn);
    expect(duplicates).toBe(0);
    expect(mem.usedFrames).toBe(mem.totalFrames);
  });

  it("validates the count", () => {
    const mem = memory();
    expect(() => mem.allocContiguous(3)).toThrowError(/count must be a power of two in \[1, 512\], got 3/);
    expect(() => mem.allocContiguous(1024)).toThrowError(/got 1024/);
  });
});

describe("reference counts", () => {
  it("frees a frame when its last owner lets go", () => {
    const mem = memory();
    const pfn = mem.allocFrame() as number;
    expect(mem.incRef(pfn)).toBe(2);
    expect(() => mem.freeFrame(pfn)).toThrowError(/refcount 2/);
    expect(mem.decRef(pfn)).toBe(1);
    const used = mem.usedFrames;
    expect(mem.decRef(pfn)).toBe(0);
    expect(mem.usedFrames).toBe(used - 1);
    expect(() => mem.decRef(pfn)).toThrowError(/already free/);
    expect(() => mem.decRef(mem.zeroPfn)).toThrowError(/zero page/);
  });
});

describe("metadata cost", () => {
  it("costs kilobytes for a 16 GiB machine with three used frames", () => {
    const mem = new PhysicalMemory({ ramBytes: 16 * 2 ** 30, frameBytes: 4096, hugeFrames: 512 });
    for (let i = 0; i < 3; i++) mem.allocFrame();
    expect(mem.hostBytes).toBeLessThan(64 * 1024);
  });
});

describe("frame contents", () => {
  it("keeps fills as 8-byte patterns and edits as dense bytes", () => {
    const mem = memory();
    const pfn = mem.allocFrame() as number;
    mem.zeroFrame(pfn);
    expect(mem.patternOf(pfn)).toEqual(new Uint8Array(8));
    const one = new Uint8Array(new Float64Array([1.0]).buffer);
    mem.setPattern(pfn, one);
    const out = new Uint8Array(16);
    mem.readBytes(pfn, 4092, out, 0, 4);
    expect([...out.subarray(0, 4)]).toEqual([...one.subarray(4, 8)]);

    mem.writeBytes(pfn, 5, new Uint8Array([9]), 0, 1);
    expect(mem.patternOf(pfn)).toBeNull();
    mem.readBytes(pfn, 0, out, 0, 16);
    expect([...out.subarray(0, 8)]).toEqual([...one.subarray(0, 5), 9, ...one.subarray(6, 8)]);

    mem.fillBytes(pfn, 0, 4096, 0x7f);
    expect(mem.patternOf(pfn)).toEqual(new Uint8Array(8).fill(0x7f));
    mem.fillBytes(pfn, 10, 20, 0x7f); // same bytes: stays a pattern
    expect(mem.patternOf(pfn)).not.toBeNull();
  });

  it("copies frames and materializes dense bytes for in-place edits", () => {
    const mem = memory();
    const [a, b] = [mem.allocFrame(), mem.allocFrame()] as number[];
    mem.zeroFrame(a);
    mem.denseBytes(a)[100] = 5;
    mem.copyFrame(b, a);
    mem.denseBytes(a)[100] = 6;
    const out = new Uint8Array(1);
    mem.readBytes(b, 100, out, 0, 1);
    expect(out[0]).toBe(5);
  });

  it("collapses a whole-frame write of periodic bytes into a pattern", () => {
    const mem = memory();
    const pfn = mem.allocFrame() as number;
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 8;
    mem.writeBytes(pfn, 0, bytes, 0, 4096);
    expect(mem.patternOf(pfn)).toEqual(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]));
  });

  it("refuses to change the zero page and out-of-frame spans", () => {
    const mem = memory();
    expect(() => mem.fillBytes(mem.zeroPfn, 0, 1, 1)).toThrowError(/zero page/);
    const pfn = mem.allocFrame() as number;
    expect(() => mem.writeBytes(pfn, 4000, new Uint8Array(200), 0, 200)).toThrowError(/within a 4096-byte frame/);
    expect(() => mem.readBytes(-1, 0, new Uint8Array(1), 0, 1)).toThrowError(/pfn must be an integer/);
  });
});

describe("ChunkTable (per-block chunks by block number)", () => {
  it("finds what was set, in any order, like a Map; nothing for other blocks or past the end", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.array(fc.nat(), { maxLength: 200 }), (blocks, picks) => {
        const table = new ChunkTable<{ block: number }>(blocks);
        const model = new Map<number, { block: number }>();
        for (const pick of picks) {
          const block = pick % blocks;
          if (model.has(block)) continue; // a block's chunk is set once
          const chunk = { block };
          table.set(block, chunk);
          model.set(block, chunk);
        }
        for (let block = 0; block < blocks; block++) expect(table.get(block)).toBe(model.get(block));
        expect(table.get(blocks)).toBeUndefined();
        expect(new Set(table.values())).toEqual(new Set(model.values()));
      }),
      { numRuns: 200 },
    );
  });
});
