// A TlbMmu walks the page tables kept in its own core inside WebAssembly (assembly/page-walk.ts);
// tables elsewhere it walks in JavaScript. Both must count exactly what the naive reference
// counts, on the kernel's real page tables: random mappings, faults, copy-on-write after fork,
// huge pages, protections, unmaps and exits.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Machine, type Process, type ThpMode } from "../../src/kernel";
import { tlbMmu } from "../../src/hardware/mmu-factory";
import { TlbMmu } from "../../src/hardware/mmu";
import { NaiveMmu } from "../../src/hardware/naive-mmu";
import { cpuPreset, type CpuName } from "../../src/hardware/cpu-presets";
import type { Mmu } from "../../src/hardware/translation";
import { SegmentationFault } from "../../src/errors";

const PAGE = 4096;
const HUGE = 2 ** 21;

type Op =
  | { op: "mmap"; who: number; pages: number }
  | { op: "access"; who: number; pick: number; page: number; pages: number; kind: "read" | "write"; repeats: number }
  | { op: "madvise"; who: number; pick: number; advice: "hugepage" | "dontneed" }
  | { op: "mprotect"; who: number; pick: number; page: number; prot: "read" | "read-write" | "none" }
  | { op: "munmap"; who: number; pick: number; page: number; pages: number }
  | { op: "fork"; who: number }
  | { op: "exit"; who: number }
  | { op: "flush"; who: number }
  | { op: "translate"; who: number; pick: number; page: number; kind: "read" | "write" };

const who = fc.nat(3);
const pick = fc.nat(20);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("mmap" as const), who, pages: fc.constantFrom(1, 3, 16, 512, 1024, 1536) }) },
  { weight: 8, arbitrary: fc.record({
    op: fc.constant("access" as const), who, pick, page: fc.nat(1535), pages: fc.integer({ min: 1, max: 40 }),
    kind: fc.constantFrom("read" as const, "write" as const), repeats: fc.constantFrom(1, 1, 3, 512),
  }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("madvise" as const), who, pick, advice: fc.constantFrom("hugepage" as const, "dontneed" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("mprotect" as const), who, pick, page: fc.nat(1535), prot: fc.constantFrom("read" as const, "read-write" as const, "none" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("munmap" as const), who, pick, page: fc.nat(1535), pages: fc.integer({ min: 1, max: 600 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("fork" as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("exit" as const), who }) },
  // a context switch without PCIDs: the next accesses walk tables the directory already knows
  { weight: 2, arbitrary: fc.record({ op: fc.constant("flush" as const), who }) },
  // the MMU asked directly, past the kernel's checks of the mapping (a PROT_NONE page included)
  { weight: 2, arbitrary: fc.record({ op: fc.constant("translate" as const), who, pick, page: fc.nat(1535), kind: fc.constantFrom("read" as const, "write" as const) }) },
);

/** An MMU seen only through the Mmu interface: without `core`, so the kernel's page tables go
 *  in a core of the machine's own and the TlbMmu inside walks them in JavaScript. */
function hidingCore(inner: Mmu): Mmu {
  return {
    translate: (...args) => inner.translate(...args),
    invalidateRange: (asid, start, length) => inner.invalidateRange(asid, start, length),
    invalidateAsid: (asid) => inner.invalidateAsid(asid),
  };
}

/** One machine and its processes' mappings, driven by the ops. */
class World {
  readonly procs: Process[] = [];
  readonly regions = new Map<Process, [number, number][]>();

  constructor(readonly machine: Machine) {
    const first = machine.spawn();
    this.procs.push(first);
    this.regions.set(first, []);
  }

  private proc(n: number): Process | null {
    const live = this.procs.filter((p) => p.alive);
    return live.length === 0 ? null : live[n % live.length];
  }

  /** Applies one op; returns what it observed (a leaf's frame, or the error's name). */
  apply(op: Op): string {
    const proc = this.proc(op.who);
    if (!proc) return "none";
    const list = this.regions.get(proc) as [number, number][];
    try {
      if (op.op === "mmap") {
        // 2 MiB-aligned starts, so THP can map huge pages
        const start = proc.mmap(op.pages * PAGE + HUGE, { prot: "read-write" });
        const aligned = Math.ceil(start / HUGE) * HUGE;
        list.push([aligned, op.pages * PAGE]);
        return "mapped";
      }
      if (op.op === "fork") {
        const child = proc.fork();
        this.procs.push(child);
        this.regions.set(child, list.map(([s, l]) => [s, l]));
        return `forked ${child.pid}`;
      }
      if (op.op === "flush") {
        this.machine.mmu.invalidateAsid(proc.pid);
        return "flushed";
      }
      if (op.op === "exit") {
        if (this.procs.filter((p) => p.alive).length === 1) return "kept";
        proc.exit();
        return "exited";
      }
      if (list.length === 0) return "no region";
      const [start, length] = list[op.pick % list.length];
      const pages = length / PAGE;
      if (op.op === "madvise") {
        proc.madvise(start, length, op.advice);
        return op.advice;
      }
      const page = op.page % pages;
      if (op.op === "mprotect") {
        proc.mprotect(start + page * PAGE, PAGE, op.prot);
        return op.prot;
      }
      if (op.op === "translate") {
        const leaf = this.machine.mmu.translate(proc.pid, proc.mm.pageTable, start + page * PAGE, op.kind, 1, proc.faultHandler);
        return `${leaf.pfn}/${leaf.pageShift}/${leaf.writable}/${leaf.zeroPage}`;
      }
      const count = Math.min(op.pages, pages - page);
      if (op.op === "munmap") {
        proc.munmap(start + page * PAGE, count * PAGE);
        return "unmapped";
      }
      const frames: number[] = [];
      proc.accessPages(start + page * PAGE, count * PAGE, op.kind, (pfn, offset) => frames.push(pfn, offset), { elementSize: (PAGE / op.repeats) | 0 || 1 });
      // the translation itself, as the TLB holds it (frame, page size, write and zero-page flags)
      const leaf = this.machine.mmu.translate(proc.pid, proc.mm.pageTable, start + page * PAGE, "read", 1, proc.faultHandler);
      return `${frames.join(",")} ${leaf.pfn}/${leaf.pageShift}/${leaf.writable}/${leaf.zeroPage}`;
    } catch (error) {
      if (error instanceof SegmentationFault) return "SIGSEGV";
      if (error instanceof Error && /not fully mapped|overlaps no mapping/.test(error.message)) return "unmapped range";
      throw error;
    }
  }
}

function statsOf(mmu: Mmu): unknown {
  return mmu instanceof TlbMmu || mmu instanceof NaiveMmu ? mmu.stats : null;
}

describe("a TlbMmu walking its own core's page tables counts what the references count", () => {
  it("random kernel workloads: in the core, in JavaScript and the naive reference agree access for access", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CpuName>("skylake", "zen2", "golden-cove"), fc.constantFrom<ThpMode>("never", "madvise", "always"), fc.boolean(),
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        (cpu, thp, zeroPageOnRead, ops) => {
          let inJs: TlbMmu | null = null;
          const options = { thp, zeroPageOnRead, seed: 3 };
          const inCore = new World(new Machine({ ...options, mmu: tlbMmu(cpu) }));
          const viaJs = new World(new Machine({ ...options, mmu: (m) => hidingCore((inJs = tlbMmu(cpu)(m))) }));
          const naive = new World(new Machine({ ...options, mmu: () => new NaiveMmu(cpuPreset(cpu)) }));
          const core = (inCore.machine.mmu as TlbMmu).core;
          expect(inCore.procs[0].mm.pageTable.walkTables.core).toBe(core); // the walk runs in the core
          expect((viaJs.procs[0].mm.pageTable.walkTables.core)).not.toBe((inJs as unknown as TlbMmu).core);
          for (const op of ops) {
            const expected = naive.apply(op);
            expect(inCore.apply(op)).toBe(expected);
            expect(viaJs.apply(op)).toBe(expected);
          }
          const reference = statsOf(naive.machine.mmu);
          expect(statsOf(inCore.machine.mmu)).toEqual(reference);
          expect(statsOf(inJs as unknown as TlbMmu)).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a random sweep over 64 MiB walks in the core, never in JavaScript: every TLB miss is a walk, the same as in JavaScript", () => {
    /** Runs the sweep after prefaulting; returns the machine and the walks JavaScript made during it. */
    const run = (mmu: (m: Machine) => Mmu) => {
      const machine = new Machine({ mmu });
      const proc = machine.spawn();
      const base = proc.mmap(64 * 2 ** 20);
      proc.touch(base, 64 * 2 ** 20, "write");
      const pages = (64 * 2 ** 20) / PAGE;
      const pageTable = proc.mm.pageTable;
      const walk = pageTable.walk.bind(pageTable);
      let jsWalks = 0;
      pageTable.walk = (vaddr) => (jsWalks++, walk(vaddr));
      let x = 7;
      for (let i = 0; i < 20_000; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        proc.accessPages(base + (x % pages) * PAGE, 8, i % 2 === 0 ? "read" : "write");
      }
      return { machine, jsWalks };
    };
    let inJs: TlbMmu | null = null;
    const inCore = run(tlbMmu("skylake"));
    const viaJs = run((m) => hidingCore((inJs = tlbMmu("skylake")(m))));
    const stats = (inCore.machine.mmu as TlbMmu).stats;
    expect(stats.walks).toBeGreaterThan(15_000); // random pages over 64 MiB miss the STLB
    expect(stats).toEqual((inJs as unknown as TlbMmu).stats);
    // The prefault's walks filled the directory for all 32 PMDs: the core finishes every walk.
    expect(inCore.jsWalks).toBe(0);
    expect(viaJs.jsWalks).toBeGreaterThan(15_000);
  });

  it("a huge page walked in the core after a flush reads the PGD, PUD and PMD entries, and finds the huge frame", () => {
    const machine = new Machine({ thp: "always", mmu: tlbMmu("skylake") });
    const mmu = machine.mmu as TlbMmu;
    const proc = machine.spawn();
    const start = Math.ceil(proc.mmap(8 * 2 ** 20) / HUGE) * HUGE;
    proc.touch(start, HUGE, "write");
    const expected = { ...(proc.mm.pageTable.walk(start + 5 * PAGE).leaf as object) };
    mmu.invalidateAsid(proc.pid); // the walk caches too: nothing supplies an upper entry
    const before = mmu.stats;
    const leaf = mmu.translate(proc.pid, proc.mm.pageTable, start + 5 * PAGE, "write", 1, proc.faultHandler);
    expect({ ...leaf }).toEqual(expected);
    expect(leaf.pageShift).toBe(21);
    expect(mmu.stats.walks - before.walks).toBe(1);
    expect(mmu.stats.walkRefs - before.walkRefs).toBe(3);
    expect(mmu.stats.faults).toBe(before.faults);
  });

  it("a PROT_NONE entry the core reaches (the MMU asked directly) faults into the kernel, which raises SIGSEGV", () => {
    const machine = new Machine({ mmu: tlbMmu("skylake") });
    const proc = machine.spawn();
    const start = proc.mmap(4 * PAGE);
    proc.touch(start, 4 * PAGE, "write");
    proc.mprotect(start + PAGE, PAGE, "none");
    machine.mmu.invalidateAsid(proc.pid);
    const translate = (vaddr: number) => machine.mmu.translate(proc.pid, proc.mm.pageTable, vaddr, "read", 1, proc.faultHandler);
    expect(translate(start).pfn).toBeGreaterThanOrEqual(0); // its neighbour, walked in the core, translates
    expect(() => translate(start + PAGE)).toThrow(SegmentationFault);
  });
});
