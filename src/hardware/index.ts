// The hardware layer as the package exports it (the `hardware` namespace: `import { hardware }
// from "pagelab"`): CPU presets and their TLB geometry and costs, the MMU models a machine can be
// built with (`new Machine({ mmu: hardware.tlbMmu("zen2") })`), their statistics, and the
// translation contract a custom MMU implements. Physical memory, its frame allocator and the
// seeded permutation are internals of the kernel's machine and are not exported.
export {
  CPU_NAMES, DEFAULT_CPU, cpuPreset, customCpu, validateCpu,
  type CpuName, type CpuOverrides, type CpuPreset,
} from "./cpu-presets";
export { COST_NAMES, FAULT_COST, FAULT_KINDS, type CostModel, type CostName, type FaultKind } from "./cost-model";
export { PAGE_SHIFTS, pageSizeName, type PageSizeName, type ReplacementPolicy, type TlbConfig, type WalkCacheConfig } from "./tlb-geometry";
export { DEFAULT_CPU_FOR_PLATFORM, tlbMmu, type MachineShape } from "./mmu-factory";
export { TlbMmu } from "./mmu";
export { NaiveMmu } from "./naive-mmu";
export { SimpleMmu } from "./simple-mmu";
export { Tlb } from "./tlb";
export { TlbLevel } from "./tlb-level";
export { WalkCache } from "./walk-cache";
export { diffMmuStats, type MmuStats, type TlbCounts, type TlbLevelName, type TlbLevelStats, type TranslationCycles } from "./mmu-stats";
export type { AccessKind, FaultHandler, Leaf, Mmu, PageTableWalker, WalkResult } from "./translation";
