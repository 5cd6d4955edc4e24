// The page states the probe reports, numbered as the simulator numbers them so a real residency
// and a simulated one feed the same summaries and charts.

export const ProbePageState = {
  Untouched: 0,
  ZeroPage: 1,
  Resident: 2,
  Huge: 3,
  HugeZero: 4,
  Swapped: 5,
  Unmapped: 6,
} as const;

export type ProbePageState = (typeof ProbePageState)[keyof typeof ProbePageState];

/** Number of distinct page states (the length of a per-state count table). */
export const PROBE_PAGE_STATE_COUNT = 7;
