// Does the simulated twin predict this host? The calibration's four touches (a small read, a
// read in a huge-page range, a plain write, a madvised write) replayed on a simulated machine,
// region by region, against what the real kernel counted.
import { InvalidArgumentError, describeValue } from "../errors";
import { Machine } from "../kernel";
import { requireRecord, requireRegions } from "./records";
import { requireInteger } from "../validate";
import type { HostBehaviour, RegionEvidence } from "./host-behaviour";

/** The part of a calibration the replay needs: its mapping size and what each region showed. */
export type CalibrationRecord = Pick<HostBehaviour, "mappedBytes" | "regions">;

/** One calibration region replayed on the twin: the real kernel's figures, the twin's, and whether they agree. */
export interface TwinRegionCheck {
  /** Which calibration region. */
  region: RegionEvidence["region"];
  /** What the real kernel counted after the region's touch. */
  real: {
    /** Rss of the region's mapping, kB. */
    rssKb: number;
    /** AnonHugePages of the region's mapping, kB. */
    anonHugeKb: number;
  };
  /** What the twin counted after the same touch. */
  twin: {
    /** Rss of the region's mapping, kB. */
    rssKb: number;
    /** AnonHugePages of the region's mapping, kB. */
    anonHugeKb: number;
  };
  /** True when both figures are equal. */
  agrees: boolean;
}

/** What {@link checkTwin} returns: whether the twin predicts this host, region by region. */
export interface TwinCheck {
  /** True when every region agrees. */
  agrees: boolean;
  /** One check per calibration region. */
  regions: TwinRegionCheck[];
  /** The checks as a plain table, one line per region. */
  text: string;
}

const HUGE = 2 * 2 ** 20;

/** Replays the calibration layout on a fresh process of `machine` and returns smaps figures per region. */
function replay(machine: Machine, evidence: CalibrationRecord): Map<string, { rssKb: number; anonHugeKb: number }> {
  const proc = machine.spawn();
  try {
    const base = proc.mmap(evidence.mappedBytes);
    const aligned = Math.ceil(base / HUGE) * HUGE;
    const offset = aligned - base;
    const blocks = [aligned, aligned + HUGE, aligned + 2 * HUGE];
    const small = offset > 0 ? { at: base, length: offset } : { at: aligned + 3 * HUGE, length: HUGE };
    proc.madvise(small.at, small.length, "nohugepage");
    proc.madvise(blocks[0], HUGE, "hugepage");
    proc.madvise(blocks[2], HUGE, "hugepage");
    const plan: [RegionEvidence["region"], number, "read" | "write"][] = [
      ["read-small", small.at, "read"],
      ["read-huge", blocks[2], "read"],
      ["write-plain", blocks[1], "write"],
      ["write-huge", blocks[0], "write"],
      ["write-after-huge-read", blocks[2] + proc.pageSize, "write"],
    ];
    const out = new Map<string, { rssKb: number; anonHugeKb: number }>();
    // Each region is read right after its own touch, as the calibration did on the host.
    for (const [name, at, kind] of plan) {
      proc.touch(at, 1, kind);
      const entry = proc.smaps().find((e) => e.start <= at && at < e.end);
      out.set(name, { rssKb: entry?.Rss ?? 0, anonHugeKb: entry?.AnonHugePages ?? 0 });
    }
    return out;
  } finally {
    proc.exit();
  }
}

/** Compares the host's calibration evidence with the same touches on `machine` (its twin). */
export function checkTwin(machine: Machine, evidence: CalibrationRecord): TwinCheck {
  if (!(machine instanceof Machine)) throw new InvalidArgumentError(`checkTwin: machine must be a Machine, got ${describeValue(machine)}`);
  requireRecord("checkTwin", "evidence", evidence, { mappedBytes: "number", regions: "array" });
  // the replay lays out three aligned 2 MiB blocks and a small region, as the calibration did in its 8 MiB
  requireInteger("checkTwin", "evidence.mappedBytes", evidence.mappedBytes, 4 * HUGE, 2 ** 30, "[8 MiB, 1 GiB] (bytes; the calibration maps 8 MiB)");
  requireRegions("checkTwin", "evidence.regions", evidence.regions);
  const twin = replay(machine, evidence);
  const regions = evidence.regions.map((r): TwinRegionCheck => {
    const real = { rssKb: r.smapsRssKb ?? 0, anonHugeKb: r.smapsAnonHugePagesKb ?? 0 };
    const sim = twin.get(r.region) ?? { rssKb: 0, anonHugeKb: 0 };
    return { region: r.region, real, twin: sim, agrees: real.rssKb === sim.rssKb && real.anonHugeKb === sim.anonHugeKb };
  });
  const text = [
    "region | real Rss kB | twin Rss kB | real AnonHugePages kB | twin AnonHugePages kB",
    ...regions.map((r) => `${r.region} | ${r.real.rssKb} | ${r.twin.rssKb} | ${r.real.anonHugeKb} | ${r.twin.anonHugeKb}${r.agrees ? "" : "  <- differs"}`),
  ].join("\n");
  return { agrees: regions.every((r) => r.agrees), regions, text };
}
