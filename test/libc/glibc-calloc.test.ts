// REFERENCE §1.4: what calloc must clear. Fresh mmap: nothing. Carved from top beyond the sbrk
// high-water mark: nothing. Recycled memory (tcache, bins, old top): memset, so pages get written.
import { describe, expect, test } from "vitest";
import { Glibc } from "../../src/libc/glibc";
import { FakeHost } from "./fake-host";

const MiB = 2 ** 20;

describe("calloc", () => {
  test("a fresh mmapped chunk is not cleared: only its header page becomes resident", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const rss = host.rss;
    const p = g.calloc(4 * MiB) as number;
    expect(g.blocks().find((b) => b.ptr === p)?.state).toBe("mmapped");
    expect(g.counters.callocMemsetBytes).toBe(0);
    expect(host.callsOf("memset").filter((c) => (c.args[0] as number) >= p - 16)).toHaveLength(0);
    expect(host.rss - rss).toBe(4096);
    expect([...host.read(p, 64)].every((b) => b === 0)).toBe(true);
  });

  test("a chunk carved from fresh top memory (never obtained before) is not cleared", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const before = g.mallinfo();
    // nb = 256 KiB + 16 below a raised threshold: the heap grows with sbrk
    g.mallopt("M_MMAP_THRESHOLD", MiB);
    const p = g.calloc(256 * 1024) as number;
    const hwmBefore = (before.heapStart as number) + before.maxSystemMem;
    // only the part of the chunk below the old high-water mark (+8, glibc clears csz - 8 from mem) was cleared
    expect(g.counters.callocMemsetBytes).toBe(hwmBefore - (p - 16) - 8);
    expect(host.resident(p + 200 * 1024)).toBe(false);
    expect(g.counters.callocSkippedBytes).toBeGreaterThan(100 * 1024);
    g.check();
  });

  test("recycled heap memory is memset: its pages become resident", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    g.mallopt("M_MMAP_THRESHOLD", MiB);
    const p = g.malloc(512 * 1024) as number;
    g.free(p); // merges into top, below the high-water mark now
    const rss = host.rss;
    const memset = g.counters.callocMemsetBytes;
    const q = g.calloc(512 * 1024) as number;
    expect(q).toBe(p);
    expect(g.counters.callocMemsetBytes - memset).toBe(512 * 1024 + 8);
    expect(host.rss - rss).toBeGreaterThanOrEqual(512 * 1024 - 2 * 4096);
    expect(host.resident(q + 256 * 1024)).toBe(true);
  });

  test("a tcache hit is always cleared (glibc 2.41)", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const p = g.malloc(100) as number;
    host.write(p, new Uint8Array(100).fill(7));
    g.free(p);
    const hits = g.counters.tcacheHits;
    const q = g.calloc(100) as number;
    expect(q).toBe(p);
    expect(g.counters.tcacheHits).toBe(hits + 1);
    expect(g.counters.callocMemsetBytes).toBe(112 - 8);
    expect([...host.read(q, 100)].every((b) => b === 0)).toBe(true);
  });

  test("free(malloc(1 MiB)) then calloc(1 MiB): from the brk heap, and once recycled fully memset", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    g.free(g.malloc(MiB));
    const first = g.calloc(MiB) as number;
    expect(first).toBeLessThan(g.mallinfo().heapEnd as number);
    expect(g.counters.mmaps).toBe(1);
    // carved from a top that was just grown by sbrk: only the old top's bytes needed clearing
    expect(g.counters.callocMemsetBytes).toBeLessThan(200 * 1024);
    g.free(first);
    const rss = host.rss;
    const memset = g.counters.callocMemsetBytes;
    const again = g.calloc(MiB) as number;
    expect(again).toBe(first);
    expect(g.counters.callocMemsetBytes - memset).toBe(MiB + 16 - 8);
    expect(host.rss - rss).toBeGreaterThan(800 * 1024);
    expect(g.mallinfo().inUse).toBeGreaterThanOrEqual(MiB);
    g.check();
  });

  test("calloc(count, size) multiplies; an overflowing product fails with ENOMEM", () => {
    const g = new Glibc(new FakeHost());
    const p = g.calloc(10, 8) as number;
    expect(g.usableSize(p)).toBeGreaterThanOrEqual(80);
    expect(g.calloc(2 ** 40, 2 ** 30)).toBeNull();
    expect(g.errno).toBe("ENOMEM");
  });
});
