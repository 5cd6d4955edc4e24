// REFERENCE §1.2-1.3: mmapped chunks, the dynamic mmap threshold, and mallopt freezing it.
import { describe, expect, test } from "vitest";
import { Glibc } from "../../src/libc/glibc";
import { FakeHost } from "./fake-host";

const MiB = 2 ** 20;

describe("mmapped chunks", () => {
  test("malloc(1 MiB) maps 257 pages, returns start + 16, and only the header page is resident", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const rss = host.rss;
    const p = g.malloc(MiB) as number;
    const mmaps = host.callsOf("mmap");
    expect(mmaps).toHaveLength(1);
    expect(mmaps[0].args[0]).toBe(257 * 4096);
    expect((p - 16) % 4096).toBe(0);
    expect(host.protAt(p - 16)).toBe("read-write");
    expect(host.resident(p - 16)).toBe(true);
    expect(host.resident(p + 4096)).toBe(false);
    expect(host.rss - rss).toBe(4096);
    expect(g.blocks().find((b) => b.ptr === p)).toMatchObject({ start: p - 16, size: 257 * 4096, state: "mmapped", usable: 257 * 4096 - 16 });
    expect(g.mallinfo()).toMatchObject({ mmapped: 257 * 4096, hblks: 1 });
    expect(g.usableSize(p)).toBe(257 * 4096 - 16);
    g.check();
  });

  test("the threshold is inclusive: nb >= 128 KiB is mmapped, one chunk size below is not", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const below = g.malloc(128 * 1024 - 8 - 16) as number; // nb = 128 KiB - 16
    expect(host.callsOf("mmap")).toHaveLength(0);
    const at = g.malloc(128 * 1024 - 8) as number; // nb = 128 KiB exactly
    expect(host.callsOf("mmap")).toHaveLength(1);
    expect(g.blocks().find((b) => b.ptr === at)?.state).toBe("mmapped");
    expect(g.blocks().find((b) => b.ptr === below)?.state).toBe("in-use");
    g.check();
  });

  test("free of an mmapped chunk munmaps it and raises the threshold to its size, trim to twice", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const p = g.malloc(MiB) as number;
    const rss = host.rss;
    g.free(p);
    expect(host.callsOf("munmap")).toEqual([{ call: "munmap", args: [p - 16, 257 * 4096] }]);
    expect(host.rss).toBe(rss - 4096);
    expect(g.mallinfo()).toMatchObject({ mmapThreshold: 257 * 4096, trimThreshold: 2 * 257 * 4096, mmapped: 0, hblks: 0 });
    expect(g.counters).toMatchObject({ mmaps: 1, munmaps: 1 });
    // the next 1 MiB request now comes from the brk heap
    const q = g.malloc(MiB) as number;
    const info = g.mallinfo();
    expect(q).toBeGreaterThanOrEqual(info.heapStart as number);
    expect(q + MiB).toBeLessThanOrEqual(info.heapEnd as number);
    expect(host.callsOf("mmap")).toHaveLength(1);
    expect(g.blocks().find((b) => b.ptr === q)?.state).toBe("in-use");
    g.check();
  });

  test("the dynamic threshold stops at 32 MiB", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    g.free(g.malloc(40 * MiB));
    expect(g.mallinfo().mmapThreshold).toBe(128 * 1024);
    g.free(g.malloc(32 * MiB - 4096 - 16));
    expect(g.mallinfo().mmapThreshold).toBe(32 * MiB);
  });

  test("mallopt(M_MMAP_THRESHOLD) sets and freezes the threshold", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    expect(g.mallopt("M_MMAP_THRESHOLD", 256 * 1024)).toBe(1);
    expect(g.mallinfo().dynamicThreshold).toBe(false);
    g.malloc(200 * 1024);
    expect(host.callsOf("mmap")).toHaveLength(0);
    g.free(g.malloc(MiB));
    expect(g.mallinfo()).toMatchObject({ mmapThreshold: 256 * 1024, trimThreshold: 128 * 1024 });
  });

  test("every threshold mallopt freezes; values glibc refuses return 0 and change nothing", () => {
    for (const param of ["M_TRIM_THRESHOLD", "M_TOP_PAD", "M_MMAP_MAX"] as const) {
      const g = new Glibc(new FakeHost());
      expect(g.mallopt(param, 1 << 20)).toBe(1);
      g.free(g.malloc(MiB));
      expect(g.mallinfo().mmapThreshold).toBe(128 * 1024);
    }
    const g = new Glibc(new FakeHost());
    expect(g.mallopt("M_MMAP_THRESHOLD", 64 * MiB)).toBe(0);
    expect(g.mallopt(-3, -1)).toBe(0);
    expect(g.mallinfo()).toMatchObject({ mmapThreshold: 128 * 1024, dynamicThreshold: true });
  });

  test("M_MMAP_MAX 0 sends large requests to the heap", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    g.mallopt("M_MMAP_MAX", 0);
    const p = g.malloc(4 * MiB) as number;
    expect(host.callsOf("mmap")).toHaveLength(0);
    expect(p).toBeLessThan(g.mallinfo().heapEnd as number);
    g.check();
  });

  test("a top chunk big enough serves a large request before sysmalloc considers mmap", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    g.mallopt("M_TRIM_THRESHOLD", -1); // never trim, so the freed heap stays as top
    g.mallopt("M_MMAP_THRESHOLD", 4 * MiB);
    g.free(g.malloc(3 * MiB));
    g.mallopt("M_MMAP_THRESHOLD", 128 * 1024);
    g.malloc(2 * MiB);
    expect(host.callsOf("mmap")).toHaveLength(0);
    g.check();
  });
});

describe("on 64 KiB pages", () => {
  test("the mapping rounds to the platform page size", () => {
    const host = new FakeHost(65536);
    const g = new Glibc(host);
    const p = g.malloc(MiB) as number;
    expect(host.callsOf("mmap")[0].args[0]).toBe(MiB + 65536);
    expect(host.rss).toBe(2 * 65536); // the heap's first page and the chunk header's page
    g.free(p);
    expect(g.mallinfo().mmapThreshold).toBe(MiB + 65536);
  });
});
