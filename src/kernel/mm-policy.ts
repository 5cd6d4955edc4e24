// The few points where the kernel's memory management depends on whether the platform has an MMU
// (Linux builds mm/memory.c and mm/mmap.c with CONFIG_MMU, mm/nommu.c without). The kernel files
// are written for the MMU case and ask the machine's policy only here; the other policy lives in
// nommu.ts. A machine picks its policy once, from its preset, when it is built.

import type { Machine } from "./machine";
import { NOMMU_POLICY, runsWithoutMmu } from "./nommu";
import type { Preset } from "./presets";
import type { Process } from "./process";

export interface MmPolicy {
  /** "mmu": demand paging through hardware page tables (Linux); "nommu": see nommu.ts. */
  readonly name: "mmu" | "nommu";
  /**
   * Called by mmap and brk for a new private range [start, end), placed and charged, before its
   * VMA is added. MMU: nothing, the pages fault in on first touch (fault.ts).
   */
  populateAtMap(machine: Machine, proc: Process, call: "mmap" | "brk", start: number, end: number): void;
  /** Throws UnsupportedError when the platform cannot fork (copy an address space). */
  checkFork(): void;
  /** Transparent huge pages may back memory (where the preset has them and THP is enabled). */
  readonly hugePages: boolean;
  /**
   * Page tables are the MMU's: each table page is a frame of RAM (PageTables, VmPTE, frames
   * machine.check() finds owned). False: the tables only record which frame backs which address.
   */
  readonly tablesInRam: boolean;
  /**
   * A mapped page's entry can change while its VMA lives: mprotect rewrites the entries (and
   * flushes the TLB), MADV_DONTNEED drops the pages to fault in zeroed again.
   */
  readonly remapsPages: boolean;
  /** The default MMU models the platform's CPU and its TLBs (false: a table walker without TLBs). */
  readonly tlbs: boolean;
}

/** Linux with an MMU: nothing is backed before it is touched, and every feature is there. */
export const MMU_POLICY: MmPolicy = Object.freeze({
  name: "mmu",
  populateAtMap(): void {},
  checkFork(): void {},
  hugePages: true,
  tablesInRam: true,
  remapsPages: true,
  tlbs: true,
});

/** Returns the policy of a machine built from `preset`. */
export function mmPolicyOf(preset: Readonly<Preset>): MmPolicy {
  return runsWithoutMmu(preset) ? NOMMU_POLICY : MMU_POLICY;
}
