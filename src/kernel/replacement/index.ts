// Page replacement as an experiment: policies over a reference string, the working-set curve,
// and where reference strings come from.

export {
  simulateReplacement, REPLACEMENT_POLICIES,
  type ReplacementPolicy, type ReplacementRun, type ReplacementStep, type ReplacementOptions,
} from "./simulate";
export { workingSetCurve, type WorkingSetCurve, type WorkingSetCurveOptions, type WorkingSetPoint } from "./curve";
export { referenceString, tracePages, MAX_TRACE_LENGTH, type ReferenceStringOptions } from "./trace";
