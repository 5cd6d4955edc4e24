// The kernel's public surface: the machine, its processes and their accounting types.

export { Machine, type MachineOptions } from "./machine";
export { Process, MAX_READ_BYTES, type VmaInfo } from "./process";
export { PRESET_NAMES, getPreset, type OsFamily, type OvercommitMode, type Preset, type PresetName, type ThpMode, type ThpSizeSetting } from "./presets";
export { PageState, PAGE_STATE_COUNT, MAX_PAGE_STATES, type ResidencySummary } from "./page-state";
export type { ProcessStatus, SmapsEntry } from "./accounting";
export type { Meminfo } from "./meminfo";
export type { KernelCounters } from "./counters";
export type { KernelEvent, FaultSummary } from "./events";
export type { MmapOptions } from "./mmap";
export type { Advice } from "./protect";
export type { AccessOptions, PageVisitor } from "./access";
export type { Prot } from "./vma";
export { measure, type Phase, type PhaseCycles } from "./measure";
export type { Vmstat, Watermarks } from "./reclaim";
export type { Khugepaged, KhugepagedScan } from "./khugepaged";
export {
  simulateReplacement, workingSetCurve, referenceString, tracePages, REPLACEMENT_POLICIES, MAX_TRACE_LENGTH,
  type ReplacementPolicy, type ReplacementRun, type ReplacementStep, type ReplacementOptions,
  type WorkingSetCurve, type WorkingSetCurveOptions, type WorkingSetPoint, type ReferenceStringOptions,
} from "./replacement";
