// The probe of the real process: what the kernel actually did with this process's memory,
// read from /proc/self (Linux only; every call answers { ok: false, reason } elsewhere).
// This is the `probe` namespace of the package (`import { probe } from "pagelab"`). The host's
// twin has one public way in: `Machine.fromHost()` (this module installs it on Machine), and
// `probe.machineOptionsFor(facts)` for the options of recorded facts.
import "./from-host";
export { supported } from "./supported";
export { alloc } from "./alloc";
export { residency, frames, MAX_PAGES_PER_CALL } from "./residency";
export { residencySummary, MAX_SUMMARY_CELLS } from "./summary";
export { status, minorFaults } from "./counters";
export { smapsOf } from "./smaps";
export { hostFacts, findingsOf } from "./host";
export { behaviourFromEvidence, measureHostBehaviour } from "./host-behaviour";
export type { HostBehaviour, CalibrationEvidence, RegionEvidence, Finding, ReadFaultResult, HugeReadResult, HugeZeroWriteResult } from "./host-behaviour";
export type { Support } from "./supported";
export type { ProbedArray, ProbeTarget, TypedArrayConstructor } from "./alloc";
export type { Residency, ResidencyTotals, Frames } from "./residency";
export type { ResidencySummary, StateCounts } from "./summary";
export type { RealStatus, MinorFaults } from "./counters";
export type { RealSmapsEntry } from "./smaps";
export type { HostFacts } from "./host";
export type { ZeroPageDetection, HugeDetection } from "./classify";
export type { ProbeOptions, Unsupported } from "./options";
export type { MappingRange } from "./maps";
export { machineOptionsFor } from "./from-host";
export { checkTwin, type TwinCheck, type TwinRegionCheck, type CalibrationRecord } from "./twin-check";
export { compare, everyNthPage } from "./compare";
export type { CompareExperiment, CompareStep, CompareRow, Comparison, SideFigures } from "./compare";
export { snapshot, type RealSnapshot } from "./source";
export { compareNumpy } from "./compare-numpy";
export type { CompareNumpyOptions, NumpyComparison, NumpyCompareRow, NumpySideFigures, NumpyArrayFigures, SimulatedSide } from "./compare-numpy";
export { parseNumpyStatement, parseNumpyProgram, acceptedForms, MAX_LOOP_ITEMS } from "./numpy-statements";
export type { NumpyOp, NumpyOpKind, NumpyStatement, ArrayCreator } from "./numpy-statements";
export type { RealNumpyRun, RealStep, RealCounters, RealArray, RealPageCounts, RealOutcome, InterpreterNoise } from "./numpy-child";
export type { SimulatedNumpy, Placement } from "./numpy-twin";
export type { Agreement, Tolerance } from "./numpy-agreement";
export { measureLazyFree, lazyFreeExpected, LAZY_FREE_BATCH_PAGES } from "./lazy-free";
export type { LazyFreeRun, LazyFreeStep, LazyFreeExpectation, LazyFreeOptions } from "./lazy-free";
