// The no-MMU platform is one policy module (src/kernel/nommu.ts, as Linux keeps mm/nommu.c apart):
// the other kernel files are written for the MMU and ask the machine's policy where the two differ.

import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UnsupportedError } from "../../src/errors";
import { SimpleMmu } from "../../src/hardware/simple-mmu";
import { Machine, PRESET_NAMES } from "../../src/kernel";
import { MMU_POLICY } from "../../src/kernel/mm-policy";
import { NOMMU_POLICY } from "../../src/kernel/nommu";
import { MiB } from "./helpers";

const src = path.resolve(__dirname, "../../src");
const NO_MMU_WORDS = /\beager\b|nommu|no[- ]mmu|without an mmu/i;

/** Every line of src/kernel and src/hardware naming the no-MMU platform, as "file: line". */
function mentions(): string[] {
  const found: string[] = [];
  for (const dir of ["kernel", "hardware"]) {
    for (const name of readdirSync(path.join(src, dir)).filter((n) => n.endsWith(".ts"))) {
      const lines = readFileSync(path.join(src, dir, name), "utf8").split("\n");
      // Comments may name the platform (a TSDoc line saying what an option is for); code may not.
      const code = lines.filter((line) => !/^\s*(\/\/|\/\*\*|\*)/.test(line));
      for (const line of code) if (NO_MMU_WORDS.test(line)) found.push(`${dir}/${name}: ${line.trim()}`);
    }
  }
  return found;
}

describe("the no-MMU policy module", () => {
  it("is the only kernel file that names the platform, beyond its preset, its option and the one place that selects it", () => {
    const allowed = (mention: string): boolean => {
      const [file, line] = [mention.slice(0, mention.indexOf(": ")), mention.slice(mention.indexOf(": ") + 2)];
      if (file === "kernel/nommu.ts") return true; // the policy itself
      if (file === "kernel/presets.ts") return true; // the "eager" preset and its field
      if (file === "kernel/machine.ts") return line === "eager?: boolean;" || /^"[^"]+",.* "eager",/.test(line); // the Machine option, passed to the preset
      // mm-policy.ts declares the seam and picks the policy from the preset, once per machine
      if (file === "kernel/mm-policy.ts") return !/\.eager\b/.test(line);
      return false;
    };
    expect(mentions().filter((m) => !allowed(m))).toEqual([]);
  });

  it("is imported only by the policy seam", () => {
    const importers: string[] = [];
    for (const dir of ["kernel", "hardware", "libc", "runtime", "probe", "display", "charts"]) {
      let names: string[] = [];
      try {
        names = readdirSync(path.join(src, dir)).filter((n) => n.endsWith(".ts"));
      } catch {
        continue;
      }
      for (const name of names) {
        if (/from "\.{1,2}\/(kernel\/)?nommu"/.test(readFileSync(path.join(src, dir, name), "utf8"))) importers.push(`${dir}/${name}`);
      }
    }
    expect(importers).toEqual(["kernel/mm-policy.ts"]);
  });

  it("is chosen once per machine: no MMU for the eager preset or option, the MMU policy for every other platform", () => {
    for (const name of PRESET_NAMES) {
      expect(new Machine({ preset: name, ramBytes: 64 * MiB }).policy).toBe(name === "eager" ? NOMMU_POLICY : MMU_POLICY);
    }
    expect(new Machine({ preset: "linux-x86_64", ramBytes: 64 * MiB, eager: true }).policy).toBe(NOMMU_POLICY);
    expect(new Machine({ preset: "eager", ramBytes: 64 * MiB, eager: false }).policy).toBe(MMU_POLICY);
  });

  it("makes every difference on a Linux preset given eager: true (THP, TLBs and all otherwise)", () => {
    const machine = new Machine({ preset: "linux-x86_64", ramBytes: 64 * MiB, eager: true, thp: "always", overcommit: 1 });
    expect(machine.mmu).toBeInstanceOf(SimpleMmu); // no TLBs to model
    const proc = machine.spawn();
    const free = machine.meminfo().MemFree;
    const addr = proc.mmap(4 * MiB);
    // backed and cleared at mmap, no page tables in RAM
    expect(proc.status()).toMatchObject({ VmRSS: 4096, VmPTE: 0 });
    expect(free - machine.meminfo().MemFree).toBe(4096);
    expect(machine.meminfo().PageTables).toBe(0);
    expect(proc.counters.kernelBytesZeroed).toBe(4 * MiB);
    // no faults and no huge pages, even with THP "always"
    proc.memset(addr, 7, 4 * MiB);
    expect(proc.counters.minorFaults).toBe(0);
    expect(proc.counters.thpFaults).toBe(0);
    expect(proc.smaps()[0]).toMatchObject({ AnonHugePages: 0, THPeligible: 0 });
    // pages stay as mapped: mprotect changes the VMA only (no write fault to take afterwards),
    // MADV_DONTNEED drops nothing
    proc.mprotect(addr, 4 * MiB, "read");
    expect(proc.vmas()[0].prot).toBe("read");
    proc.mprotect(addr, 4 * MiB, "read-write");
    proc.memset(addr, 8, 4096);
    expect(proc.counters.minorFaults).toBe(0);
    proc.madvise(addr, 4 * MiB, "dontneed");
    expect(proc.status().VmRSS).toBe(4096);
    expect(proc.read(addr, 1)[0]).toBe(8);
    // what RAM cannot hold now is refused now, whatever the overcommit mode; no fork
    expect(() => proc.mmap(62 * MiB)).toThrowError(/mmap: cannot allocate memory: .*no MMU/);
    expect(() => proc.sbrk(62 * MiB)).toThrowError(/brk: cannot allocate memory: .*no MMU/);
    expect(() => proc.fork()).toThrowError(UnsupportedError);
    machine.check();
  });

  it("leaves the same Linux preset demand-paged without it", () => {
    const machine = new Machine({ preset: "linux-x86_64", ramBytes: 64 * MiB, thp: "always" });
    const proc = machine.spawn();
    const addr = proc.mmap(4 * MiB);
    expect(proc.status().VmRSS).toBe(0);
    proc.memset(addr, 7, 4 * MiB);
    expect(proc.counters.thpFaults).toBe(2);
    expect(proc.status().VmPTE).toBeGreaterThan(0);
    proc.mprotect(addr, 4 * MiB, "read");
    proc.mprotect(addr, 4 * MiB, "read-write");
    proc.memset(addr, 8, 4096);
    expect(proc.counters.minorFaults).toBeGreaterThan(0); // write permission comes back by a fault
    proc.madvise(addr, 4 * MiB, "dontneed");
    expect(proc.status().VmRSS).toBe(0);
    expect(() => proc.fork()).not.toThrow();
    machine.check();
  });
});
