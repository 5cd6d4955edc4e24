// The page table's own operations: every slot is written through them, and each table's count
// of used slots stays equal to its non-empty slots by construction.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PagelabError } from "../../src/errors";
import { PageTable, type LeafTable } from "../../src/kernel/page-table";
import { PTE_PRESENT, PTE_PROTNONE, PTE_WRITE, PTE_ZERO, entryFlags, entryPfn, makeEntry } from "../../src/kernel/pte";

const PAGE = 4096;
const HUGE = 512 * PAGE;

/** A 4-level, 4 KiB table with frames handed out from 1 and every free recorded. */
function table(): { pt: PageTable; freed: number[] } {
  let next = 1;
  const freed: number[] = [];
  const pt = new PageTable({ pageShift: 12, vaBits: 48 }, () => next++, (pfn) => freed.push(pfn));
  return { pt, freed };
}

/** Counts the non-empty slots of a leaf table, read through entryOf. */
function present(pt: PageTable, node: LeafTable): number {
  let n = 0;
  for (let i = 0; i < 512; i++) if (pt.entryOf(node, i) !== 0) n++;
  return n;
}

describe("PageTable slot operations", () => {
  it("setPte and clearPte keep used equal to the non-empty slots, whatever the order", () => {
    const { pt } = table();
    const node = pt.leafTable(0x40_0000, true);
    expect(node.used).toBe(0);
    pt.setPte(node, 3, makeEntry(10, PTE_PRESENT));
    pt.setPte(node, 3, makeEntry(11, PTE_PRESENT | PTE_WRITE)); // replacing: still one
    pt.setPte(node, 7, makeEntry(12, PTE_PRESENT));
    pt.clearPte(node, 9); // already empty: no change
    expect(node.used).toBe(2);
    expect(present(pt, node)).toBe(2);
    pt.clearPte(node, 3);
    pt.setPte(node, 7, 0);
    expect([node.used, present(pt, node)]).toEqual([0, 0]);
    expect(pt.findCountMismatch()).toBeNull();
  });

  it("setPteAt creates the tables and reads back through walk and entryOf", () => {
    const { pt } = table();
    const vaddr = 0x7f00_1234_5000;
    pt.setPteAt(vaddr, makeEntry(42, PTE_PRESENT | PTE_WRITE));
    expect(pt.tablePages).toBe(4);
    const node = pt.leafTable(vaddr, false) as LeafTable;
    expect(pt.entryOf(node, pt.leafIndex(vaddr))).toBe(makeEntry(42, PTE_PRESENT | PTE_WRITE));
    expect(pt.walk(vaddr).leaf).toMatchObject({ pfn: 42, pageShift: 12, writable: true });
    expect(pt.findCountMismatch()).toBeNull();
  });

  it("setPtes maps a multi-size THP run to consecutive frames with one set of flags", () => {
    const { pt } = table();
    const node = pt.leafTable(0, true);
    pt.setPte(node, 0, makeEntry(5, PTE_PRESENT));
    expect(pt.ptesNone(node, 16, 16)).toBe(true);
    pt.setPtes(node, 16, makeEntry(100, PTE_PRESENT | PTE_WRITE), 16);
    expect(pt.ptesNone(node, 16, 16)).toBe(false);
    expect(pt.ptesNone(node, 1, 15)).toBe(true);
    for (let i = 0; i < 16; i++) {
      const entry = pt.entryOf(node, 16 + i);
      expect([entryPfn(entry), entryFlags(entry)]).toEqual([100 + i, PTE_PRESENT | PTE_WRITE]);
    }
    expect([node.used, present(pt, node)]).toEqual([17, 17]);
    expect(pt.findCountMismatch()).toBeNull();
  });

  it("installHuge, replaceHuge, splitHuge and clearHuge keep the leaf's slots and counts consistent", () => {
    const { pt } = table();
    const node = pt.leafTable(HUGE, true);
    pt.installHuge(node, makeEntry(1024, PTE_PRESENT));
    expect([node.huge, node.used, present(pt, node)]).toEqual([makeEntry(1024, PTE_PRESENT), 0, 0]);
    expect(pt.walk(HUGE + 5 * PAGE).leaf).toMatchObject({ pfn: 1024, pageShift: 21, writable: false });
    pt.replaceHuge(node, makeEntry(1024, PTE_PRESENT | PTE_WRITE));
    expect(pt.walk(HUGE).leaf?.writable).toBe(true);
    const visits: number[] = [];
    pt.forEachLeaf(0, 4 * HUGE, (vaddr, _entry, _node, index) => visits.push(vaddr, index));
    expect(visits).toEqual([HUGE, -1]);
    expect(pt.occupancy()[3].entriesUsed).toBe(0);
    expect(pt.findCountMismatch()).toBeNull();

    pt.splitHuge(node, (i) => makeEntry(1024 + i, PTE_PRESENT | PTE_WRITE));
    expect([node.huge, node.used, present(pt, node)]).toEqual([0, 512, 512]);
    expect(pt.walk(HUGE + 5 * PAGE).leaf).toMatchObject({ pfn: 1029, pageShift: 12 });
    expect(pt.findCountMismatch()).toBeNull();

    const other = pt.leafTable(3 * HUGE, true);
    pt.installHuge(other, makeEntry(7, PTE_PRESENT | PTE_ZERO));
    pt.clearHuge(other);
    expect([other.huge, other.used, present(pt, other)]).toEqual([0, 0, 0]);
    expect(pt.walk(3 * HUGE).leaf).toBeNull();
    expect(pt.findCountMismatch()).toBeNull();
  });

  it("pruneEmpty frees the tables the operations left empty, and only those", () => {
    const { pt, freed } = table();
    const node = pt.leafTable(0, true);
    pt.setPte(node, 1, makeEntry(9, PTE_PRESENT));
    pt.setPteAt(HUGE, makeEntry(10, PTE_PRESENT));
    const before = pt.tablePages;
    pt.clearPte(node, 1);
    pt.pruneEmpty(0, 2 * HUGE);
    expect(pt.tablePages).toBe(before - 1);
    expect(freed).toEqual([node.pfn]);
    expect(pt.findCountMismatch()).toBeNull();
  });

  it("refuses writes that would break a count: base entries in a huge table, huge over entries", () => {
    const { pt } = table();
    const node = pt.leafTable(0, true);
    pt.setPte(node, 0, makeEntry(3, PTE_PRESENT));
    expect(() => pt.installHuge(node, makeEntry(512, PTE_PRESENT))).toThrow(PagelabError);
    pt.clearPte(node, 0);
    pt.installHuge(node, makeEntry(512, PTE_PRESENT));
    expect(() => pt.setPte(node, 0, makeEntry(3, PTE_PRESENT))).toThrow(/huge/);
    expect(() => pt.setPtes(node, 0, makeEntry(3, PTE_PRESENT), 4)).toThrow(/huge/);
    const plain = pt.leafTable(HUGE, true);
    expect(() => pt.replaceHuge(plain, makeEntry(1, PTE_PRESENT))).toThrow(PagelabError);
    expect(() => pt.clearHuge(plain)).toThrow(PagelabError);
    expect(() => pt.splitHuge(plain, () => 0)).toThrow(PagelabError);
    expect(pt.findCountMismatch()).toBeNull();
  });
});

describe("PageTable.findCountMismatch (machine.check's view of the counts)", () => {
  it("names a table whose count was changed behind the operations' back", () => {
    const { pt } = table();
    const node = pt.leafTable(0, true);
    pt.setPte(node, 0, makeEntry(3, PTE_PRESENT));
    (node as unknown as { used: number }).used++; // what a raw write outside page-table.ts did
    expect(pt.findCountMismatch()).toMatch(/leaf table in frame \d+ counts 2 used slots, 1 are/);
  });
});

/** The walk's answer rebuilt through the kernel's API (leafTable chases the nodes, never the
 *  leaf-table directory): a stale directory entry makes `walk` disagree with it. */
function walkByNodes(pt: PageTable, vaddr: number): { pfn: number; pageShift: number; writable: boolean; zeroPage: boolean } | null {
  const node = pt.leafTable(vaddr, false);
  if (node === null) return null;
  const huge = node.huge !== 0;
  const entry = huge ? node.huge : pt.entryOf(node, pt.leafIndex(vaddr));
  const flags = entryFlags(entry);
  if ((flags & PTE_PRESENT) === 0 || (flags & PTE_PROTNONE) !== 0) return null;
  const pageShift = huge ? pt.basePageShift + pt.bitsPerLevel : pt.basePageShift;
  return { pfn: entryPfn(entry), pageShift, writable: (flags & PTE_WRITE) !== 0, zeroPage: (flags & PTE_ZERO) !== 0 };
}

describe("the leaf-table directory", () => {
  // PMD regions whose numbers share directory slots (4096 slots: numbers 4096 apart collide),
  // plus neighbours, so frees and refills of one slot by different tables are exercised.
  const DIRECTORY = 4096;
  const regions = [0, 1, DIRECTORY, DIRECTORY + 1, 2 * DIRECTORY, 7];
  const flagsArb = fc.constantFrom(PTE_PRESENT, PTE_PRESENT | PTE_WRITE, PTE_PRESENT | PTE_ZERO, PTE_PROTNONE, 0);
  const opArb = fc.oneof(
    fc.record({ op: fc.constant("set" as const), region: fc.nat(regions.length - 1), page: fc.nat(3), pfn: fc.integer({ min: 1, max: 1000 }), flags: flagsArb }),
    fc.record({ op: fc.constant("prune" as const), region: fc.nat(regions.length - 1), span: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ op: fc.constant("install" as const), region: fc.nat(regions.length - 1), pfn: fc.integer({ min: 1, max: 1000 }) }),
    fc.record({ op: fc.constant("split" as const), region: fc.nat(regions.length - 1), pfn: fc.integer({ min: 1, max: 1000 }) }),
    fc.record({ op: fc.constant("clear" as const), region: fc.nat(regions.length - 1) }),
  );

  it.each([
    { pageShift: 12, vaBits: 48 },
    { pageShift: 16, vaBits: 48 },
    { pageShift: 12, vaBits: 57 },
  ])("never lets a walk disagree with the tables (%o)", (geometry) => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 20, maxLength: 80, size: "max" }), (ops) => {
        let next = 1;
        const pt = new PageTable(geometry, () => next++, () => {});
        const hugeBytes = pt.hugeBytes;
        const pageBytes = pt.pageBytes;
        // The probed addresses: a few pages at the start of every region.
        const probes = regions.flatMap((r) => [0, 1, 2, 3].map((page) => r * hugeBytes + page * pageBytes));
        for (const step of ops) {
          const start = regions[step.region] * hugeBytes;
          const node = pt.leafTable(start, false);
          if (step.op === "set") {
            if (node === null || node.huge === 0) pt.setPteAt(start + step.page * pageBytes, step.flags === 0 ? 0 : makeEntry(step.pfn, step.flags));
          } else if (step.op === "prune") {
            pt.pruneEmpty(start, start + step.span * hugeBytes);
          } else if (step.op === "install") {
            const leaf = pt.leafTable(start, true);
            if (leaf.huge === 0 && leaf.used === 0) pt.installHuge(leaf, makeEntry(step.pfn, PTE_PRESENT | PTE_WRITE));
          } else if (node !== null && node.huge !== 0) {
            if (step.op === "split") pt.splitHuge(node, (i) => (i % 3 === 0 ? 0 : makeEntry(step.pfn + i, PTE_PRESENT)));
            else pt.clearHuge(node);
          }
          // Walk every probe (filling the directory) and compare with the node chase.
          for (const vaddr of probes) expect(pt.walk(vaddr).leaf, `0x${vaddr.toString(16)} after ${step.op}`).toEqual(walkByNodes(pt, vaddr));
          expect(pt.findCountMismatch()).toBeNull();
        }
      }),
      { numRuns: 100, seed: 16 },
    );
  });
});
