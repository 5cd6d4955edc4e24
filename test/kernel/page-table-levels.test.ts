import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel";
import { pageTableChart } from "../../src/charts";

describe("page-table occupancy per level", () => {
  it("counts the table pages each level holds and the entries in use; it adds up to VmPTE", () => {
    const proc = new Machine({ seed: 2 }).spawn();
    const before = proc.pageTableLevels();
    expect(before.map((l) => l.name)).toEqual(["PGD", "PUD", "PMD", "PTE"]);
    const addr = proc.mmap(2 ** 31);
    proc.touch(addr, 2 ** 31, "write");
    const levels = proc.pageTableLevels();
    const pte = levels[3];
    expect(pte.entriesUsed).toBe(2 ** 31 / 4096);
    expect(pte.tables).toBeGreaterThanOrEqual(1024);
    expect(levels[2].entriesUsed).toBeGreaterThanOrEqual(1024);
    const nonRoot = levels.slice(1).reduce((s, l) => s + l.tables, 0);
    expect(nonRoot * 4).toBe(proc.status().VmPTE);
    expect(pageTableChart(levels).text).toContain("PTE");
  });
});
