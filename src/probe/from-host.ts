// A simulated machine shaped like the host the notebook runs on: its page size, RAM, THP mode,
// overcommit mode and the nearest CPU preset, read from /proc and /sys by hostFacts().
import { Machine, type MachineOptions } from "../kernel";
import { tlbMmu } from "../hardware/mmu-factory";
import { UnsupportedError } from "../errors";
import { hostFacts } from "./host";
import type { ProbeOptions } from "./options";

/** The Machine options that describe this host; throws UnsupportedError off Linux. */
export function hostMachineOptions(options: ProbeOptions = {}): MachineOptions {
  const facts = hostFacts(options);
  if (!facts.ok) throw new UnsupportedError(`Machine.fromHost: ${facts.reason}`);
  const result: MachineOptions = { preset: facts.pageSize === 65536 ? "linux-arm64-64k" : "linux-x86_64", pageSize: facts.pageSize };
  if (facts.ramBytes !== null) result.ramBytes = Math.floor(facts.ramBytes / facts.pageSize) * facts.pageSize;
  if (facts.thp !== null) result.thp = facts.thp;
  if (facts.overcommit !== null) result.overcommit = facts.overcommit;
  result.mmu = tlbMmu(facts.nearestCpuPreset);
  return result;
}

/** A simulated machine built from this host's facts (page size, RAM, THP, overcommit, CPU). */
export function machineFromHost(overrides: MachineOptions = {}, options: ProbeOptions = {}): Machine {
  return new Machine({ ...hostMachineOptions(options), ...overrides });
}

declare module "../kernel/machine" {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Machine {
    /** A simulated machine built from this host's facts; throws UnsupportedError off Linux. */
    function fromHost(overrides?: MachineOptions): Machine;
  }
}

Object.defineProperty(Machine, "fromHost", {
  value: (overrides: MachineOptions = {}) => machineFromHost(overrides),
  configurable: true,
  writable: true,
});
