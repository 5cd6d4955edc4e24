// When the simulated twin agrees with the real process on one step: the real figures carry the
// interpreter's own activity (reading /proc, allocating objects), measured beforehand with `pass`,
// so VmRSS and minor faults get that much slack; huge pages are counted exactly.

/** The figures one step is judged on (the shape both sides share). */
export interface JudgedFigures {
  vmRssKb: number;
  anonHugeKb: number;
  minorFaults: number;
}

/** Per figure, whether the twin matches the real process on one step. */
export interface Agreement {
  /** |ΔVmRSS real - sim| <= the interpreter's VmRSS noise. */
  vmRss: boolean;
  /** AnonHugePages equal (real: above the interpreter's own). */
  anonHuge: boolean;
  /** |Δfaults real - sim| <= max(1% of the real count, the interpreter's fault noise). */
  minorFaults: boolean;
}

/** The slack each judged figure had on this step. */
export interface Tolerance {
  /** The VmRSS slack, kB: the interpreter's noise. */
  vmRssKb: number;
  /** The minor-fault slack: max(1% of the real count, the interpreter's noise). */
  minorFaults: number;
}

/** The relative slack on minor faults: page-table pages and the interpreter's allocations add a few. */
export const FAULT_TOLERANCE_FRACTION = 0.01;

/** Judges one step against the interpreter's measured noise. */
export function agreementOf(real: JudgedFigures, sim: JudgedFigures, noise: { vmRssKb: number; minorFaults: number }): { agrees: Agreement; tolerance: Tolerance } {
  const tolerance: Tolerance = {
    vmRssKb: Math.max(noise.vmRssKb, 0),
    minorFaults: Math.max(Math.floor(Math.abs(real.minorFaults) * FAULT_TOLERANCE_FRACTION), noise.minorFaults, 0),
  };
  return {
    agrees: {
      vmRss: Math.abs(real.vmRssKb - sim.vmRssKb) <= tolerance.vmRssKb,
      anonHuge: real.anonHugeKb === sim.anonHugeKb,
      minorFaults: Math.abs(real.minorFaults - sim.minorFaults) <= tolerance.minorFaults,
    },
    tolerance,
  };
}
