// The public API of pagelab: what a notebook imports from "pagelab". Every name is listed here
// explicitly and described in README.md's "API" section; test/api/exports.test.ts holds the list,
// so a new export is a decision, not an accident. The layers' advanced parts are namespaces
// (hardware, kernel, libc, charts, probe, capture, exercises); internals are not exported.

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

// Charts and display: every factory is xxxChart(subject, ...args, options?: { title, ... }) -> Chart.
export {
  residencyHeatmapChart, arrayHeatmapChart, frameMapChart, memoryTimelineChart, pageTableChart,
  residencyComparisonChart, tlbHitsChart, tlbPhasesChart, cyclesByCauseChart, tlbReachChart, residencyStepsChart,
  workingSetChart,
} from "./charts";
export type { Chart, HeatmapChart, FrameMapChart, ChartOptions, TlbPhase, ResidencyPanel } from "./charts";
export { show, Claims, ClaimError } from "./display";

// Errors: every refusal is a PagelabError.
export {
  PagelabError, InvalidArgumentError, OutOfMemoryError, SegmentationFault, ProcessKilledError,
  ProcessExitedError, UseAfterFreeError, HeapCorruptionError, InternalCheckError, UnsupportedError,
  IndexError, ValueError, MemoryError, StepFailedError, type PagelabErrorKind,
} from "./errors";

// The advanced layers, as namespaces.
/**
 * The simulated hardware: physical memory, the CPU presets with their TLBs and paging-structure
 * caches, the MMU that translates every access, and the cost model that turns its statistics into
 * cycles.
 */
export * as hardware from "./hardware";
/**
 * The Linux-like kernel: the machine, processes and their system calls, page tables, faults, fork,
 * the platform presets and the kernel's accounting views (status, smaps, meminfo, page states).
 */
export * as kernel from "./kernel";
/**
 * The C allocators over a process's system calls: glibc's ptmalloc (arenas, bins, tcache, mmap
 * threshold), the Windows heap and the eager no-MMU allocator, with mallopt parameters and heap
 * inspection.
 */
export * as libc from "./libc";
/**
 * Every chart factory and its option and data types: Vega-Lite specs with a PNG fallback, drawn
 * from a machine, a process or an array.
 */
export * as charts from "./charts";
/**
 * The real process beside the simulation: facts about this host (page size, THP, CPU), the
 * residency of real memory from /proc/self/pagemap, and comparisons of a real run (Node or Python
 * numpy) with the simulated twin step by step.
 */
export * as probe from "./probe";
/**
 * Exercises you can grade, drawn from a seed like OSTEP's homework simulators: `exercise(kind,
 * { seed, difficulty })`, its `check(answer)` and `solution()` (computed on the simulator), and
 * `problemSet(kinds, seeds, options)` for a class, as Markdown or HTML.
 */
export * as exercises from "./exercises";
/**
 * A real program's memory, explained: `capture(argv)` records its allocations (with Python line
 * numbers or native frames), memory system calls and resident pages into a file; `load(file)`
 * reads it as a stream; `replay(capture)` drives the simulated glibc with the same calls and
 * attributes every real resident page to the call site that allocated it.
 */
export * as capture from "./capture";
