// CPU presets: the TLB hierarchy, paging-structure caches and cycle costs of real cores
// (REFERENCE §5). Every figure carries its source; what no source gives is marked ASSUMPTION.
// customCpu() derives a variant (other sizes, LA57, other costs) and validates it.
import { InvalidArgumentError, describeValue, didYouMean } from "../errors";
import { COST_NAMES, checkCostModel, type CostModel, type CostName } from "./cost-model";
import {
  checkTlbLevel, checkWalkCaches, pageShiftOf,
  type PageSizeName, type TlbConfig, type WalkCacheConfig,
} from "./tlb-geometry";

/** The CPUs pagelab has presets for: Intel Skylake and Golden Cove, AMD Zen 2, Arm Cortex-A57 and Apple M1. */
export type CpuName = "skylake" | "golden-cove" | "zen2" | "cortex-a57" | "apple-m1";

/** Every CPU preset's name, for menus and messages. */
export const CPU_NAMES: readonly CpuName[] = ["skylake", "golden-cove", "zen2", "cortex-a57", "apple-m1"];

/** The preset a linux-x86_64 machine uses unless told otherwise. */
export const DEFAULT_CPU: CpuName = "skylake";

/** A CPU's address-translation hardware. */
export interface CpuPreset {
  /** The preset's name ("skylake", or a custom CPU's own). */
  readonly name: string;
  /** The core and its headline TLB figures, in one line. */
  readonly description: string;
  /** The instruction-set architecture. */
  readonly arch: "x86_64" | "arm64";
  /** Clock used to turn the µs figures of fault costs into cycles. */
  readonly clockGHz: number;
  /** The base page (translation granule). */
  readonly basePageSize: PageSizeName;
  /** Levels of a full walk the kernel should build (x86-64: 4, with LA57: 5). */
  readonly pageTableLevels: number;
  /** The L1 data TLBs, one array per page size or group of sizes. */
  readonly l1d: readonly TlbConfig[];
  /** The L1 instruction TLBs. */
  readonly l1i: readonly TlbConfig[];
  /** The unified second level (STLB), shared by data and instruction misses. */
  readonly l2: readonly TlbConfig[];
  /** The paging-structure caches that let a walk skip upper levels. */
  readonly walkCaches: readonly WalkCacheConfig[];
  /** Cycles of each translation event and fault, for measure(). */
  readonly costs: CostModel;
  /** Where each cost figure comes from ("ASSUMPTION: ..." when nothing does). */
  readonly costSources: Readonly<Record<CostName, string>>;
}

/** What customCpu may change; unspecified parts come from the base preset. */
export interface CpuOverrides {
  /** A name for the variant (default: the base's name followed by " (custom)"). */
  readonly name?: string;
  /** A one-line description of the variant. */
  readonly description?: string;
  /** Clock used to turn µs fault costs into cycles. */
  readonly clockGHz?: number;
  /** Levels of a full walk (5 for LA57). */
  readonly pageTableLevels?: number;
  /** The L1 data TLBs instead of the base's. */
  readonly l1d?: readonly TlbConfig[];
  /** The L1 instruction TLBs instead of the base's. */
  readonly l1i?: readonly TlbConfig[];
  /** The second-level TLBs instead of the base's. */
  readonly l2?: readonly TlbConfig[];
  /** The paging-structure caches instead of the base's. */
  readonly walkCaches?: readonly WalkCacheConfig[];
  /** Cost figures to replace; the others stay the base's (each replaced one is sourced "override"). */
  readonly costs?: Partial<CostModel>;
}

// perf-book 12-4 (REFERENCE §5): a minor fault costs about 1 µs to several µs; we take 1 µs.
const MINOR_FAULT_US = 1;
// ASSUMPTION: mapping the zero page clears nothing, so half a minor fault.
const ZERO_PAGE_MAP_US = 0.5;
// ASSUMPTION: a COW fault is a minor fault plus a 4 KiB copy (~0.2 µs at ~20 GB/s).
const COW_COPY_US = 1.2;
// ASSUMPTION: a THP fault is dominated by clearing 2 MiB (~20 GB/s -> ~100 µs).
const HUGE_FAULT_US = 100;

function faultCosts(clockGHz: number): Pick<CostModel, "zeroPageMap" | "minorFault" | "hugeFault" | "cowCopy"> {
  const cycles = (us: number) => Math.round(us * 1000 * clockGHz);
  return {
    zeroPageMap: cycles(ZERO_PAGE_MAP_US),
    minorFault: cycles(MINOR_FAULT_US),
    hugeFault: cycles(HUGE_FAULT_US),
    cowCopy: cycles(COW_COPY_US),
  };
}

const FAULT_SOURCES = {
  zeroPageMap: "ASSUMPTION: half a minor fault (no page is cleared), at the preset clock",
  minorFault: "perf-book 12-4 (REFERENCE §5): about 1 µs to several µs; 1 µs at the preset clock",
  hugeFault: "ASSUMPTION: clearing 2 MiB at ~20 GB/s, ~100 µs at the preset clock",
  cowCopy: "ASSUMPTION: a minor fault plus a 4 KiB copy, ~1.2 µs at the preset clock",
};

const L1_HIT_SOURCE = "ASSUMPTION: an L1 TLB hit overlaps the cache access; 1 cycle keeps it visible";
const WALK_CACHE_HIT_SOURCE = "ASSUMPTION: a paging-structure cache hit costs about one cycle";
const X86_WALK_CACHES_SOURCE =
  "ASSUMPTION: Intel and AMD do not publish paging-structure cache sizes (REFERENCE §5 says they exist)";

/** x86 paging-structure caches: PDE (depth 1), PDPTE (depth 2), PML4E (depth 3). */
function x86WalkCaches(): WalkCacheConfig[] {
  return [
    { name: "PDE", depth: 1, entries: 32, ways: 4, source: X86_WALK_CACHES_SOURCE },
    { name: "PDPTE", depth: 2, entries: 4, ways: 4, source: X86_WALK_CACHES_SOURCE },
    { name: "PML4E", depth: 3, entries: 2, ways: 2, source: X86_WALK_CACHES_SOURCE },
  ];
}

const SKYLAKE_TABLE = "Intel Optimization Manual 248966-045 Table 2-15 (REFERENCE §5)";

function skylake(): CpuPreset {
  const clockGHz = 3; // ASSUMPTION: a round 3 GHz core clock
  return {
    name: "skylake",
    description: "Intel Skylake client core: 64-entry 4K L1 dTLB, 1536-entry 12-way STLB",
    arch: "x86_64",
    clockGHz,
    basePageSize: "4K",
    pageTableLevels: 4,
    l1d: [
      { name: "L1d 4K", entries: 64, ways: 4, pageSizes: ["4K"], source: SKYLAKE_TABLE },
      { name: "L1d 2M", entries: 32, ways: 4, pageSizes: ["2M"], source: SKYLAKE_TABLE },
      { name: "L1d 1G", entries: 4, ways: 4, pageSizes: ["1G"], source: SKYLAKE_TABLE },
    ],
    l1i: [
      { name: "L1i 4K", entries: 128, ways: 8, pageSizes: ["4K"], source: SKYLAKE_TABLE },
      { name: "L1i 2M", entries: 8, ways: 8, pageSizes: ["2M"], source: `${SKYLAKE_TABLE}; 8 per thread` },
    ],
    l2: [
      { name: "STLB", entries: 1536, ways: 12, pageSizes: ["4K", "2M"], source: SKYLAKE_TABLE },
      { name: "STLB 1G", entries: 16, ways: 4, pageSizes: ["1G"], source: SKYLAKE_TABLE },
    ],
    walkCaches: x86WalkCaches(),
    costs: { l1Hit: 1, l2Hit: 9, walkStart: 9, walkRef: 12, walkCacheHit: 1, ...faultCosts(clockGHz) },
    costSources: {
      l1Hit: L1_HIT_SOURCE,
      l2Hit: "ASSUMPTION: ~9 cycles, the usual measured Skylake STLB hit latency (no primary source)",
      walkStart: "ASSUMPTION: the two lookups that missed, as long as an STLB hit",
      walkRef: "ASSUMPTION: page-table entries come from the L2 data cache, 12 cycles on Skylake " +
        "(Intel Optimization Manual 248966, Skylake cache parameters)",
      walkCacheHit: WALK_CACHE_HIT_SOURCE,
      ...FAULT_SOURCES,
    },
  };
}

function goldenCove(): CpuPreset {
  const clockGHz = 3.5; // ASSUMPTION
  const source = "dendibakh/perf-book ch. 3-8 (REFERENCE §5)";
  return {
    name: "golden-cove",
    description: "Intel Golden Cove (Alder Lake P-core): 96-entry 4K L1 dTLB, 2048-entry STLB",
    arch: "x86_64",
    clockGHz,
    basePageSize: "4K",
    pageTableLevels: 4,
    l1d: [
      { name: "L1d 4K", entries: 96, ways: 6, pageSizes: ["4K"], source: `${source}; ASSUMPTION: 6 ways` },
      { name: "L1d 2M", entries: 32, ways: 4, pageSizes: ["2M"], source: `${source}; ASSUMPTION: 4 ways` },
      { name: "L1d 1G", entries: 8, ways: 8, pageSizes: ["1G"], source: "ASSUMPTION: 8 entries, fully associative" },
    ],
    l1i: [
      { name: "L1i 4K", entries: 256, ways: 8, pageSizes: ["4K"], source: "ASSUMPTION: 256 entries, 8 ways" },
      { name: "L1i 2M", entries: 32, ways: 32, pageSizes: ["2M"], source: "ASSUMPTION: 32 entries, fully associative" },
    ],
    l2: [
      {
        name: "STLB", entries: 2048, ways: 16, pageSizes: ["4K", "2M"],
        source: `${source}; ASSUMPTION: 16 ways, and the 1024-entry limit for 2M pages is not modelled`,
      },
    ],
    walkCaches: x86WalkCaches(),
    costs: { l1Hit: 1, l2Hit: 9, walkStart: 9, walkRef: 15, walkCacheHit: 1, ...faultCosts(clockGHz) },
    costSources: {
      l1Hit: L1_HIT_SOURCE,
      l2Hit: "ASSUMPTION: as Skylake, ~9 cycles",
      walkStart: "ASSUMPTION: the two lookups that missed, as long as an STLB hit",
      walkRef: "ASSUMPTION: page-table entries come from the L2 data cache (~15 cycles on Golden Cove)",
      walkCacheHit: WALK_CACHE_HIT_SOURCE,
      ...FAULT_SOURCES,
    },
  };
}

function zen2(): CpuPreset {
  const clockGHz = 3.5; // ASSUMPTION
  const source = "AMD SOG 17h via wikichip (REFERENCE §5)";
  return {
    name: "zen2",
    description: "AMD Zen 2: 64-entry fully associative L1 dTLB for all sizes, 2048-entry L2 TLB",
    arch: "x86_64",
    clockGHz,
    basePageSize: "4K",
    pageTableLevels: 4,
    l1d: [{ name: "L1d", entries: 64, ways: 64, pageSizes: ["4K", "2M", "1G"], source }],
    l1i: [{ name: "L1i", entries: 64, ways: 64, pageSizes: ["4K", "2M", "1G"], source: "7-cpu.com Zen2: 64 items, full-assoc, all page sizes" }],
    l2: [
      {
        name: "L2 TLB", entries: 2048, ways: 16, pageSizes: ["4K", "2M"],
        // 2048 entries cannot form 12-way sets: AMD's L2 TLB is a skewed cache that splits its
        // 12 ways between page sizes; we keep the capacity in plain 16-way sets. 1G pages are
        // "smashed" into 2M entries there, which a whole-page TLB cannot express: not held.
        source: `${source}: 2048 entries; ASSUMPTION: 16 ways instead of the skewed 12, 1G not held`,
      },
    ],
    walkCaches: x86WalkCaches(),
    costs: { l1Hit: 1, l2Hit: 7, walkStart: 7, walkRef: 12, walkCacheHit: 1, ...faultCosts(clockGHz) },
    costSources: {
      l1Hit: L1_HIT_SOURCE,
      l2Hit: "ASSUMPTION: ~7 cycles for an L2 TLB hit",
      walkStart: "ASSUMPTION: the two lookups that missed, as long as an L2 TLB hit",
      walkRef: "ASSUMPTION: page-table entries come from the L2 data cache (~12 cycles on Zen 2)",
      walkCacheHit: WALK_CACHE_HIT_SOURCE,
      ...FAULT_SOURCES,
    },
  };
}

function cortexA57(): CpuPreset {
  const clockGHz = 2; // ASSUMPTION
  const cpuinfo = "pytorch/cpuinfo src/arm/tlb.c (REFERENCE §5)";
  const trm = "Arm Cortex-A57 TRM 100095 §5.2";
  return {
    name: "cortex-a57",
    description: "Arm Cortex-A57 with 4 KiB granule: 32-entry L1 dTLB, 1024-entry 4-way L2 TLB",
    arch: "arm64",
    clockGHz,
    basePageSize: "4K",
    pageTableLevels: 4,
    l1d: [
      {
        name: "L1d", entries: 32, ways: 32, pageSizes: ["4K", "64K", "2M"],
        // The TRM lists 4K, 64K and 1M entries: a 2M block is held as 1M halves, which a
        // whole-page TLB cannot express, so it is modelled as holding the 2M block.
        source: `${cpuinfo}, fully associative; ASSUMPTION: 2M blocks held whole (the core splits them to 1M)`,
      },
    ],
    l1i: [{ name: "L1i", entries: 48, ways: 48, pageSizes: ["4K", "64K", "2M"], source: `${trm}: 48 entries, fully associative` }],
    l2: [
      { name: "L2 TLB", entries: 1024, ways: 4, pageSizes: ["4K", "64K", "2M", "512M", "1G"], source: `${cpuinfo}; ${trm}.3` },
    ],
    walkCaches: [
      {
        // The walk cache holds a stage-1 walk "up to but not including the last level": depth 1.
        name: "walk cache", depth: 1, entries: 64, ways: 4,
        source: "ASSUMPTION: 64 entries, 4-way, as the Cortex-A53's walk cache (Intel Stratix 10 HPS TRM)",
      },
    ],
    costs: { l1Hit: 1, l2Hit: 6, walkStart: 6, walkRef: 15, walkCacheHit: 1, ...faultCosts(clockGHz) },
    costSources: {
      l1Hit: L1_HIT_SOURCE,
      l2Hit: `ASSUMPTION: ~6 cycles (${trm}.3 says only "a variable number of cycles")`,
      walkStart: "ASSUMPTION: the two lookups that missed, as long as an L2 TLB hit",
      walkRef: "ASSUMPTION: page-table entries come from the L2 cache, ~15 cycles",
      walkCacheHit: WALK_CACHE_HIT_SOURCE,
      ...FAULT_SOURCES,
    },
  };
}

function appleM1(): CpuPreset {
  const clockGHz = 3.2; // ASSUMPTION
  const unverified = "ASSUMPTION: Apple publishes no TLB sizes (REFERENCE §5: UNVERIFIED)";
  return {
    name: "apple-m1",
    description: "Apple M1 (Firestorm) with 16 KiB pages; TLB sizes are assumptions",
    arch: "arm64",
    clockGHz,
    basePageSize: "16K",
    // ASSUMPTION: 48-bit addresses with the 16K granule need 4 levels (the top one nearly empty).
    pageTableLevels: 4,
    l1d: [{ name: "L1d", entries: 160, ways: 4, pageSizes: ["16K", "32M"], source: `${unverified}; 160 entries as commonly measured` }],
    l1i: [{ name: "L1i", entries: 192, ways: 4, pageSizes: ["16K", "32M"], source: unverified }],
    l2: [{ name: "L2 TLB", entries: 3072, ways: 12, pageSizes: ["16K", "32M"], source: `${unverified}; 3072 entries as commonly measured` }],
    walkCaches: [{ name: "walk cache", depth: 1, entries: 64, ways: 4, source: unverified }],
    costs: { l1Hit: 1, l2Hit: 7, walkStart: 7, walkRef: 15, walkCacheHit: 1, ...faultCosts(clockGHz) },
    costSources: {
      l1Hit: L1_HIT_SOURCE,
      l2Hit: "ASSUMPTION: ~7 cycles",
      walkStart: "ASSUMPTION: the two lookups that missed, as long as an L2 TLB hit",
      walkRef: "ASSUMPTION: page-table entries come from the L2 cache, ~15 cycles",
      walkCacheHit: WALK_CACHE_HIT_SOURCE,
      ...FAULT_SOURCES,
    },
  };
}

const BUILDERS: Record<CpuName, () => CpuPreset> = {
  skylake,
  "golden-cove": goldenCove,
  zen2,
  "cortex-a57": cortexA57,
  "apple-m1": appleM1,
};

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Checks a whole preset (throws InvalidArgumentError naming the bad part) and returns it frozen. */
export function validateCpu(cpu: CpuPreset): CpuPreset {
  if (typeof cpu !== "object" || cpu === null) {
    throw new InvalidArgumentError(`cpu must be a CPU preset or one of ${CPU_NAMES.join(", ")}; got ${describeValue(cpu)}`);
  }
  if (typeof cpu.name !== "string" || cpu.name.length === 0) {
    throw new InvalidArgumentError(`cpu.name must be a non-empty string; got ${describeValue(cpu.name)}`);
  }
  if (typeof cpu.clockGHz !== "number" || !(cpu.clockGHz > 0 && cpu.clockGHz < 100)) {
    throw new InvalidArgumentError(`cpu.clockGHz must be a number between 0 and 100; got ${describeValue(cpu.clockGHz)}`);
  }
  if (!Number.isInteger(cpu.pageTableLevels) || cpu.pageTableLevels < 2 || cpu.pageTableLevels > 5) {
    throw new InvalidArgumentError(`cpu.pageTableLevels must be an integer from 2 to 5; got ${describeValue(cpu.pageTableLevels)}`);
  }
  pageShiftOf(cpu.basePageSize, "cpu.basePageSize");
  checkTlbLevel(cpu.l1d, "cpu.l1d");
  checkTlbLevel(cpu.l1i, "cpu.l1i");
  checkTlbLevel(cpu.l2, "cpu.l2");
  checkWalkCaches(cpu.walkCaches, "cpu.walkCaches");
  checkCostModel(cpu.costs, "cpu.costs");
  return Object.isFrozen(cpu) ? cpu : deepFreeze(structuredClone(cpu));
}

/**
 * The named preset, validated and frozen (a fresh copy each call).
 * @example
 * ```ts
 * const zen2 = cpuPreset("zen2");
 * console.log(zen2.l1d.map((t) => `${t.name}: ${t.entries} entries`));
 * const m = new Machine({ cpu: "zen2" });   // the same CPU, by name
 * ```
 */
export function cpuPreset(name: CpuName): CpuPreset {
  if (typeof name !== "string" || !Object.prototype.hasOwnProperty.call(BUILDERS, name)) {
    const hint = typeof name === "string" ? didYouMean(name, CPU_NAMES) : "";
    throw new InvalidArgumentError(`cpu must be one of ${CPU_NAMES.join(", ")}; got ${describeValue(name)}${hint}`);
  }
  return validateCpu(BUILDERS[name]());
}

/** A preset or a preset name, resolved to a validated preset. */
export function resolveCpu(cpu: CpuPreset | CpuName | undefined): CpuPreset {
  if (cpu === undefined) return cpuPreset(DEFAULT_CPU);
  return typeof cpu === "string" ? cpuPreset(cpu) : validateCpu(cpu);
}

const OVERRIDABLE: readonly (keyof CpuOverrides)[] = [
  "name", "description", "clockGHz", "pageTableLevels", "l1d", "l1i", "l2", "walkCaches", "costs",
];

/** A variant of `base` with some parts replaced (e.g. { pageTableLevels: 5 } for LA57, or
 * @example
 * ```ts
 * const la57 = customCpu("skylake", { pageTableLevels: 5, costs: { walkRef: 40 } });
 * const m = new Machine({ cpu: la57 });
 * ```
 *  { costs: { walkRef: 40 } }); overridden costs are sourced "override". Validated and frozen. */
export function customCpu(base: CpuPreset | CpuName, overrides: CpuOverrides): CpuPreset {
  const from = resolveCpu(base);
  if (typeof overrides !== "object" || overrides === null) {
    throw new InvalidArgumentError(`overrides must be an object; got ${describeValue(overrides)}`);
  }
  for (const key of Object.keys(overrides)) {
    if (!OVERRIDABLE.includes(key as keyof CpuOverrides)) {
      throw new InvalidArgumentError(`overrides has an unknown part ${describeValue(key)}; known: ${OVERRIDABLE.join(", ")}`);
    }
  }
  const costs = { ...from.costs, ...(overrides.costs ?? {}) };
  const costSources = { ...from.costSources };
  for (const name of Object.keys(overrides.costs ?? {})) {
    if (COST_NAMES.includes(name as CostName)) costSources[name as CostName] = "override";
  }
  return validateCpu({
    ...from,
    ...overrides,
    name: overrides.name ?? `${from.name} (custom)`,
    costs: checkCostModel(costs, "overrides.costs"),
    costSources,
  });
}
