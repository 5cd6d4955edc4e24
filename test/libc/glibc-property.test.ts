// Random malloc / calloc / realloc / free sequences on two threads: the model's invariants hold
// after every call, blocks never overlap, every heap byte is accounted for, and what a program
// writes into a block reads back intact until the block is freed.
import fc from "fast-check";
import { expect, test } from "vitest";
import { Machine } from "../../src/kernel";
import { Glibc, type GlibcThread } from "../../src/libc/glibc";
import type { VmHost } from "../../src/libc/host";
import { FakeHost } from "./fake-host";

type Op =
  | { kind: "malloc"; size: number; thread: number }
  | { kind: "calloc"; size: number; thread: number }
  | { kind: "realloc"; pick: number; size: number; thread: number }
  | { kind: "free"; pick: number; thread: number };

const size = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2048 }) },
  { weight: 3, arbitrary: fc.integer({ min: 2049, max: 300_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 300_001, max: 3_000_000 }) },
);
const thread = fc.integer({ min: 0, max: 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("malloc" as const), size, thread }),
  fc.record({ kind: fc.constant("calloc" as const), size, thread }),
  fc.record({ kind: fc.constant("realloc" as const), pick: fc.nat(), size, thread }),
  fc.record({ kind: fc.constant("free" as const), pick: fc.nat(), thread }),
);

interface Live {
  ptr: number;
  size: number;
  tag: number;
}

// The bytes a block holds: its head and tail (up to 64 bytes each) carry a tag-derived pattern.
function spans(b: Live): Array<[number, number]> {
  if (b.size <= 128) return [[0, b.size]];
  return [[0, 64], [b.size - 64, 64]];
}
function pattern(tag: number, offset: number, n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (tag * 31 + offset + i) % 251);
}

// Runs one property over hosts made by `spawn`; `after` checks the host itself at the end.
function randomSequences(spawn: () => { host: VmHost; after(): void }, numRuns: number): void {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, tcache) => {
      const { host, after } = spawn();
      const g = new Glibc(host, { tcache });
      const callers: Array<Glibc | GlibcThread> = [g, g.threadArena()];
      const live: Live[] = [];
      let tags = 0;
      const fill = (b: Live) => {
        for (const [off, n] of spans(b)) host.write(b.ptr + off, pattern(b.tag, off, n));
      };
      const verify = (b: Live, upTo = b.size) => {
        for (const [off, n] of spans({ ...b, size: Math.min(upTo, b.size) })) {
          expect([...host.read(b.ptr + off, n)]).toEqual([...pattern(b.tag, off, n)]);
        }
      };
      for (const o of ops) {
        const c = callers[o.thread];
        if (o.kind === "malloc" || o.kind === "calloc") {
          const ptr = o.kind === "malloc" ? c.malloc(o.size) : c.calloc(o.size);
          expect(ptr).not.toBeNull();
          const b = { ptr: ptr as number, size: o.size, tag: ++tags };
          if (o.kind === "calloc" && o.size > 0) {
            for (const [off, n] of spans(b)) expect(host.read(b.ptr + off, n).every((x) => x === 0)).toBe(true);
          }
          fill(b);
          live.push(b);
        } else if (live.length > 0) {
          const i = o.pick % live.length;
          const b = live[i];
          if (o.kind === "free") {
            c.free(b.ptr);
            live.splice(i, 1);
          } else {
            const ptr = c.realloc(b.ptr, o.size);
            if (o.size === 0) {
              expect(ptr).toBeNull();
              live.splice(i, 1);
            } else {
              const moved = { ptr: ptr as number, size: o.size, tag: b.tag };
              // content survives up to the smaller size: check the head that both sizes share
              const kept = Math.min(b.size, o.size, 64);
              expect([...host.read(moved.ptr, kept)]).toEqual([...pattern(b.tag, 0, kept)]);
              moved.tag = ++tags;
              fill(moved);
              live[i] = moved;
            }
          }
        }
        g.check();
        const blocks = g.blocks();
        const info = g.mallinfo();
        // every heap byte is in exactly one block; mmapped bytes match the mmapped blocks
        const heapBytes = blocks.filter((x) => x.state !== "mmapped").reduce((s, x) => s + x.size, 0);
        expect(heapBytes).toBe(info.arena);
        expect(blocks.filter((x) => x.state === "mmapped").reduce((s, x) => s + x.size, 0)).toBe(info.mmapped);
        for (let k = 1; k < blocks.length; k++) expect(blocks[k].start).toBeGreaterThanOrEqual(blocks[k - 1].start + blocks[k - 1].size);
        for (const b of live) {
          const block = blocks.find((x) => x.ptr === b.ptr);
          expect(block && (block.state === "in-use" || block.state === "mmapped")).toBe(true);
          expect(block!.usable).toBeGreaterThanOrEqual(b.size);
          verify(b);
        }
      }
      after();
    }),
    { numRuns },
  );
}

test("random call sequences keep every invariant and every byte (fake host)", () => {
  randomSequences(() => ({ host: new FakeHost(), after: () => undefined }), 60);
});

test("random call sequences keep every invariant and every byte (simulated Linux kernel)", () => {
  randomSequences(() => {
    const machine = new Machine();
    return { host: machine.spawn(), after: () => machine.check() };
  }, 30);
});
