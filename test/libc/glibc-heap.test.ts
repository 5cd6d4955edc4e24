// The brk heap: request sizes, first-use layout, reuse of freed chunks (tcache, best fit, split,
// coalescing with neighbours and top), trimming (REFERENCE §1.2, §1.5), and realloc.
import { describe, expect, test } from "vitest";
import { Glibc } from "../../src/libc/glibc";
import { requestToChunkSize } from "../../src/libc/constants";
import { FakeHost } from "./fake-host";

const KiB = 1024;

describe("request sizes", () => {
  test("nb = max(32, (n + 8 + 15) & ~15), exact beyond 2**31", () => {
    expect(requestToChunkSize(0)).toBe(32);
    expect(requestToChunkSize(24)).toBe(32);
    expect(requestToChunkSize(25)).toBe(48);
    expect(requestToChunkSize(2 ** 20)).toBe(2 ** 20 + 16);
    expect(requestToChunkSize(2 ** 31)).toBe(2 ** 31 + 16);
    expect(requestToChunkSize(2 ** 40 + 1)).toBe(2 ** 40 + 16);
  });
});

describe("the brk heap", () => {
  test("first use: sbrk(page_align(nb + top_pad + MINSIZE)); the tcache struct comes first", () => {
    const host = new FakeHost();
    const g = new Glibc(host, { warm: false });
    expect(host.callsOf("sbrk")).toHaveLength(0);
    const p = g.malloc(10) as number;
    const info = g.mallinfo();
    // tcache_perthread_struct (0x290-byte chunk), so the first user pointer is heap + 0x2a0
    expect(p - (info.heapStart as number)).toBe(0x2a0);
    expect(host.callsOf("sbrk").map((c) => c.args[0])).toEqual([Math.ceil((656 + 128 * KiB + 32) / 4096) * 4096]);
    expect(info.arena).toBe(33 * 4096);
    g.check();
  });

  test("growth: sbrk(page_align(nb + top_pad + MINSIZE - old_top_size))", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    g.mallopt("M_MMAP_THRESHOLD", 1024 * KiB);
    const top = g.mallinfo().keepcost;
    g.malloc(200 * KiB);
    const nb = requestToChunkSize(200 * KiB);
    const sbrks = host.callsOf("sbrk");
    expect(sbrks[sbrks.length - 1].args[0]).toBe(Math.ceil((nb + 128 * KiB + 32 - top) / 4096) * 4096);
    g.check();
  });

  test("small frees go to the tcache (7 per size) and come back LIFO", () => {
    const g = new Glibc(new FakeHost());
    const top = g.mallinfo().keepcost;
    const ptrs = Array.from({ length: 9 }, () => g.malloc(40) as number);
    ptrs.forEach((p) => g.free(p));
    expect(g.mallinfo().tcacheChunks).toBe(7);
    // the 8th went to the bins, the 9th merged with it and with top
    expect(g.blocks().filter((b) => b.state === "free")).toHaveLength(0);
    expect(g.mallinfo().keepcost).toBe(top - 7 * 48);
    expect(g.malloc(40)).toBe(ptrs[6]);
    expect(g.counters.tcacheHits).toBe(1);
    g.check();
  });

  test("freed chunks coalesce with free neighbours and are reused best-fit with a split", () => {
    const g = new Glibc(new FakeHost(), { tcache: false });
    const a = g.malloc(2000) as number;
    const b = g.malloc(2000) as number;
    const c = g.malloc(2000) as number;
    g.malloc(100); // keeps c away from top
    g.free(a);
    g.free(c);
    g.free(b); // joins a and c into one chunk
    const free = g.blocks().filter((x) => x.state === "free");
    expect(free).toHaveLength(1);
    expect(free[0]).toMatchObject({ start: a - 16, size: 3 * requestToChunkSize(2000) });
    const d = g.malloc(3000) as number;
    expect(d).toBe(a);
    expect(g.blocks().filter((x) => x.state === "free")[0].size).toBe(3 * 2016 - requestToChunkSize(3000));
    g.check();
  });

  test("best fit prefers the smallest free chunk that fits", () => {
    const g = new Glibc(new FakeHost(), { tcache: false });
    const big = g.malloc(5000) as number;
    g.malloc(16);
    const small = g.malloc(1500) as number;
    g.malloc(16);
    g.free(big);
    g.free(small);
    expect(g.malloc(1400)).toBe(small);
    expect(g.malloc(1400)).toBe(big);
  });

  test("a free that leaves top >= trim_threshold shrinks the heap with a negative sbrk to top_pad", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const ptrs = Array.from({ length: 100 }, () => g.malloc(10 * KiB) as number);
    const grown = g.mallinfo().arena;
    const rss = host.rss;
    for (const p of ptrs) g.free(p);
    const info = g.mallinfo();
    expect(g.counters.brkTrimBytes).toBeGreaterThan(800 * KiB);
    expect(info.arena).toBe(grown - g.counters.brkTrimBytes);
    expect(info.keepcost).toBeLessThan(128 * KiB + 32 + 4096);
    expect(info.keepcost).toBeGreaterThanOrEqual(128 * KiB);
    expect(host.brk()).toBe(info.heapEnd);
    expect(host.rss).toBeLessThan(rss);
    g.check();
  });

  test("no trimming below the threshold or when mallopt turned it off", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    g.mallopt("M_TRIM_THRESHOLD", -1);
    const ptrs = Array.from({ length: 100 }, () => g.malloc(10 * KiB) as number);
    for (const p of ptrs) g.free(p);
    expect(g.counters.brkTrimBytes).toBe(0);
    expect(g.mallinfo().trimThreshold).toBe(Infinity);
  });
});

describe("realloc", () => {
  test("grows in place into top, keeps content, shrinks in place", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const p = g.malloc(100) as number;
    host.write(p, new Uint8Array(100).map((_, i) => i));
    const q = g.realloc(p, 5000) as number;
    expect(q).toBe(p);
    expect([...host.read(q, 100)]).toEqual([...new Uint8Array(100).map((_, i) => i)]);
    expect(g.realloc(q, 50)).toBe(p);
    expect(g.usableSize(p)).toBe(requestToChunkSize(50) - 8);
    g.check();
  });

  test("moves and copies when the neighbour is taken; the old chunk is freed", () => {
    const host = new FakeHost();
    const g = new Glibc(host, { tcache: false });
    const p = g.malloc(2000) as number;
    g.malloc(16);
    host.write(p, new Uint8Array(2000).fill(9));
    const q = g.realloc(p, 4000) as number;
    expect(q).not.toBe(p);
    expect([...host.read(q, 2000)].every((b) => b === 9)).toBe(true);
    expect(g.blocks().find((b) => b.start === p - 16)?.state).toBe("free");
    g.check();
  });

  test("the last heap chunk grows when top is short: sysmalloc extends top and realloc merges, no copy", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    g.mallopt("M_MMAP_THRESHOLD", 32 * 1024 * 1024);
    const p = g.malloc(100 * KiB) as number;
    const q = g.realloc(p, 2 * 1024 * KiB) as number;
    expect(q).toBe(p);
    g.check();
  });

  test("an mmapped chunk that is big enough stays; a larger size moves it and unmaps the old one", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const p = g.malloc(1024 * KiB) as number;
    expect(g.realloc(p, 1024 * KiB + 100)).toBe(p);
    host.write(p, new Uint8Array([1, 2, 3]));
    const q = g.realloc(p, 3 * 1024 * KiB) as number;
    expect(q).not.toBe(p);
    expect([...host.read(q, 3)]).toEqual([1, 2, 3]);
    expect(host.callsOf("munmap").map((c) => c.args[0])).toEqual([p - 16]);
    expect(g.mallinfo().mmapThreshold).toBe(128 * KiB); // munmap_chunk from realloc does not move it
  });

  test("realloc(null, n) mallocs; realloc(p, 0) frees and returns null", () => {
    const g = new Glibc(new FakeHost());
    const p = g.realloc(null, 10) as number;
    expect(g.usableSize(p)).toBe(24);
    expect(g.realloc(p, 0)).toBeNull();
    expect(g.blocks().find((b) => b.ptr === p)?.state).toBe("tcache");
  });
});
