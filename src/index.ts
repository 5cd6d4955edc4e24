// The public API of pagelab: what a notebook imports from "pagelab". Every name is listed here
// explicitly and described in README.md's "API" section; test/api/exports.test.ts holds the list,
// so a new export is a decision, not an accident. The layers' advanced parts are namespaces
// (hardware, kernel, libc, charts, probe); internals are not exported.

// The machine and its processes. `preset` names the OS platform, `cpu` the CPU.
export { Machine, PRESET_NAMES, PageState } from "./kernel";
export type {
  Process, MachineOptions, PresetName, ProcessStatus, Meminfo, KernelCounters, KernelEvent, Phase,
} from "./kernel";
export { CPU_NAMES, cpuPreset, customCpu, type CpuName, type CpuPreset, type CpuOverrides } from "./hardware";

// Runtimes in a simulated process.
export { numpy, node, libcOf, NDArray } from "./runtime";
export type { Numpy, NumpyOptions, NodeRuntime, DTypeName } from "./runtime";
export type { Allocator } from "./libc";

// Experiments measured on the simulated TLBs.
export { tlbReachExperiment, sweepExperiment } from "./runtime/experiments/tlb";
export type { ExperimentMachineOptions, ReachOptions, ReachResult, SweepOptions, SweepResult } from "./runtime/experiments/tlb";

// Charts and display: every factory is xxxChart(subject, options?: { title, ... }) -> Chart.
export {
  residencyHeatmapChart, arrayHeatmapChart, frameMapChart, memoryTimelineChart, pageTableChart,
  residencyComparisonChart, tlbHitsChart, tlbPhasesChart, cyclesByCauseChart, tlbReachChart,
} from "./charts";
export type { Chart, HeatmapChart, FrameMapChart, ChartOptions, TlbPhase, ResidencyPanel } from "./charts";
export { show, Claims, ClaimError } from "./display";

// Errors: every refusal is a PagelabError.
export {
  PagelabError, InvalidArgumentError, OutOfMemoryError, SegmentationFault, ProcessKilledError,
  ProcessExitedError, UseAfterFreeError, UnsupportedError, IndexError, ValueError, MemoryError,
  StepFailedError, type PagelabErrorKind,
} from "./errors";

// The advanced layers, as namespaces.
export * as hardware from "./hardware";
export * as kernel from "./kernel";
export * as libc from "./libc";
export * as charts from "./charts";
export * as probe from "./probe";
