// The run-compressed TlbMmu must count exactly what a one-lookup-per-access reference counts,
// on random access streams, random TLB geometries and mixed 4K / 2M / 1G pages.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TlbMmu } from "../../src/hardware/mmu";
import { NaiveMmu } from "../../src/hardware/naive-mmu";
import { customCpu } from "../../src/hardware/cpu-presets";
import type { PageSizeName, TlbConfig, WalkCacheConfig } from "../../src/hardware/tlb-geometry";
import type { AccessKind, Leaf, Mmu } from "../../src/hardware/translation";
import { FixturePageTable, linuxLikeFaults, type Region } from "./fixture-page-table";

const GIB = 2 ** 30;
// Three regions, one page size each; both address spaces use the same layout.
const REGIONS: Region[] = [
  { start: 2 ** 40, length: 96 * 4096, pageShift: 12 },
  { start: 2 ** 40 + 4 * GIB, length: 12 * 2 ** 21, pageShift: 21 },
  { start: 2 ** 40 + 64 * GIB, length: 3 * GIB, pageShift: 30 },
];

// Up to 16 ways the recency order is packed into one word, above it kept entry by entry: both.
const ways = fc.constantFrom(1, 2, 3, 4, 8, 12, 16, 17, 24);
const tlbArb = (name: string, sizes: PageSizeName[][]) =>
  fc.record({
    ways,
    sets: fc.integer({ min: 1, max: 6 }),
    pageSizes: fc.constantFrom(...sizes),
    plru: fc.boolean(),
  }).map(({ ways, sets, pageSizes, plru }): TlbConfig => ({
    name, ways, entries: ways * sets, pageSizes,
    replacement: plru && [1, 2, 4, 8, 16].includes(ways) ? "plru" : "lru",
  }));

const levelArb = (prefix: string) =>
  fc.oneof(
    fc.constant<TlbConfig[]>([]),
    tlbArb(`${prefix}`, [["4K"], ["4K", "2M"], ["2M", "4K", "1G"], ["4K", "1G"]]).map((t) => [t]),
    fc.tuple(tlbArb(`${prefix} small`, [["4K"]]), tlbArb(`${prefix} large`, [["2M"], ["2M", "1G"], ["1G"]])).map((t) => [...t]),
  );

const walkCachesArb = fc.subarray([1, 2, 3]).chain((depths) =>
  fc.tuple(...depths.map((depth) => fc.record({ ways: fc.constantFrom(1, 2, 4), sets: fc.integer({ min: 1, max: 3 }) })
    .map(({ ways, sets }): WalkCacheConfig => ({ name: `D${depth}`, depth, ways, entries: ways * sets })))),
);

type Op =
  | { op: "access"; asid: number; region: number; page: number; offset: number; kind: AccessKind; repeats: number }
  | { op: "fetch"; asid: number; region: number; page: number; repeats: number }
  | { op: "invalidate"; asid: number; region: number; page: number; pages: number }
  | { op: "flush"; asid: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({
    op: fc.constant("access" as const), asid: fc.constantFrom(1, 2), region: fc.constantFrom(0, 0, 1, 2),
    page: fc.nat(95), offset: fc.nat(4095), kind: fc.constantFrom<AccessKind>("read", "write"), repeats: fc.integer({ min: 1, max: 40 }),
  }) },
  { weight: 2, arbitrary: fc.record({
    op: fc.constant("fetch" as const), asid: fc.constantFrom(1, 2), region: fc.constantFrom(0, 1), page: fc.nat(95), repeats: fc.integer({ min: 1, max: 5 }),
  }) },
  { weight: 2, arbitrary: fc.record({
    op: fc.constant("invalidate" as const), asid: fc.constantFrom(1, 2), region: fc.constantFrom(0, 1, 2), page: fc.nat(95), pages: fc.integer({ min: 1, max: 40 }),
  }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("flush" as const), asid: fc.constantFrom(1, 2) }) },
);

/** One MMU with its own page tables (one per address space) and fault handlers. */
function world(mmu: Mmu) {
  const tables = new Map<number, FixturePageTable>();
  const handlers = new Map<number, ReturnType<typeof linuxLikeFaults>>();
  for (const asid of [1, 2]) {
    const pt = new FixturePageTable();
    tables.set(asid, pt);
    handlers.set(asid, linuxLikeFaults(pt, mmu, asid, REGIONS));
  }
  return { mmu, tables, handlers };
}

function addressOf(region: number, page: number, offset = 0): number {
  const r = REGIONS[region];
  const size = 2 ** r.pageShift;
  return r.start + (page % (r.length / size)) * size + (offset % size);
}

/** Applies one op; `split` translates a run one access per call (to check the arithmetic). */
function apply(w: ReturnType<typeof world>, op: Op, split: boolean): Leaf | null {
  const mmu = w.mmu as TlbMmu;
  if (op.op === "flush") {
    mmu.invalidateAsid(op.asid);
    return null;
  }
  const pt = w.tables.get(op.asid)!;
  const onFault = w.handlers.get(op.asid)!;
  if (op.op === "invalidate") {
    const size = 2 ** REGIONS[op.region].pageShift;
    mmu.invalidateRange(op.asid, addressOf(op.region, op.page), Math.min(op.pages * 4096, size));
    return null;
  }
  const vaddr = addressOf(op.region, op.page, op.op === "access" ? op.offset : 0);
  const translateOnce = (n: number) =>
    op.op === "access" ? mmu.translate(op.asid, pt, vaddr, op.kind, n, onFault) : mmu.translateFetch(op.asid, pt, vaddr, n, onFault);
  if (!split) return { ...translateOnce(op.repeats) };
  let leaf: Leaf | null = null;
  for (let i = 0; i < op.repeats; i++) leaf = { ...translateOnce(1) };
  return leaf;
}

describe("TlbMmu counts exactly what the naive reference counts", () => {
  it("random geometries, mixed page sizes, random access streams and invalidations", () => {
    fc.assert(
      fc.property(
        levelArb("L1d"), levelArb("L1i"), levelArb("L2"), walkCachesArb, fc.array(opArb, { minLength: 1, maxLength: 120 }),
        (l1d, l1i, l2, walkCaches, ops) => {
          const cpu = customCpu("skylake", { l1d, l1i, l2, walkCaches: [...walkCaches] });
          const fast = world(new TlbMmu(cpu));
          const split = world(new TlbMmu(cpu));
          const naive = world(new NaiveMmu(cpu));
          for (const op of ops) {
            const expected = apply(naive, op, false);
            expect(apply(fast, op, false)).toEqual(expected);
            expect(apply(split, op, true)).toEqual(expected);
          }
          const reference = (naive.mmu as NaiveMmu).stats;
          expect((fast.mmu as TlbMmu).stats).toEqual(reference);
          expect((split.mmu as TlbMmu).stats).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("pseudo-LRU and LRU sets under heavy contention (few sets, many pages)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2, 4, 8), fc.integer({ min: 1, max: 2 }), fc.boolean(),
        fc.array(fc.nat(23), { minLength: 20, maxLength: 200 }),
        (ways, sets, plru, pages) => {
          const l1d: TlbConfig[] = [{ name: "L1d", entries: ways * sets, ways, pageSizes: ["4K"], replacement: plru ? "plru" : "lru" }];
          const cpu = customCpu("skylake", { l1d, l2: [], walkCaches: [] });
          const [fast, naive] = [world(new TlbMmu(cpu)), world(new NaiveMmu(cpu))];
          for (const page of pages) {
            const op: Op = { op: "access", asid: 1, region: 0, page, offset: 0, kind: "write", repeats: 1 };
            expect(apply(fast, op, false)).toEqual(apply(naive, op, false));
          }
          expect((fast.mmu as TlbMmu).stats).toEqual((naive.mmu as NaiveMmu).stats);
        },
      ),
    );
  });

  it("the skylake preset on a long stream with many TLB evictions", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 200, maxLength: 600 }), (ops) => {
        const fast = world(new TlbMmu("skylake"));
        const naive = world(new NaiveMmu("skylake"));
        for (const op of ops) expect(apply(fast, op, false)).toEqual(apply(naive, op, false));
        expect((fast.mmu as TlbMmu).stats).toEqual((naive.mmu as NaiveMmu).stats);
      }),
      { numRuns: 30 },
    );
  });
});
