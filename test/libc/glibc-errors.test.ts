// Bad input and refusals: argument errors name the argument, impossible sizes return NULL with
// errno ENOMEM, double frees and bad pointers throw glibc's words; nothing changes on failure.
import { describe, expect, test } from "vitest";
import { HeapCorruptionError, InvalidArgumentError, OutOfMemoryError, PagelabError } from "../../src/errors";
import { Glibc } from "../../src/libc/glibc";
import { FakeHost } from "./fake-host";

function snapshot(g: Glibc) {
  return JSON.stringify({ blocks: g.blocks(), info: g.mallinfo() });
}

describe("argument errors", () => {
  test.each([-1, 1.5, NaN, Infinity, "8", null])("malloc(%s) throws naming size", (bad) => {
    const g = new Glibc(new FakeHost());
    const before = snapshot(g);
    expect(() => g.malloc(bad as number)).toThrow(InvalidArgumentError);
    expect(() => g.malloc(bad as number)).toThrow(/malloc: size must be a non-negative integer/);
    expect(snapshot(g)).toBe(before);
    expect(g.counters.malloc).toBe(0);
  });

  test("calloc, realloc, free and mallopt name their argument", () => {
    const g = new Glibc(new FakeHost());
    expect(() => g.calloc(-2, 8)).toThrow(/calloc: count/);
    expect(() => g.calloc(2, 0.5)).toThrow(/calloc: size/);
    expect(() => g.realloc(-16, 8)).toThrow(/realloc: ptr/);
    expect(() => g.realloc(null, -8)).toThrow(/realloc: size/);
    expect(() => g.free(3.5)).toThrow(/free: ptr/);
    expect(() => g.mallopt("M_NOPE" as "M_TOP_PAD", 1)).toThrow(/mallopt: param/);
    expect(() => g.mallopt("M_TOP_PAD", 0.5)).toThrow(/mallopt: value/);
    expect(() => g.mallopt("M_TOP_PAD", -1)).toThrow(/M_TOP_PAD/);
    expect(() => new Glibc(new FakeHost(), { cores: 0 })).toThrow(/options.cores/);
  });
});

describe("ENOMEM", () => {
  test("a size no address space holds returns null, sets errno, and changes nothing", () => {
    const host = new FakeHost();
    const g = new Glibc(host);
    const before = snapshot(g);
    const calls = host.calls.length;
    expect(g.malloc(2 ** 50)).toBeNull();
    expect(g.errno).toBe("ENOMEM");
    expect(g.counters.failures).toBe(1);
    expect(snapshot(g)).toBe(before);
    expect(host.calls.length).toBe(calls);
  });

  test("when the kernel refuses both mmap and sbrk, malloc returns null and state is unchanged", () => {
    const host = new FakeHost();
    host.maxMapping = 2 ** 30;
    host.maxHeap = 2 ** 30;
    const g = new Glibc(host);
    const before = snapshot(g);
    expect(g.malloc(3 * 2 ** 30)).toBeNull();
    expect(g.errno).toBe("ENOMEM");
    expect(snapshot(g)).toBe(before);
    g.check();
  });

  test("a refused mmap falls back to the heap", () => {
    const host = new FakeHost();
    host.maxMapping = 2 ** 20;
    const g = new Glibc(host);
    const p = g.malloc(4 * 2 ** 20) as number;
    expect(p).toBeLessThan(g.mallinfo().heapEnd as number);
    g.check();
  });

  test("errors other than ENOMEM from the kernel propagate", () => {
    const host = new FakeHost();
    host.mmap = () => {
      throw new PagelabError("process-killed", "killed");
    };
    const g = new Glibc(host);
    expect(() => g.malloc(2 ** 20)).toThrow("killed");
    expect(new OutOfMemoryError("x")).toBeInstanceOf(PagelabError);
  });
});

describe("bad frees", () => {
  test("a small double free is caught by the tcache", () => {
    const g = new Glibc(new FakeHost());
    const p = g.malloc(24) as number;
    g.free(p);
    const before = snapshot(g);
    expect(() => g.free(p)).toThrow("free(): double free detected in tcache 2");
    expect(() => g.free(p)).toThrow(HeapCorruptionError);
    expect(snapshot(g)).toBe(before);
    expect(g.counters.free).toBe(1);
  });

  test("a large double free: (!prev) in the bins, (top) once merged into top", () => {
    const g = new Glibc(new FakeHost());
    const a = g.malloc(5000) as number;
    const b = g.malloc(5000) as number;
    g.free(a);
    expect(() => g.free(a)).toThrow("double free or corruption (!prev)");
    expect(() => g.free(a)).toThrow(HeapCorruptionError);
    g.free(b); // b merges with a and top
    expect(() => g.free(a)).toThrow("double free or corruption (top)");
    g.check();
  });

  test("pointers malloc never returned are invalid", () => {
    const g = new Glibc(new FakeHost());
    const p = g.malloc(100) as number;
    expect(() => g.free(p + 8)).toThrow("free(): invalid pointer");
    expect(() => g.free(0x1234)).toThrow("free(): invalid pointer");
    expect(() => g.realloc(p + 16, 10)).toThrow("realloc(): invalid pointer");
    const m = g.malloc(2 ** 20) as number;
    g.free(m);
    expect(() => g.free(m)).toThrow("free(): invalid pointer");
    expect(() => g.usableSize(p + 1)).toThrow("malloc_usable_size(): invalid pointer");
    for (const bad of [() => g.free(0x1234), () => g.realloc(p + 16, 10), () => g.usableSize(p + 1)]) {
      expect(bad).toThrow(HeapCorruptionError);
      expect(bad).not.toThrow(InvalidArgumentError); // the pointer is well-typed: glibc's abort, not a typo
    }
    g.free(null);
    g.free(0);
    g.check();
  });
});
