// The glibc model on the real simulated kernel (REFERENCE §1 on top of §3): VmRSS and VmSize as
// the kernel accounts them.
import { describe, expect, test } from "vitest";
import { Machine } from "../../src/kernel";
import { createAllocator } from "../../src/libc/create";
import { Glibc } from "../../src/libc/glibc";
import type { VmHost } from "../../src/libc/host";

const KiB = 1024;
const MiB = 1024 * KiB;

function spawn(preset?: "linux-x86_64" | "eager" | "windows-x86_64" | "macos-arm64") {
  const machine = new Machine(preset ? { preset } : {});
  const proc = machine.spawn();
  const host: VmHost = proc;
  return { machine, proc, host };
}

describe("glibc on the Linux kernel", () => {
  test("malloc(1 MiB): VmSize + 257 pages, VmRSS + 4 kB (the header store), pointer = mapping + 16", () => {
    const { machine, proc } = spawn();
    const g = new Glibc(proc);
    const before = proc.status();
    const p = g.malloc(MiB) as number;
    const after = proc.status();
    expect(after.VmSize - before.VmSize).toBe(257 * 4);
    expect(after.VmRSS - before.VmRSS).toBe(4);
    expect(proc.vmas().some((v) => v.start === p - 16 && v.end - v.start === 257 * 4096)).toBe(true);
    g.free(p);
    expect(proc.status()).toMatchObject({ VmSize: before.VmSize, VmRSS: before.VmRSS });
    g.check();
    machine.check();
  });

  test("free(malloc(1 MiB)) moves the threshold; calloc(1 MiB) then comes from the brk heap and, recycled, is memset", () => {
    const { machine, proc } = spawn();
    const g = new Glibc(proc);
    g.free(g.malloc(MiB));
    const a = g.calloc(MiB) as number;
    const heap = proc.vmas().find((v) => v.name === "[heap]");
    expect(heap && a > heap.start && a < heap.end).toBe(true);
    g.free(a);
    const rss = proc.status().VmRSS;
    const memset = g.counters.callocMemsetBytes;
    const b = g.calloc(MiB) as number;
    expect(b).toBe(a);
    expect(g.counters.callocMemsetBytes - memset).toBe(MiB + 8);
    expect(proc.status().VmRSS - rss).toBeGreaterThan(850); // the old top's ~132 KiB was already resident
    expect(g.mallinfo()).toMatchObject({ mmapThreshold: 257 * 4096, hblks: 0 });
    g.check();
    machine.check();
  });

  test("calloc of a fresh 2 GiB block costs one page; malloc of it too", () => {
    const { proc } = spawn();
    const g = new Glibc(proc);
    const before = proc.status();
    const p = g.calloc(2 ** 28, 8) as number;
    const after = proc.status();
    expect(after.VmRSS - before.VmRSS).toBe(4);
    expect(after.VmSize - before.VmSize).toBe(2 * 1024 * 1024 + 4);
    expect(g.counters.callocMemsetBytes).toBe(0);
    g.free(p);
    expect(proc.status().VmRSS).toBe(before.VmRSS);
  });

  test("trimming gives the heap back to the kernel", () => {
    const { machine, proc } = spawn();
    const g = new Glibc(proc);
    const ptrs = Array.from({ length: 50 }, () => g.malloc(20 * KiB) as number);
    for (const p of ptrs) proc.memset(p, 1, 20 * KiB);
    const rss = proc.status().VmRSS;
    for (const p of ptrs) g.free(p);
    expect(g.counters.brkTrimBytes).toBeGreaterThan(800 * KiB);
    expect(proc.status().VmRSS).toBeLessThan(rss - 800);
    g.check();
    machine.check();
  });

  test("a thread arena's reservation is PROT_NONE, then read-write as it grows", () => {
    const { machine, proc } = spawn();
    const g = new Glibc(proc);
    const t = g.threadArena();
    t.malloc(100);
    const [heap] = g.threadHeapReservations();
    const vmas = proc.vmas().filter((v) => v.start >= heap && v.end <= heap + 64 * MiB);
    expect(vmas.map((v) => v.prot)).toEqual(["read-write", "none"]);
    expect(vmas[1].end).toBe(heap + 64 * MiB);
    const ptrs = Array.from({ length: 30 }, () => t.malloc(100 * KiB) as number);
    const rw = proc.vmas().find((v) => v.start === heap) as { end: number };
    expect(rw.end - heap).toBeGreaterThan(2.5 * MiB);
    for (const p of ptrs) t.free(p);
    g.check();
    machine.check();
  });

  test("content written to blocks reads back through the kernel", () => {
    const { proc } = spawn();
    const g = new Glibc(proc);
    const p = g.malloc(300) as number;
    proc.write(p, new Uint8Array(300).map((_, i) => i % 256));
    const q = g.realloc(p, 200 * KiB) as number;
    expect([...proc.read(q, 300)]).toEqual([...new Uint8Array(300).map((_, i) => i % 256)]);
  });

  test("a request the kernel cannot place returns null with ENOMEM, leaving the process unchanged", () => {
    const { proc } = spawn();
    const g = new Glibc(proc);
    const before = proc.status();
    expect(g.malloc(2 ** 46)).toBeNull();
    expect(g.errno).toBe("ENOMEM");
    expect(proc.status()).toEqual(before);
    g.check();
  });
});

describe("other presets", () => {
  test("eager: the allocation is resident at once", () => {
    const { proc } = spawn("eager");
    const a = createAllocator(proc, "eager");
    const before = proc.status().VmRSS;
    a.malloc(8 * MiB);
    expect(proc.status().VmRSS - before).toBeGreaterThanOrEqual(8 * 1024);
    a.check();
  });

  test("windows: a large block is committed at once but joins the working set on touch", () => {
    const { proc } = spawn("windows-x86_64");
    const a = createAllocator(proc, "windows-x86_64");
    const before = proc.status();
    const p = a.malloc(64 * MiB) as number;
    const after = proc.status();
    expect(after.VmRSS - before.VmRSS).toBe(4);
    expect(a.blocks().find((b) => b.ptr === p)?.state).toBe("mmapped");
    a.check();
  });

  test("macos: glibc-like on 16 KiB pages", () => {
    const { proc } = spawn("macos-arm64");
    const a = createAllocator(proc, "macos-arm64") as Glibc;
    const before = proc.status();
    a.malloc(MiB);
    expect(proc.status().VmRSS - before.VmRSS).toBe(16);
    a.check();
  });
});
