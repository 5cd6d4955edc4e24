// fork as a Python user expects it: the child's C allocator and numpy are copies of the parent's
// at the fork (no new sbrk or mmap, VmSize and VmRSS unchanged), the parent's arrays are reached
// in the child with numpy(child).inherited(a), and writes and frees there touch only the child.
import { describe, expect, it } from "vitest";
import { Machine, type Process } from "../../src/kernel";
import { Glibc, type GlibcMallInfo } from "../../src/libc";
import { libcOf, node, numpy } from "../../src/runtime";
import { InvalidArgumentError, UseAfterFreeError } from "../../src/errors";

const PAGE = 4096;

function world(options: ConstructorParameters<typeof Machine>[0] = {}) {
  const machine = new Machine({ seed: 7, ...options });
  const proc = machine.spawn();
  return { machine, proc, np: numpy(proc) };
}

/** The figures a fork must leave alone in the child: its size and residency. */
function sizes(p: Process) {
  const s = p.status();
  return { VmSize: s.VmSize, VmRSS: s.VmRSS };
}

describe("after fork, the child's libc is a copy of the parent's", () => {
  it("mallinfo and every block (brk heap, free chunks, tcache, mmapped chunks, a thread arena) are the parent's", () => {
    const { proc, np } = world();
    const libc = libcOf(proc) as Glibc;
    const big = np.zeros(2 ** 20); // 8 MiB: an mmapped chunk
    const mid = np.arange(0, 3000, 1, "float64"); // 24 KB: from the brk heap
    const gone = np.ones(2000);
    np.zeros(2000);
    gone.free(); // a free chunk in the bins
    const small = libc.malloc(100) as number;
    libc.free(small); // a tcache entry
    np.zeros(3).free(); // numpy's small-buffer cache
    np.ones(2 ** 18).free(); // 2 MiB mmapped then freed: the dynamic mmap threshold rises
    const thread = libc.threadArena();
    thread.malloc(5000);
    const info = libc.mallinfo() as GlibcMallInfo;
    expect(info.mmapThreshold).toBeGreaterThan(128 * 1024);
    expect(info.arenas).toBe(2);

    const child = proc.fork();
    const childLibc = libcOf(child);
    expect(childLibc !== libc).toBe(true);
    expect(childLibc.kind).toBe("glibc");
    expect(childLibc.mallinfo()).toEqual(info);
    expect(childLibc.blocks()).toEqual(libc.blocks());
    expect((childLibc as Glibc).threadHeapReservations()).toEqual(libc.threadHeapReservations());
    expect(childLibc.check()).toBe(true);
    expect(libc.check()).toBe(true);
    // The counters count this process's own calls: none yet.
    expect(Object.values(childLibc.counters).every((n) => n === 0)).toBe(true);
    expect(big.sum() + mid.sum()).toBe((2999 * 3000) / 2);
  });

  it("numpy(child) and libcOf(child) allocate nothing: no event in the child's log, VmSize and VmRSS unchanged", () => {
    const { proc, np } = world();
    const a = np.arange(0, 50_000, 1, "float64");
    np.zeros(2 ** 22);
    const child = proc.fork();
    const atFork = sizes(child);
    expect(atFork).toEqual(sizes(proc));
    const npc = numpy(child);
    const b = npc.inherited(a);
    expect(b.sum()).toBe(a.sum());
    expect(child.events.map((e) => e.call)).not.toContain("sbrk");
    expect(child.events.map((e) => e.call)).not.toContain("mmap");
    expect(child.events.every((e) => e.faults.minor === 0 && e.faults.cow === 0)).toBe(true);
    expect(sizes(child)).toEqual(atFork);
    expect(libcOf(child).counters.sbrkCalls + libcOf(child).counters.mmaps).toBe(0);
  });

  it("copies numpy's version, options and small-buffer cache; numpy(child) returns that numpy", () => {
    const { proc } = world();
    const np = numpy(proc, { version: "2.2", madviseHugepage: false });
    np.zeros(5).free();
    np.zeros(7).free();
    const child = proc.fork();
    const npc = numpy(child);
    expect(npc === numpy(child)).toBe(true);
    expect(npc === numpy(child, { version: "2.2" })).toBe(true);
    expect(npc !== np).toBe(true);
    expect(npc.version).toBe("2.2");
    expect(npc.madviseHugepage).toBe(false);
    expect(npc.allocator.cachedBuffers()).toBe(2);
    expect(npc.libc === libcOf(child)).toBe(true);
  });

  it("the copies are independent: what the parent does after fork does not reach the child's allocator, and the reverse", () => {
    const { proc, np } = world();
    np.zeros(1000);
    const child = proc.fork();
    const childBlocks = libcOf(child).blocks();
    const parentBlocks = libcOf(proc).blocks();
    np.zeros(5000);
    np.zeros(2 ** 20);
    expect(libcOf(child).blocks()).toEqual(childBlocks);
    numpy(child).zeros(7000);
    numpy(child).zeros(2 ** 21);
    const parentAfter = libcOf(proc).blocks();
    expect(parentAfter).not.toEqual(parentBlocks);
    expect(libcOf(child).blocks()).not.toEqual(childBlocks);
    expect(libcOf(proc).check()).toBe(true);
    expect(libcOf(child).check()).toBe(true);
    expect(libcOf(proc).blocks()).toEqual(parentAfter);
  });

  it("malloc in the child reuses the inherited free lists as glibc would: same addresses as the parent's next calls", () => {
    const { proc, np } = world();
    const small = np.zeros(10);
    const smallAddress = small.address;
    small.free(); // into numpy's small-buffer cache
    const libc = libcOf(proc);
    const cached = libc.malloc(64) as number;
    const binned = libc.malloc(5000) as number; // beyond the tcache: freed into the bins
    libc.malloc(5000); // keeps it from merging into top
    libc.free(binned);
    libc.free(cached); // into the tcache
    const child = proc.fork();
    const childLibc = libcOf(child);
    expect(childLibc.malloc(5000)).toBe(binned);
    expect(childLibc.malloc(64)).toBe(cached);
    expect(childLibc.counters.tcacheHits).toBe(1);
    expect(numpy(child).empty(10).address).toBe(smallAddress);
    // The parent, independently, hands out the very same blocks.
    expect(libc.malloc(5000)).toBe(binned);
    expect(libc.malloc(64)).toBe(cached);
    expect(np.empty(10).address).toBe(smallAddress);
    expect(child.events.map((e) => e.call)).not.toContain("sbrk");
    expect(childLibc.check()).toBe(true);
  });

  it("only a parent that had a runtime passes it on; a child of a bare process starts fresh, as before", () => {
    const machine = new Machine({ seed: 1 });
    const bare = machine.spawn();
    const early = bare.fork();
    const np = numpy(bare);
    const late = bare.fork();
    expect(libcOf(early).counters.sbrkCalls).toBe(1); // its own, fresh heap
    expect(early.events.map((e) => e.call)).toContain("sbrk");
    expect(libcOf(late).blocks()).toEqual(libcOf(bare).blocks());
    expect(numpy(late) !== np).toBe(true);
  });

  it("works on the Windows preset too (the simulator lets it fork)", () => {
    const { proc, np } = world({ preset: "windows-x86_64" });
    np.zeros(1000);
    np.zeros(2 ** 18);
    const child = proc.fork();
    expect(libcOf(child).kind).toBe("windows");
    expect(libcOf(child).blocks()).toEqual(libcOf(proc).blocks());
    expect(libcOf(child).mallinfo()).toEqual(libcOf(proc).mallinfo());
    numpy(child).zeros(3000);
    expect(libcOf(child).check()).toBe(true);
    expect(libcOf(proc).check()).toBe(true);
  });
});

describe("numpy(child).inherited(a): the parent's array in the child", () => {
  it("has the parent's shape, dtype, address and values, bound to the child", () => {
    const { proc, np } = world();
    const a = np.arange(0, 2000, 1, "int32").reshape(40, 50);
    const child = proc.fork();
    const npc = numpy(child);
    const b = npc.inherited(a);
    expect(b !== a).toBe(true);
    expect(b.runtime === npc).toBe(true);
    expect(b.runtime.proc === child).toBe(true);
    expect([b.shape, b.strides, b.dtype.name, b.address, b.nbytes]).toEqual([a.shape, a.strides, a.dtype.name, a.address, a.nbytes]);
    expect(b.toArray()).toEqual(a.toArray());
    expect(b.get(39, 49)).toBe(1999);
    expect(npc.inherited(a) === b).toBe(true); // one call, one object
    expect(npc.inherited(b) === b).toBe(true); // an array of this process is itself
  });

  it("a write in the child copies the page for the child only: the parent's values stay", () => {
    const { proc, np } = world();
    const a = np.arange(0, 4 * 512, 1, "float64"); // 4 pages of data
    const child = proc.fork();
    const b = numpy(child).inherited(a);
    b[0] = 42;
    expect(child.counters.cowCopies).toBe(1);
    expect(b[0]).toBe(42);
    expect(a[0]).toBe(0);
    numpy(child).add(b, 1000, { out: b });
    expect(child.counters.cowCopies).toBeGreaterThanOrEqual(4);
    expect(proc.counters.cowCopies).toBe(0);
    expect(b.get(5)).toBe(1005);
    expect(a.toArray()).toEqual(Array.from({ length: 2048 }, (_, i) => i));
    expect(proc.frameOf(a.address + PAGE)).not.toBe(child.frameOf(a.address + PAGE));
  });

  it("free() in the child releases the child's copy through the child's libc; the parent's array stays valid", () => {
    const { proc, np } = world();
    const big = np.full(2 ** 20, 3); // 8 MiB, an mmapped chunk
    const heap = np.arange(0, 5000, 1, "float64"); // from the brk heap
    const child = proc.fork();
    const npc = numpy(child);
    const before = sizes(child);
    const bigInChild = npc.inherited(big);
    bigInChild.free();
    expect(bigInChild.freed).toBe(true);
    expect(before.VmSize - sizes(child).VmSize).toBe(8 * 1024 + 4); // munmap in the child only
    expect(sizes(proc).VmSize).toBe(before.VmSize);
    npc.inherited(heap).free();
    expect(libcOf(child).blocks().some((b) => b.ptr === big.address)).toBe(false);
    expect(libcOf(proc).blocks().some((b) => b.ptr === big.address)).toBe(true);
    expect(libcOf(child).blocks().find((b) => b.ptr === heap.address)).toBeUndefined();
    expect(libcOf(child).check()).toBe(true);
    // The parent's arrays are untouched and still its own to free.
    expect(big.freed).toBe(false);
    expect(big.sum()).toBe(3 * 2 ** 20);
    expect(heap.sum()).toBe((4999 * 5000) / 2);
    big.free();
    heap.free();
    expect(libcOf(proc).check()).toBe(true);
    // The child's copy is gone for good.
    expect(() => npc.inherited(big)).toThrow(UseAfterFreeError);
    expect(() => bigInChild.sum()).toThrow(UseAfterFreeError);
  });

  it("a parent's array freed after the fork is still the child's", () => {
    const { proc, np } = world();
    const a = np.full(100, 5);
    const child = proc.fork();
    a.free();
    const b = numpy(child).inherited(a);
    expect(b.sum()).toBe(500);
    b.free();
    expect(libcOf(child).check()).toBe(true);
  });

  it("a view is inherited as a view of the inherited array", () => {
    const { proc, np } = world();
    const a = np.arange(0, 100, 1, "float64");
    const v = a.slice(10, 20, 2);
    const child = proc.fork();
    const npc = numpy(child);
    const w = npc.inherited(v);
    expect(w.base === npc.inherited(a)).toBe(true);
    expect(w.toArray()).toEqual([10, 12, 14, 16, 18]);
    expect(() => w.free()).toThrow(/this is a view/);
  });

  it("reaches a grandparent's array through the line of forks", () => {
    const { proc, np } = world();
    const a = np.full(1000, 1);
    const child = proc.fork();
    const grandchild = child.fork();
    expect(grandchild.parent === child).toBe(true);
    expect(child.parent === proc).toBe(true);
    expect(proc.parent === null).toBe(true);
    const g = numpy(grandchild).inherited(a);
    g[3] = 9;
    expect(numpy(child).inherited(a)[3]).toBe(1);
    expect(a[3]).toBe(1);
    expect(g[3]).toBe(9);
    expect(numpy(grandchild).inherited(numpy(child).inherited(a)) === g).toBe(false); // another object, the same memory
    expect(numpy(grandchild).inherited(numpy(child).inherited(a)).address).toBe(g.address);
  });

  it("refuses an array of an unrelated process, of a child (the reverse way), or made after the fork, naming the processes", () => {
    const { machine, proc, np } = world();
    const a = np.zeros(10);
    const child = proc.fork();
    const stranger = machine.spawn();
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      throw new Error("not refused");
    };
    const unrelated = refusal(() => numpy(stranger).inherited(a));
    expect(unrelated instanceof InvalidArgumentError).toBe(true);
    expect(String(unrelated)).toMatch(new RegExp(`belongs to pid ${proc.pid}, which is not an ancestor of pid ${stranger.pid} \\(pid ${stranger.pid} was not forked\\)`));
    const childArray = numpy(child).zeros(10);
    const reverse = refusal(() => numpy(proc).inherited(childArray));
    expect(reverse instanceof InvalidArgumentError).toBe(true);
    expect(String(reverse)).toMatch(new RegExp(`belongs to pid ${child.pid}, which is not an ancestor of pid ${proc.pid}`));
    const later = np.zeros(10);
    const tooLate = refusal(() => numpy(child).inherited(later));
    expect(tooLate instanceof InvalidArgumentError).toBe(true);
    expect(String(tooLate)).toMatch(new RegExp(`was not alive in pid ${proc.pid} when pid ${child.pid} was forked from it`));
    expect(() => numpy(child).inherited(42 as never)).toThrow(/inherited\(a\): a must be an ndarray, got number/);
    expect(() => numpy(child).inherited(node(proc).typedArray("Float64Array", 4))).toThrow(/was not made by numpy/);
  });
});

describe("node(child).inherited(a)", () => {
  it("reaches the parent's typed arrays and Buffers, writes copy-on-write, frees through the child's libc", () => {
    const { proc } = world();
    const js = node(proc);
    expect(node(proc) === js).toBe(true);
    const t = js.typedArray("Float64Array", 1000);
    t.fill(2);
    const small = js.bufferAllocUnsafe(100); // a slice of the Buffer pool
    small.fill(7);
    const child = proc.fork();
    const tc = node(child).inherited(t);
    expect(tc.sum()).toBe(2000);
    tc[0] = 100;
    expect(t[0]).toBe(2);
    expect(node(child).inherited(small).get(99)).toBe(7);
    tc.free();
    expect(libcOf(child).blocks().some((b) => b.ptr === t.address)).toBe(false);
    expect(t.sum()).toBe(2000);
    // The pool is the parent's copy: the child's next small Buffer follows the parent's last one.
    expect(node(child).bufferAllocUnsafe(8).address).toBe(small.address + 104);
  });
});
