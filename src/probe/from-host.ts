// A simulated machine shaped like the host the notebook runs on: its page size, RAM, swap, THP
// mode and sizes, overcommit, the nearest CPU preset, and the fault behaviour the calibration
// measured (the zero page on read or a private page, the huge zero page or a whole huge page).
import { Machine, type MachineOptions } from "../kernel";
import { InvalidArgumentError, UnsupportedError, describeValue, isArray } from "../errors";
import { type HostFacts, hostFacts } from "./host";
import type { ProbeOptions } from "./options";
import { pmdBytesFor } from "../kernel/presets";
import { HOST_FACTS_FIELDS, requireBehaviour, requireRecord } from "./records";

/**
 * The Machine options that predict a host with these facts (pure: tests pass recorded facts).
 * Measured behaviour wins over settings; where nothing was measured, the settings decide and
 * stock Linux fills the gaps.
 */
export function machineOptionsFor(given: HostFacts): MachineOptions {
  const facts = requireRecord<HostFacts>("machineOptionsFor", "facts", given, HOST_FACTS_FIELDS);
  requireBehaviour("machineOptionsFor", facts.behaviour);
  const result: MachineOptions = { preset: facts.pageSize === 65536 ? "linux-arm64-64k" : "linux-x86_64", pageSize: facts.pageSize };
  if (facts.ramBytes !== null) result.ramBytes = Math.floor(facts.ramBytes / facts.pageSize) * facts.pageSize;
  if (facts.swapBytes !== null) result.swapBytes = Math.floor(facts.swapBytes / facts.pageSize) * facts.pageSize;
  if (facts.thp !== null) result.thp = facts.thp;
  if (facts.overcommit !== null) result.overcommit = facts.overcommit;
  if (facts.overcommitRatio !== null) result.overcommitRatio = facts.overcommitRatio;
  const b = facts.behaviour;
  // A host that forbids the zero page forbids both sizes of it (mm_forbids_zeropage, REFERENCE §3.9).
  const zeroPageOnRead = b.ok ? b.readFault.result === "zero-page" : true;
  result.zeroPageOnRead = zeroPageOnRead;
  if (b.ok && b.hugeRangeRead.result !== "small-pages") result.hugeZeroPage = b.hugeRangeRead.result === "huge-zero-page";
  else result.hugeZeroPage = zeroPageOnRead && facts.useZeroPage !== false;
  if (b.ok && b.hugeZeroWrite.result !== "no-huge-zero-page") result.thpOnHugeZeroWrite = b.hugeZeroWrite.result === "huge-page";
  const pmdKiB = pmdBytesFor(facts.pageSize) / 1024;
  const sizes = Object.entries(facts.thpSizes).filter(([kib, setting]) => {
    const k = Number(kib);
    return k * 1024 >= 2 * facts.pageSize && k <= pmdKiB && setting !== (k === pmdKiB ? "inherit" : "never");
  });
  if (sizes.length > 0) result.thpSizes = Object.fromEntries(sizes.map(([kib, setting]) => [Number(kib), setting]));
  result.cpu = facts.nearestCpuPreset;
  return result;
}

/**
 * A stock Linux machine (the linux-x86_64 preset's rules) with `twin`'s page size and RAM: the
 * textbook beside the twin. @internal
 */
export function stockMachineLike(twin: Machine): Machine {
  return new Machine({ pageSize: twin.preset.pageSize, ramBytes: twin.preset.ramBytes });
}

/**
 * The Machine options that describe this host; throws UnsupportedError off Linux.
 * @internal Public ways in: Machine.fromHost() for the twin, probe.machineOptionsFor(facts) for options.
 */
export function hostMachineOptions(options: ProbeOptions = {}): MachineOptions {
  const facts = hostFacts(options);
  if (!facts.ok) throw new UnsupportedError(`Machine.fromHost: ${facts.reason}`);
  return machineOptionsFor(facts);
}

/**
 * A simulated machine built from this host's facts and measured fault behaviour.
 * @internal Public way in: Machine.fromHost(overrides).
 */
export function machineFromHost(overrides: MachineOptions = {}, options: ProbeOptions = {}): Machine {
  // checked before the host is read: a spread number or null would vanish silently
  if (overrides === null || typeof overrides !== "object" || isArray(overrides)) {
    throw new InvalidArgumentError(`Machine.fromHost(overrides): overrides must be an object of Machine options, got ${describeValue(overrides)}`);
  }
  const facts = hostFacts(options);
  if (!facts.ok) throw new UnsupportedError(`Machine.fromHost: ${facts.reason}`);
  const machine = new Machine({ ...machineOptionsFor(facts), ...overrides });
  // khugepaged/max_ptes_none is a sysfs knob rather than a machine option: the twin's khugepaged
  // takes the host's value where its huge page has room for it (REFERENCE §9.5)
  const entries = machine.hugePageBytes / machine.preset.pageSize;
  if (facts.maxPtesNone !== null && facts.maxPtesNone < entries) machine.khugepaged.maxPtesNone = facts.maxPtesNone;
  return machine;
}

declare module "../kernel/machine" {
  /** The static members other modules add to {@link Machine} (Machine.fromHost, from the probe). */
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Machine {
    /**
     * The host's twin: a simulated machine built from this host's facts and its measured fault
     * behaviour (see probe.hostFacts), with `overrides` on top; throws UnsupportedError off Linux.
     * @example
     * ```ts
     * const twin = Machine.fromHost();                  // this host's page size, THP, CPU, fault rules
     * const small = Machine.fromHost({ ramBytes: 2 ** 30 });
     * const a = numpy(twin.spawn()).zeros(2 ** 28);
     * ```
     */
    function fromHost(overrides?: MachineOptions): Machine;
  }
}

Object.defineProperty(Machine, "fromHost", {
  value: (overrides: MachineOptions = {}) => machineFromHost(overrides),
  configurable: true,
  writable: true,
});
