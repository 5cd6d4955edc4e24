// Measuring a phase of a program: what the MMU counted (TLB hits and misses per level, walks,
// walk references) and what the kernel counted (faults by kind) while `fn` ran, with the cycles
// each cause cost on the machine's CPU preset.
import { InvalidArgumentError, UnsupportedError, describeValue } from "../errors";
import { FAULT_COST, FAULT_KINDS, type FaultKind } from "../hardware/cost-model";
import type { CpuPreset } from "../hardware/cpu-presets";
import { diffMmuStats, type MmuStats, type TlbLevelStats } from "../hardware/mmu-stats";
import type { Mmu } from "../hardware/translation";
import { type KernelCounters, diffCounters } from "./counters";
import { requireProcess } from "./validate";
import type { Process } from "./process";

/** Cycles of a phase by cause; `total` is their sum. */
export type PhaseCycles = {
  /** Cycles of accesses whose translation hit the L1 TLB. */
  readonly l1Hit: number;
  /** Cycles of accesses that missed L1 and hit the second-level TLB. */
  readonly l2Hit: number;
  /** Cycles of page walks (after both TLB levels missed). */
  readonly walk: number;
  /** Cycles of read faults that mapped the zero page. */
  readonly zeroPageMap: number;
  /** Cycles of faults that allocated and zeroed a base page. */
  readonly minorFault: number;
  /** Cycles of faults that allocated and zeroed a huge page. */
  readonly hugeFault: number;
  /** Cycles of copy-on-write faults (a page copied). */
  readonly cowCopy: number;
  /** The sum of all the causes above. */
  readonly total: number;
};

/** What one phase of a program cost in address translation. */
export interface Phase {
  /** The phase's name, as given to measure(). */
  readonly label: string;
  /** The CPU preset whose TLBs translated. */
  readonly cpu: string;
  /** Data accesses translated (every element access of every run). */
  readonly accesses: number;
  /** Hits and misses of the data-side TLB levels, in total and by page size. */
  readonly tlb: {
    /** The L1 data TLB. */
    readonly l1d: TlbLevelStats;
    /** The second-level (unified) TLB. */
    readonly l2: TlbLevelStats;
  };
  /** Page walks: translations that missed every TLB level. */
  readonly walks: number;
  /** Page-table entries read from memory by the walks. */
  readonly walkRefs: number;
  /** Walk steps served by the paging-structure caches instead of memory. */
  readonly walkCacheHits: number;
  /** Faults the kernel resolved for this process, by kind, and their total. */
  readonly faults: Readonly<Record<FaultKind | "total", number>>;
  /** Modelled cycles by cause. */
  readonly cycles: PhaseCycles;
  /** Modelled cycles per translated access (cycles.total / accesses). */
  readonly cyclesPerAccess: number;
  /** The process's kernel counters over the phase (bytes zeroed and copied, THP fallbacks...). */
  readonly kernel: KernelCounters;
}

/** An MMU that keeps TLB statistics (TlbMmu, NaiveMmu). */
interface MeasurableMmu extends Mmu {
  readonly cpu: CpuPreset;
  snapshot(): MmuStats;
}

function measurable(mmu: Mmu): mmu is MeasurableMmu {
  const m = mmu as Partial<MeasurableMmu>;
  return typeof m.snapshot === "function" && typeof m.cpu === "object" && m.cpu !== null;
}

/** Splits the kernel's fault counters into the kinds the cost model charges: zero-page maps
 *  (REFERENCE §3.1, §3.4 huge zero page), THP faults (§3.4), COW copies (§3.2); every other
 *  fault allocated a base page (or only made one writable) and counts as minor. */
function faultsOf(k: KernelCounters): Record<FaultKind | "total", number> {
  return {
    zeroPage: k.zeroPageMaps,
    huge: k.thpFaults,
    cow: k.cowCopies,
    minor: k.minorFaults - k.zeroPageMaps - k.thpFaults - k.cowCopies,
    total: k.minorFaults,
  };
}

/**
 * Runs `fn` and returns what it cost `proc` in address translation: TLB hits and misses per
 * level, walks and their references, faults by kind, cycles by cause and per access. Needs a
 * machine whose MMU models TLBs (`new Machine({ cpu: "skylake" })`, or any Linux preset by default); the MMU counts every
 * process, so measure one process at a time.
 */
export function measure(proc: Process, fn: () => void, label = "phase"): Phase {
  requireProcess("measure", proc);
  if (typeof fn !== "function") throw new InvalidArgumentError(`measure: fn must be a function, got ${describeValue(fn)}`);
  if (typeof label !== "string" || label.length === 0) {
    throw new InvalidArgumentError(`measure: label must be a non-empty string, got ${describeValue(label)}`);
  }
  const mmu = proc.machine.mmu;
  if (!measurable(mmu)) {
    throw new UnsupportedError(
      'measure: this machine\'s MMU does not model TLBs; build the machine with a CPU, e.g. new Machine({ cpu: "skylake" })',
    );
  }
  const mmuBefore = mmu.snapshot();
  const kernelBefore = proc.counters;
  fn();
  const d = diffMmuStats(mmuBefore, mmu.snapshot());
  const kernel = diffCounters(proc.counters, kernelBefore);
  const faults = faultsOf(kernel);
  const costs = mmu.cpu.costs;
  const faultCycles = { zeroPageMap: 0, minorFault: 0, hugeFault: 0, cowCopy: 0 };
  for (const kind of FAULT_KINDS) faultCycles[FAULT_COST[kind]] += faults[kind] * costs[FAULT_COST[kind]];
  const total = d.cycles.total + faultCycles.zeroPageMap + faultCycles.minorFault + faultCycles.hugeFault + faultCycles.cowCopy;
  return {
    label,
    cpu: mmu.cpu.name,
    accesses: d.accesses,
    tlb: { l1d: d.tlb.l1d, l2: d.tlb.l2 },
    walks: d.walks,
    walkRefs: d.walkRefs,
    walkCacheHits: d.walkCacheHits,
    faults,
    cycles: { l1Hit: d.cycles.l1Hit, l2Hit: d.cycles.l2Hit, walk: d.cycles.walk, ...faultCycles, total },
    cyclesPerAccess: d.accesses === 0 ? 0 : total / d.accesses,
    kernel,
  };
}
