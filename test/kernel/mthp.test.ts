// REFERENCE §3.9: multi-size THP (hugepages-<size>kB/enabled, Linux 6.8+) and hosts that forbid
// the zero page: the fault takes the largest enabled size whose aligned range fits in the VMA
// with no populated PTE, else the next one down, else one base page.

import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { Machine, type MachineOptions, PageState } from "../../src/kernel";
import { MiB } from "./helpers";

const KiB = 1024;
const HUGE = 2 * MiB;

function mapped(options: MachineOptions, length = 8 * MiB) {
  const machine = new Machine(options);
  const proc = machine.spawn();
  const raw = proc.mmap(length + HUGE);
  const addr = Math.ceil(raw / HUGE) * HUGE; // a 2 MiB-aligned start, so sizes line up
  return { machine, proc, addr };
}

const residentPages = (proc: ReturnType<Machine["spawn"]>, addr: number, length: number) =>
  [...proc.pageStates(addr, length)].filter((s) => s === PageState.Resident).length;

describe("multi-size THP", () => {
  it("a size set to always backs a write with an aligned folio of that size, RSS counting every page", () => {
    const { machine, proc, addr } = mapped({ thp: "never", thpSizes: { 64: "always" } });
    proc.touch(addr + 5 * 4096, 1, "write"); // page 5 of the first 64 KiB
    expect(residentPages(proc, addr, 64 * KiB)).toBe(16);
    expect(residentPages(proc, addr + 64 * KiB, 64 * KiB)).toBe(0);
    expect(proc.status().VmRSS).toBe(64);
    expect(proc.smaps().find((e) => e.start <= addr && addr < e.end)).toMatchObject({ AnonHugePages: 0 });
    expect(proc.counters).toMatchObject({ minorFaults: 1, mthpFaults: 1, thpFaults: 0, kernelBytesZeroed: 64 * KiB });
    machine.check();
  });

  it("the largest enabled size wins", () => {
    const { machine, proc, addr } = mapped({ thpSizes: { 16: "always", 64: "always" } });
    proc.touch(addr + 70 * KiB, 1, "write"); // inside [64K, 128K)
    expect(residentPages(proc, addr, 256 * KiB)).toBe(16);
    expect(residentPages(proc, addr + 64 * KiB, 64 * KiB)).toBe(16);
    machine.check();
  });

  it("a populated PTE inside the largest size's range makes the fault take a smaller size", () => {
    const { machine, proc, addr } = mapped({ thpSizes: { 16: "always", 64: "always" } });
    proc.madvise(addr, 64 * KiB, "nohugepage");
    proc.touch(addr + 60 * KiB, 1, "write"); // one base page at page 15 (no THP in this VMA)
    proc.madvise(addr, 64 * KiB, "hugepage"); // THP allowed again; page 15 stays populated
    proc.touch(addr, 1, "write");
    // 64 KiB cannot be used (page 15 is populated), 16 KiB can: pages 0..3.
    expect([...proc.pageStates(addr, 64 * KiB)].map((s) => (s === PageState.Resident ? 1 : 0)).join("")).toBe(
      "1111" + "0".repeat(11) + "1",
    );
    expect(proc.counters.mthpFaults).toBe(1);
    machine.check();
  });

  it("a size whose aligned range leaves the VMA is skipped for a smaller one, else one page", () => {
    const machine = new Machine({ thpSizes: { 64: "always", 16: "always" } });
    const proc = machine.spawn();
    const raw = proc.mmap(4 * MiB);
    const addr = Math.ceil(raw / HUGE) * HUGE;
    proc.munmap(addr + 32 * KiB, 4 * MiB - (addr - raw) - 32 * KiB); // the VMA now ends 32 KiB past addr
    proc.touch(addr + 20 * KiB, 1, "write");
    expect(residentPages(proc, addr, 32 * KiB)).toBe(4); // 16 KiB at addr+16K: 64 KiB did not fit
    machine.check();
  });

  it("madvise sizes need MADV_HUGEPAGE, inherit follows the top-level mode, MADV_NOHUGEPAGE rules out all", () => {
    const sizes = { 64: "madvise", 32: "inherit" } as const;
    const plain = mapped({ thp: "never", thpSizes: sizes });
    plain.proc.touch(plain.addr, 1, "write");
    expect(plain.proc.status().VmRSS).toBe(4);
    const advised = mapped({ thp: "never", thpSizes: sizes });
    advised.proc.madvise(advised.addr, HUGE, "hugepage");
    advised.proc.touch(advised.addr, 1, "write");
    expect(advised.proc.status().VmRSS).toBe(64);
    const inherit = mapped({ thp: "always", thpSizes: { 2048: "never", 32: "inherit" } });
    inherit.proc.touch(inherit.addr, 1, "write");
    expect(inherit.proc.status().VmRSS).toBe(32); // the PMD size is off, 32 KiB inherits "always"
    const refused = mapped({ thp: "always", thpSizes: { 64: "always" } });
    refused.proc.madvise(refused.addr, HUGE, "nohugepage");
    refused.proc.touch(refused.addr, 1, "write");
    expect(refused.proc.status().VmRSS).toBe(4);
  });

  it("reads map the zero page and allocate nothing, whatever the sizes, on stock Linux", () => {
    const { machine, proc, addr } = mapped({ thpSizes: { 64: "always" } });
    proc.touch(addr, 1, "read");
    expect(proc.status().VmRSS).toBe(0);
    expect(proc.counters.zeroPageMaps).toBe(1);
    machine.check();
  });

  it("rejects sizes that are not powers of two between two pages and the PMD size, and unknown settings", () => {
    expect(() => new Machine({ thpSizes: { 48: "always" } })).toThrow(InvalidArgumentError);
    expect(() => new Machine({ thpSizes: { 4: "always" } })).toThrow(/power of two in KiB from 8 to 2048/);
    expect(() => new Machine({ thpSizes: { 4096: "always" } })).toThrow(InvalidArgumentError);
    expect(() => new Machine({ thpSizes: { 64: "sometimes" as never } })).toThrow(/thpSizes\[64\] must be one of/);
    expect(() => new Machine({ preset: "macos-arm64", thpSizes: { 64: "always" } })).toThrow(/must be "never"/);
    expect(() => new Machine({ thpSizes: [] as never })).toThrow(/thpSizes must be an object/);
  });
});

describe("a host that forbids the zero page (zeroPageOnRead and hugeZeroPage false)", () => {
  it("a read fault allocates a private zeroed page that RSS counts, and the later write reuses it", () => {
    const { machine, proc, addr } = mapped({ zeroPageOnRead: false, hugeZeroPage: false });
    proc.touch(addr, 1, "read");
    expect(proc.status().VmRSS).toBe(4);
    expect(proc.counters).toMatchObject({ minorFaults: 1, zeroPageMaps: 0 });
    proc.touch(addr, 1, "write");
    expect(proc.counters.minorFaults).toBe(1); // already writable: no second fault
    machine.check();
  });

  it("a read in a MADV_HUGEPAGE range allocates a whole huge page", () => {
    const { machine, proc, addr } = mapped({ zeroPageOnRead: false, hugeZeroPage: false });
    proc.madvise(addr, HUGE, "hugepage");
    proc.touch(addr, 1, "read");
    expect(proc.status().VmRSS).toBe(2048);
    expect(proc.smaps().find((e) => e.start === addr)).toMatchObject({ AnonHugePages: 2048 });
    machine.check();
  });

  it("a read takes an enabled multi-size THP like a write does (alloc_anon_folio)", () => {
    const { machine, proc, addr } = mapped({ zeroPageOnRead: false, hugeZeroPage: false, thpSizes: { 64: "always" } });
    proc.touch(addr, 1, "read");
    expect(proc.status().VmRSS).toBe(64);
    machine.check();
  });
});
