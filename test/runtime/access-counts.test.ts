// What one access is: every element API makes one translated access per element, whatever the
// dtype and whichever API touched it (a[i], get, set, toArray, sum, max, ufuncs, fill, copy).
// The counts come from the MMU (accesses, L1 dTLB hits + misses) and, by kind, from a recorder
// wrapped around the MMU's translate.
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/kernel";
import { type Phase } from "../../src/kernel/measure";
import type { AccessKind } from "../../src/hardware/translation";
import { numpy, node, type NDArray } from "../../src/runtime";

const PAGE = 4096;
const DTYPES = [
  { name: "float64", itemsize: 8 },
  { name: "int32", itemsize: 4 },
  { name: "uint8", itemsize: 1 },
] as const;

/** A fresh Skylake machine (the same seed every time, so two of them start identical). */
function fresh() {
  const machine = new Machine({ preset: "linux-x86_64", seed: 11, cpu: "skylake" });
  const proc = machine.spawn();
  return { machine, proc, np: numpy(proc) };
}

/** Records every translate the MMU is asked for: kind, page-visit address and accesses (repeats). */
/** A binary ufunc over n elements: n reads of each input and n writes of the output, as recorded. */
function expectOneAccessPerElement(rec: ReturnType<typeof recordTranslations>, inputs: NDArray[], out: NDArray, n: number): void {
  for (const input of inputs) expect(rec.count("read", input.address, input.nbytes)).toBe(n);
  expect(rec.count("write", out.address, out.nbytes)).toBe(n);
}

function recordTranslations(machine: Machine) {
  const log: { kind: AccessKind; vaddr: number; repeats: number }[] = [];
  const mmu = machine.mmu;
  const translate = mmu.translate.bind(mmu);
  mmu.translate = (asid, pageTable, vaddr, kind, repeats, onFault) => {
    log.push({ kind, vaddr, repeats });
    return translate(asid, pageTable, vaddr, kind, repeats, onFault);
  };
  /** Accesses of `kind` to [addr, addr + nbytes) since the last reset. */
  const count = (kind: AccessKind, addr: number, nbytes: number) =>
    log.filter((e) => e.kind === kind && e.vaddr >= addr && e.vaddr < addr + nbytes).reduce((s, e) => s + e.repeats, 0);
  return { log, count, reset: () => (log.length = 0) };
}

const lookups = (p: Phase) => p.tlb.l1d.hits + p.tlb.l1d.misses;
/** The 4 KiB pages [addr, addr + nbytes) spans. */
const pagesSpanned = (addr: number, nbytes: number) => Math.floor((addr + nbytes - 1) / PAGE) - Math.floor(addr / PAGE) + 1;

describe("one element read is one translated access, whatever the API", () => {
  for (const { name, itemsize } of DTYPES) {
    // 256 KiB: above the mmap threshold, so the array is a fresh mapping nobody has touched.
    const n = (256 * 1024) / itemsize;

    it(`${name}: a[i] over ${n} elements and a.sum() over the same ${n} count the same (n accesses, one L1 miss per page)`, () => {
      const one = fresh();
      const a = one.np.zeros(n, name);
      const byIndex = one.proc.measure(() => {
        for (let i = 0; i < n; i++) a[i];
      });
      const two = fresh();
      const b = two.np.zeros(n, name);
      expect(b.address).toBe(a.address);
      const bySum = two.proc.measure(() => b.sum());

      const pages = pagesSpanned(a.address, n * itemsize); // 65: the array starts 16 bytes into its mapping
      // The first page holds the chunk header calloc wrote: already in the L1 dTLB.
      for (const p of [byIndex, bySum]) {
        expect(p.accesses).toBe(n);
        expect(lookups(p)).toBe(n);
        expect(p.tlb.l1d.misses).toBe(pages - 1);
        expect(p.tlb.l1d.hits).toBe(n - (pages - 1));
        expect(p.faults.zeroPage).toBe(pages - 1);
      }
      expect(bySum.tlb).toEqual(byIndex.tlb);
      expect(bySum.walks).toBe(byIndex.walks);
      expect(bySum.cyclesPerAccess).toBeCloseTo(byIndex.cyclesPerAccess, 12);
    });

    it(`${name}: get(i), toArray() and max() over n elements are n accesses each`, () => {
      const { proc, np } = fresh();
      const a = np.ones(4096 / itemsize + 100, name); // a few pages, from the heap
      const m = a.size;
      expect(proc.measure(() => { for (let i = 0; i < m; i++) a.get(i); }).accesses).toBe(m);
      expect(proc.measure(() => a.toArray()).accesses).toBe(m);
      expect(proc.measure(() => a.max()).accesses).toBe(m);
      expect(proc.measure(() => a.mean()).accesses).toBe(m);
    });
  }

  it("Node typed arrays count the same: a[i] over a Float64Array is one access per element", () => {
    const { proc } = fresh();
    const rt = node(proc);
    const a = rt.typedArray("Float64Array", 2048);
    expect(proc.measure(() => { for (let i = 0; i < 2048; i++) a[i]; }).accesses).toBe(2048);
    expect(proc.measure(() => a.sum()).accesses).toBe(2048);
    const bytes = rt.bufferAlloc(3000);
    expect(proc.measure(() => { for (let i = 0; i < 3000; i++) bytes[i] = 1; }).accesses).toBe(3000);
  });
});

describe("one element write is one translated access", () => {
  for (const { name, itemsize } of DTYPES) {
    const n = (256 * 1024) / itemsize;

    it(`${name}: set over ${n} elements = fill over ${n} = n writes; np.add(a, 1, out=a) = n reads + n writes`, () => {
      const s = fresh();
      const a = s.np.zeros(n, name);
      const rec = recordTranslations(s.machine);
      const bySet = s.proc.measure(() => {
        for (let i = 0; i < n; i++) a.set(i, 1);
      });
      expect(rec.count("write", a.address, a.nbytes)).toBe(n);
      expect(rec.count("read", a.address, a.nbytes)).toBe(0);

      const f = fresh();
      const b = f.np.zeros(n, name);
      const byFill = f.proc.measure(() => b.fill(1));

      const pages = pagesSpanned(a.address, a.nbytes);
      for (const p of [bySet, byFill]) {
        expect(p.accesses).toBe(n);
        expect(lookups(p)).toBe(n);
        expect(p.tlb.l1d.misses).toBe(pages - 1);
        expect(p.faults.total).toBe(pages - 1);
      }
      expect(byFill.tlb).toEqual(bySet.tlb);

      const u = fresh();
      const c = u.np.zeros(n, name);
      const urec = recordTranslations(u.machine);
      const byAdd = u.proc.measure(() => u.np.add(c, 1, { out: c }));
      expect(byAdd.accesses).toBe(2 * n);
      expect(lookups(byAdd)).toBe(2 * n);
      expect(urec.count("read", c.address, c.nbytes)).toBe(n);
      expect(urec.count("write", c.address, c.nbytes)).toBe(n);
      expect(c.sum()).toBe(n);
    });
  }

  it("a strided view: fill and set of every other element are n/2 writes", () => {
    const { proc, np } = fresh();
    const a = np.zeros(8192);
    const v = a.slice(0, null, 2);
    expect(proc.measure(() => v.fill(3)).accesses).toBe(4096);
    expect(proc.measure(() => { for (let i = 0; i < 4096; i++) v.set(i, 4); }).accesses).toBe(4096);
    expect(proc.measure(() => v.sum()).accesses).toBe(4096);
    expect(v.sum()).toBe(4 * 4096);
    expect(a.sum()).toBe(4 * 4096);
  });

  it("an element straddling a page boundary is one access to each of its two pages", () => {
    const { proc, np } = fresh();
    const l = np.zeros(2 ** 16);
    const offset = Math.ceil((l.address + 1) / PAGE) * PAGE - 4 - l.address;
    const v = np.ndarray([100], { dtype: "float64", buffer: l, offset });
    expect(proc.measure(() => v.set(0, 3)).accesses).toBe(2);
    expect(proc.measure(() => v[0]).accesses).toBe(2);
    expect(proc.measure(() => v[1]).accesses).toBe(1);
    // The view is misaligned: sum goes element by element and counts the same as v[i] does.
    expect(proc.measure(() => v.sum()).accesses).toBe(101);
    expect(v.sum()).toBe(3);
  });
});

describe("a ufunc over n elements reads n elements per input and writes n", () => {
  it("np.add(a, b, out=c), all of one dtype: n reads of a, n of b, n writes of c", () => {
    const n = 3 * 8192 + 5; // several of numpy's 8192-element buffers
    const { machine, proc, np } = fresh();
    const a = np.ones(n), b = np.full(n, 2), c = np.empty(n);
    const rec = recordTranslations(machine);
    const p = proc.measure(() => np.add(a, b, { out: c }));
    expect(p.accesses).toBe(3 * n);
    expect(lookups(p)).toBe(3 * n);
    expectOneAccessPerElement(rec, [a, b], c, n);
    expect(c.sum()).toBe(3 * n);
  });

  it("inputs at another page offset than the output still count n reads each", () => {
    const { machine, proc, np } = fresh();
    const n = 5000;
    const a = np.arange(n); // heap arrays: each at its own offset within a page
    const b = np.ones(n);
    const c = np.empty(n);
    expect(a.address % PAGE === c.address % PAGE && b.address % PAGE === c.address % PAGE).toBe(false);
    const rec = recordTranslations(machine);
    const p = proc.measure(() => np.multiply(a, b, { out: c }));
    expect(p.accesses).toBe(3 * n);
    expectOneAccessPerElement(rec, [a, b], c, n);
    expect(c.sum()).toBe((n * (n - 1)) / 2);
  });

  it("mixed dtypes (int32 + float64 -> float64): n reads per input, n writes, right values", () => {
    const { machine, proc, np } = fresh();
    const n = 20000; // float64 output over several blocks
    const a = np.arange(0, n, 1, "int32");
    const b = np.ones(n);
    const c = np.empty(n);
    const rec = recordTranslations(machine);
    const p = proc.measure(() => np.add(a, b, { out: c }));
    expect(p.accesses).toBe(3 * n);
    expectOneAccessPerElement(rec, [a, b], c, n);
    expect([c[0], c[1], c[8191], c[8192], c[n - 1]]).toEqual([1, 2, 8192, 8193, n]);
    expect(c.sum()).toBe((n * (n - 1)) / 2 + n);
  });

  it("copy() over n elements reads n and writes n", () => {
    const { machine, proc, np } = fresh();
    const a = np.arange(3000, undefined, undefined, "int32");
    const rec = recordTranslations(machine);
    let out: NDArray | null = null;
    proc.measure(() => { out = a.copy(); });
    const copy = out as unknown as NDArray;
    expect(rec.count("read", a.address, a.nbytes)).toBe(3000);
    expect(rec.count("write", copy.address, copy.nbytes)).toBe(3000);
    expect(copy.sum()).toBe(a.sum());
  });
});
