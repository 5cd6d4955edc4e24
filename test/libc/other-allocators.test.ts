// The eager (no-MMU) allocator, the Windows heap, and createAllocator's choice per preset.
import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import { InvalidArgumentError } from "../../src/errors";
import { createAllocator } from "../../src/libc/create";
import { EagerAllocator } from "../../src/libc/eager";
import { Glibc } from "../../src/libc/glibc";
import { WindowsHeap } from "../../src/libc/windows-heap";
import { FakeHost } from "./fake-host";

const KiB = 1024;
const MiB = 1024 * KiB;

describe("EagerAllocator", () => {
  test("every allocation is its own mapping; calloc clears all of it itself", () => {
    const host = new FakeHost();
    const a = new EagerAllocator(host);
    const p = a.malloc(100) as number;
    expect(host.callsOf("mmap")[0].args[0]).toBe(4096);
    expect((p - 16) % 4096).toBe(0);
    const rss = host.rss;
    const q = a.calloc(MiB) as number;
    expect(a.counters.callocMemsetBytes).toBe(MiB);
    expect(host.rss - rss).toBe(MiB + 4096); // every page written: header and the memset
    expect(a.mallinfo()).toMatchObject({ arena: 0, hblks: 2, mmapped: 4096 + MiB + 4096 });
    a.free(p);
    a.free(q);
    expect(host.callsOf("munmap")).toHaveLength(2);
    expect(a.blocks()).toEqual([]);
    a.check();
  });

  test("realloc keeps a block that fits, else moves it with its content", () => {
    const host = new FakeHost();
    const a = new EagerAllocator(host);
    const p = a.malloc(100) as number;
    host.write(p, new Uint8Array([5, 6, 7]));
    expect(a.realloc(p, 4000)).toBe(p);
    const q = a.realloc(p, 10000) as number;
    expect(q).not.toBe(p);
    expect([...host.read(q, 3)]).toEqual([5, 6, 7]);
    expect(a.realloc(q, 0)).toBeNull();
    expect(() => a.free(q)).toThrow("free(): invalid pointer");
    expect(() => a.malloc(-1)).toThrow(InvalidArgumentError);
    a.check();
  });

  test("a refused mapping returns null with ENOMEM", () => {
    const host = new FakeHost();
    host.maxMapping = MiB;
    const a = new EagerAllocator(host);
    expect(a.malloc(2 * MiB)).toBeNull();
    expect(a.errno).toBe("ENOMEM");
    expect(a.counters.failures).toBe(1);
  });
});

describe("WindowsHeap", () => {
  test("small blocks come from a reserved segment committed as it grows", () => {
    const host = new FakeHost();
    const h = new WindowsHeap(host);
    const p = h.malloc(100) as number;
    const [reserve] = host.callsOf("mmap");
    expect(reserve.args).toEqual([MiB, { prot: "none", name: "windows heap segment" }]);
    const [commit] = host.callsOf("mprotect");
    expect(commit.args).toEqual([p - 16 - 0x80, 8192, "read-write"]);
    const ptrs = Array.from({ length: 40 }, () => h.malloc(1000) as number);
    expect(host.callsOf("mprotect").length).toBeGreaterThan(1);
    expect(host.callsOf("mmap")).toHaveLength(1);
    expect(h.mallinfo().arena).toBeGreaterThan(40 * 1000);
    for (const x of ptrs) h.free(x);
    h.check();
  });

  test("blocks above the VirtualMemoryThreshold get their own committed mapping", () => {
    const host = new FakeHost();
    const h = new WindowsHeap(host);
    const rss = host.rss;
    const p = h.malloc(MiB) as number;
    const mmaps = host.callsOf("mmap");
    expect(mmaps).toHaveLength(1);
    expect(mmaps[0].args).toEqual([MiB + 4096, { prot: "read-write", name: "windows heap VirtualAlloc block" }]);
    expect(host.rss - rss).toBe(4096);
    expect(h.mallinfo()).toMatchObject({ mmapped: MiB + 4096, hblks: 1, mmapThreshold: 0x7f000 });
    h.free(p);
    expect(host.callsOf("munmap")).toHaveLength(1);
    h.check();
  });

  test("calloc clears heap blocks but not a fresh VirtualAlloc block", () => {
    const host = new FakeHost();
    const h = new WindowsHeap(host);
    h.calloc(2 * MiB);
    expect(h.counters.callocMemsetBytes).toBe(0);
    const p = h.malloc(200) as number;
    host.write(p, new Uint8Array(200).fill(3));
    h.free(p);
    const q = h.calloc(200) as number;
    expect(q).toBe(p);
    expect(h.counters.callocMemsetBytes).toBe(208);
    expect(host.read(q, 200).every((b) => b === 0)).toBe(true);
  });

  test("a full segment chains a larger one; a large free tail is decommitted", () => {
    const host = new FakeHost();
    const h = new WindowsHeap(host);
    const ptrs = Array.from({ length: 8 }, () => h.malloc(400 * KiB) as number);
    expect(host.callsOf("mmap").filter((c) => (c.args[1] as { prot: string }).prot === "none").map((c) => c.args[0])).toEqual([MiB, 2 * MiB, 4 * MiB]);
    for (const p of ptrs) host.memset(p, 1, 400 * KiB);
    const rss = host.rss;
    for (const p of ptrs.reverse()) h.free(p);
    expect(host.rss).toBeLessThan(rss - 256 * KiB); // the last segment's free tail (only) is decommitted
    expect(host.callsOf("mprotect").some((c) => c.args[2] === "none")).toBe(true);
    h.check();
  });

  test("realloc grows in place, moves with content, and rejects foreign pointers", () => {
    const host = new FakeHost();
    const h = new WindowsHeap(host);
    const p = h.malloc(100) as number;
    host.write(p, new Uint8Array([1, 2, 3]));
    expect(h.realloc(p, 3000)).toBe(p);
    const q = h.realloc(p, MiB) as number;
    expect([...host.read(q, 3)]).toEqual([1, 2, 3]);
    expect(() => h.free(p)).toThrow(/invalid heap pointer/);
    h.free(q);
    h.check();
  });
});

describe("createAllocator", () => {
  test("chooses by preset name", () => {
    const host = new FakeHost();
    expect(createAllocator(host, "linux-x86_64")).toBeInstanceOf(Glibc);
    expect(createAllocator(new FakeHost(65536), "linux-arm64-64k")).toBeInstanceOf(Glibc);
    expect(createAllocator(new FakeHost(16384), "macos-arm64").kind).toBe("glibc");
    expect(createAllocator(new FakeHost(), "windows-x86_64")).toBeInstanceOf(WindowsHeap);
    expect(createAllocator(new FakeHost(), "eager")).toBeInstanceOf(EagerAllocator);
    expect(() => createAllocator(host, "plan9")).toThrow(/createAllocator: platform/);
  });
});

describe("inspection text", () => {
  test("each allocator prints a one-line summary", () => {
    const g = new Glibc(new FakeHost());
    g.malloc(2 * MiB);
    expect(inspect(g)).toMatch(/^Glibc\(heap 132 kB: 1 kB in use, 131 kB free; 1 mmapped blocks, 2052 kB; mmap threshold 131072 B\)$/);
    expect(inspect(new EagerAllocator(new FakeHost()))).toMatch(/^EagerAllocator\(heap 0 kB/);
    expect(inspect(new WindowsHeap(new FakeHost()))).toMatch(/^WindowsHeap\(heap 0 kB/);
  });
});
