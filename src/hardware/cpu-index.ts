// The CPU side of the hardware layer: TLBs, page walks with walk caches, CPU presets and the
// cost model, the TLB-modelling MMU and its naive reference.
export {
  CPU_NAMES, DEFAULT_CPU, cpuPreset, customCpu, resolveCpu, validateCpu,
  type CpuName, type CpuOverrides, type CpuPreset,
} from "./cpu-presets";
export { COST_NAMES, FAULT_COST, FAULT_KINDS, type CostModel, type CostName, type FaultKind } from "./cost-model";
export { PAGE_SHIFTS, pageSizeName, type PageSizeName, type ReplacementPolicy, type TlbConfig, type WalkCacheConfig } from "./tlb-geometry";
export { Tlb } from "./tlb";
export { TlbLevel } from "./tlb-level";
export { WalkCache } from "./walk-cache";
export { TlbMmu, MAX_FAULTS_PER_ACCESS } from "./mmu";
export { NaiveMmu } from "./naive-mmu";
export { DEFAULT_CPU_FOR_PLATFORM, tlbMmu, type MachineShape } from "./mmu-factory";
export { diffMmuStats, type MmuStats, type TlbCounts, type TlbLevelName, type TlbLevelStats, type TranslationCycles } from "./mmu-stats";
