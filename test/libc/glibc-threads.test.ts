// Thread arenas (REFERENCE §1.5-1.6): 64 MiB PROT_NONE reservations aligned to 64 MiB, made
// read-write with mprotect as they grow, shrunk with MADV_DONTNEED, later heaps munmapped.
import { describe, expect, test } from "vitest";
import { Glibc } from "../../src/libc/glibc";
import { FakeHost } from "./fake-host";

const KiB = 1024;
const MiB = 1024 * KiB;

describe("thread arenas", () => {
  test("the first call reserves 64 MiB PROT_NONE, aligned, and makes its start read-write", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const t = g.threadArena();
    expect(t.arenaIndex).toBeNull();
    const p = t.malloc(1000) as number;
    expect(t.arenaIndex).toBe(1);
    const [reserve] = host.callsOf("mmap");
    expect(reserve.args).toEqual([128 * MiB, { prot: "none", name: "glibc thread-arena heap" }]);
    const [heap] = g.threadHeapReservations();
    expect(heap % (64 * MiB)).toBe(0);
    const [rw] = host.callsOf("mprotect");
    expect(rw.args[0]).toBe(heap);
    expect(rw.args[2]).toBe("read-write");
    const rwBytes = rw.args[1] as number;
    expect(host.protAt(heap)).toBe("read-write");
    expect(host.protAt(heap + rwBytes)).toBe("none");
    expect(host.protAt(heap + 64 * MiB - 1)).toBe("none");
    expect(host.protAt(heap + 64 * MiB)).toBeNull(); // the excess of the 128 MiB mapping was unmapped
    expect(p).toBeGreaterThan(heap);
    expect(p).toBeLessThan(heap + rwBytes);
    expect(g.blocks().find((b) => b.ptr === p)?.arena).toBe(1);
    g.check();
  });

  test("growing mprotects more of the reservation; freeing gives pages back with MADV_DONTNEED", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const t = g.threadArena();
    const ptrs = Array.from({ length: 60 }, () => t.malloc(100 * KiB) as number);
    for (const p of ptrs) host.memset(p, 1, 100 * KiB);
    expect(host.callsOf("mprotect").length).toBeGreaterThan(10);
    const rss = host.rss;
    for (const p of ptrs) t.free(p);
    const dontneed = host.callsOf("madvise").filter((c) => c.args[2] === "dontneed");
    expect(dontneed.length).toBeGreaterThan(0);
    expect(g.counters.madviseDontneedBytes).toBeGreaterThan(4 * MiB);
    expect(host.rss).toBeLessThan(rss - 4 * MiB);
    // the reservation stays (the arena's first heap is never unmapped) and stays read-write
    const [heap] = g.threadHeapReservations();
    expect(host.callsOf("munmap").filter((c) => c.args[0] === heap)).toHaveLength(0);
    g.check();
  });

  test("a full heap chains a second 64 MiB heap, which is munmapped once all free", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    g.mallopt("M_MMAP_THRESHOLD", 32 * MiB);
    const t = g.threadArena();
    const ptrs = Array.from({ length: 80 }, () => t.malloc(1000 * KiB) as number); // 80 MB > 64 MiB
    const heaps = g.threadHeapReservations();
    expect(heaps).toHaveLength(2);
    expect(g.mallinfo().arena).toBeGreaterThan(64 * MiB);
    g.check();
    for (const p of ptrs.reverse()) t.free(p);
    expect(host.callsOf("munmap").filter((c) => c.args[0] === heaps[1] && c.args[1] === 64 * MiB)).toHaveLength(1);
    expect(g.threadHeapReservations()).toEqual([heaps[0]]);
    g.check();
  });

  test("calloc in a thread arena clears below mprotect_size only", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const t = g.threadArena();
    const a = t.malloc(50 * KiB) as number;
    const memset0 = g.counters.callocMemsetBytes;
    const b = t.calloc(100 * KiB) as number; // grows the heap: fresh RW pages
    expect(b).toBeGreaterThan(a);
    expect(g.counters.callocMemsetBytes - memset0).toBeLessThan(100 * KiB);
    expect(host.resident(b + 90 * KiB)).toBe(false);
  });

  test("arenas are shared round-robin once the limit is reached (8 per core after 8 arenas)", () => {
    const g = new Glibc(new FakeHost(), { cores: 1 });
    const threads = Array.from({ length: 12 }, () => g.threadArena());
    for (const t of threads) t.free(t.malloc(10) as number);
    expect(g.mallinfo().arenas).toBe(9);
    expect(threads.map((t) => t.arenaIndex)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3]);
    const capped = new Glibc(new FakeHost());
    capped.mallopt("M_ARENA_MAX", 2);
    const ts = Array.from({ length: 3 }, () => capped.threadArena());
    for (const t of ts) t.malloc(10);
    expect(ts.map((t) => t.arenaIndex)).toEqual([1, 0, 1]);
    g.check();
    capped.check();
  });

  test("a chunk freed by another thread goes back to its own arena", () => {
    const g = new Glibc(new FakeHost(), { tcache: false });
    const t = g.threadArena();
    const p = t.malloc(5000) as number;
    t.malloc(16);
    g.free(p);
    expect(g.blocks().find((b) => b.start === p - 16)).toMatchObject({ state: "free", arena: 1 });
    g.check();
  });
});
