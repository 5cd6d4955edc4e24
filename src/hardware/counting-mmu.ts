// What the TLB model and its naive reference share: a CPU preset, the exact counters both keep,
// and the plain statistics a notebook reads from them (stats, snapshot, diff).
import { DEFAULT_CPU, resolveCpu, type CpuName, type CpuPreset } from "./cpu-presets";
import { MmuCounters, buildMmuStats, diffMmuStats, type MmuStats, type StatsLayout } from "./mmu-stats";
import { pageShiftOf } from "./tlb-geometry";

/** Builds the StatsLayout of a CPU (page sizes listed in bySize, walk-cache names by depth). */
export function statsLayoutOf(cpu: CpuPreset): StatsLayout {
  const shifts = new Set<number>();
  for (const config of [...cpu.l1d, ...cpu.l1i, ...cpu.l2]) {
    for (const size of config.pageSizes) shifts.add(pageShiftOf(size, "pageSizes"));
  }
  return {
    cpu: cpu.name,
    costs: cpu.costs,
    pageShifts: [...shifts].sort((a, b) => a - b),
    walkCacheNames: new Map(cpu.walkCaches.map((w) => [w.depth, w.name])),
  };
}

/** An MMU modelling a CPU preset's TLBs, with the counters and statistics every such model keeps. */
export abstract class CountingMmu {
  /** The CPU preset whose TLBs and walk caches this MMU models. */
  readonly cpu: CpuPreset;
  /** Raw event counts, updated on the translation path. */
  protected readonly counters = new MmuCounters();
  private readonly layout: StatsLayout;

  /** Resolves the preset; throws InvalidArgumentError for an unknown name or a bad preset. */
  protected constructor(cpu: CpuPreset | CpuName = DEFAULT_CPU) {
    this.cpu = resolveCpu(cpu);
    this.layout = statsLayoutOf(this.cpu);
  }

  /** Everything counted since construction, as a fresh plain object. */
  get stats(): MmuStats {
    return buildMmuStats(this.layout, this.counters);
  }

  /** The same as `stats`: a plain object to keep and compare later with diff. */
  snapshot(): MmuStats {
    return this.stats;
  }

  /** What happened between two snapshots of this MMU (b - a). */
  diff(a: MmuStats, b: MmuStats): MmuStats {
    return diffMmuStats(a, b);
  }
}
