import { describe, expect, it } from "vitest";
import { TlbMmu } from "../../src/hardware/mmu";
import { NaiveMmu } from "../../src/hardware/naive-mmu";
import { CPU_NAMES, cpuPreset, customCpu, validateCpu } from "../../src/hardware/cpu-presets";
import { Tlb } from "../../src/hardware/tlb";
import { InvalidArgumentError } from "../../src/errors";

describe("CPU presets", () => {
  it.each(CPU_NAMES)("%s validates, builds both MMUs, and sources every cost figure", (name) => {
    const cpu = cpuPreset(name);
    expect(new TlbMmu(cpu).cpu.name).toBe(name);
    expect(new NaiveMmu(name).cpu.name).toBe(name);
    for (const [figure, source] of Object.entries(cpu.costSources)) {
      expect(source.length, figure).toBeGreaterThan(10);
    }
    for (const t of [...cpu.l1d, ...cpu.l1i, ...cpu.l2, ...cpu.walkCaches]) expect(t.source).toBeTruthy();
    expect(Object.isFrozen(cpu.l2[0])).toBe(true);
  });

  it("matches REFERENCE §5: Skylake STLB 1536 x 12 -> 128 sets, Zen 2 64 fully associative, M1 16K", () => {
    const sky = new TlbMmu("skylake");
    expect(sky.l2.tlbs[0]).toMatchObject({ entries: 1536, ways: 12, sets: 128 });
    expect(sky.l1d.tlbs[0]).toMatchObject({ entries: 64, ways: 4, sets: 16 });
    const zen = new TlbMmu("zen2");
    expect(zen.l1d.tlbs[0]).toMatchObject({ entries: 64, sets: 1 });
    expect(zen.l2.tlbs[0].entries).toBe(2048);
    expect(new TlbMmu("cortex-a57").l2.tlbs[0]).toMatchObject({ entries: 1024, ways: 4 });
    expect(cpuPreset("apple-m1").basePageSize).toBe("16K");
    expect(new TlbMmu().cpu.name).toBe("skylake");
  });
});

describe("bad geometries are rejected at construction", () => {
  const tlb = { name: "t", entries: 64, ways: 4, pageSizes: ["4K"] } as const;
  const cases: [string, object, RegExp][] = [
    ["zero entries", { ...tlb, entries: 0 }, /entries must be an integer from 1/],
    ["fractional ways", { ...tlb, ways: 2.5 }, /ways must be an integer/],
    ["ways not dividing entries", { ...tlb, entries: 100, ways: 12 }, /ways \(12\) must divide entries \(100\)/],
    ["more ways than entries", { ...tlb, entries: 4, ways: 8 }, /must divide entries/],
    ["unknown page size", { ...tlb, pageSizes: ["8K"] }, /pageSizes\[0\] must be one of 4K/],
    ["no page size", { ...tlb, pageSizes: [] }, /at least one page size/],
    ["a size twice", { ...tlb, pageSizes: ["4K", "4K"] }, /twice/],
    ["plru on 12 ways", { ...tlb, entries: 96, ways: 12, replacement: "plru" }, /power-of-two number of ways/],
    ["unknown policy", { ...tlb, replacement: "fifo" }, /replacement must be "lru" or "plru"/],
  ];
  it.each(cases)("%s", (_, config, message) => {
    expect(() => new Tlb(config as never)).toThrow(InvalidArgumentError);
    expect(() => new Tlb(config as never)).toThrow(message);
    expect(() => new TlbMmu(customCpu("skylake", { l1d: [config as never] }))).toThrow(message);
  });

  it("a page size held by two arrays of one level", () => {
    expect(() => customCpu("skylake", { l2: [{ ...tlb, name: "a" }, { ...tlb, name: "b" }] })).toThrow(
      /page size 4K is held by both "a" and "b"/,
    );
  });

  it("walk caches: bad depth, two at one depth", () => {
    const w = { name: "PDE", depth: 1, entries: 32, ways: 4 };
    expect(() => customCpu("skylake", { walkCaches: [{ ...w, depth: 0 }] })).toThrow(/depth must be an integer from 1 to 5/);
    expect(() => customCpu("skylake", { walkCaches: [w, { ...w, name: "x" }] })).toThrow(/two walk caches at depth 1/);
    expect(() => customCpu("skylake", { walkCaches: [{ ...w, entries: 30 }] })).toThrow(/must divide entries/);
  });

  it("costs, levels, names and unknown overrides", () => {
    expect(() => customCpu("skylake", { costs: { walkRef: -1 } })).toThrow(/costs.walkRef must be a finite number/);
    expect(() => customCpu("skylake", { costs: { walkref: 3 } as never })).toThrow(/unknown figure "walkref"/);
    expect(() => customCpu("skylake", { pageTableLevels: 6 })).toThrow(/pageTableLevels must be an integer from 2 to 5/);
    expect(() => customCpu("skylake", { l1: [] } as never)).toThrow(/unknown part "l1"/);
    expect(() => cpuPreset("pentium" as never)).toThrow(/cpu must be one of skylake/);
    expect(() => new TlbMmu("pentium" as never)).toThrow(InvalidArgumentError);
    expect(() => validateCpu({ ...cpuPreset("zen2"), clockGHz: 0 })).toThrow(/clockGHz/);
  });

  it("a user's preset object is not frozen in place", () => {
    const mine = { ...cpuPreset("zen2"), l1d: [{ name: "L1d", entries: 32, ways: 32, pageSizes: ["4K"] as const }] };
    new TlbMmu(mine as never);
    expect(Object.isFrozen(mine)).toBe(false);
  });
});
