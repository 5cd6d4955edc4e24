// The real program's layer: capture what a program allocates, which memory system calls it makes
// and which pages are resident, into a file; load it back as a stream; replay it on the simulated
// machine and attribute the real resident pages to call sites. This is the `capture` namespace
// of the package (`import { capture } from "pagelab"`).

export {
  capture,
  type CaptureOptions, type CaptureProgress, type CaptureResult, type RunningProgress, type WritingProgress, type DoneProgress,
} from "./run";
export { load, STARTUP_SITE, type Capture, type CaptureSummary } from "./load";
export {
  CAPTURE_MAGIC, CAPTURE_VERSION,
  type CaptureMeta, type CaptureRecord, type SyscallRecord, type SyncKind, type PageRun,
  type SiteRecord, type TimeRecord, type AllocRecord, type FreeRecord, type SyncRecord, type SampleRecord, type ExitRecord,
  type MmapRecord, type MunmapRecord, type BrkRecord, type MremapRecord, type MadviseRecord, type MprotectRecord,
} from "./format";
export { CaptureFileError, CaptureFormatError, CaptureToolMissingError } from "./errors";
export { captureUnavailable, INSTALL_COMMAND } from "./tools";
export { replay, siteLabel, type Replay, type ReplayOptions, type ReplaySample, type SegmentCheck, type SiteRow, type BrkGrowth } from "./replay";
export { HELD_BY_MALLOC, OTHER_ANONYMOUS, type SiteRun } from "./attribute";
