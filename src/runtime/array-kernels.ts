// numpy's inner loops over simulated memory. Contiguous arrays are processed one page at a
// time, in the order numpy's loop touches them (for each page: read the inputs, then write the
// output), so faults and TLB counts match a real run. A page whose frame holds one repeated
// 8-byte pattern is computed once per pattern slot, not once per element: a 2 GiB array of one
// value costs O(pages). Other layouts (strided views, misaligned elements) go element by element.
import type { DType } from "./dtypes";
import type { FrameStore, PagedProcess } from "./page-io";
import { forEachPageSpan } from "./page-io";
import { Reduction } from "./element-ops";

const PATTERN = 8;

/** Where an operand's bytes live: a contiguous run, or a general strided layout. */
export interface Layout {
  address: number;
  dtype: DType;
  size: number;
  /** Byte offsets of the elements in C order, relative to address (only for non-contiguous). */
  contiguous: boolean;
  offsets(): Iterable<number>;
}

/** What a page chunk of one input holds: one repeated pattern, or bytes at an offset. */
interface ChunkInput {
  pattern: Uint8Array | null;
  bytes: Uint8Array | null;
  offset: number;
  view: DataView | null;
}

/** Reusable state of one operation: no allocation per page. */
class PageVisitor {
  pfn = -1;
  readonly visit = (pfn: number): void => {
    this.pfn = pfn;
  };
}

function fastPathOk(layout: Layout): boolean {
  const s = layout.dtype.itemsize;
  return layout.contiguous && layout.address % s === 0 && PATTERN % s === 0;
}

/** Reads one page chunk of `layout` at `runOffset` (length bytes) as a load of `count` elements. */
function loadChunk(proc: PagedProcess, mem: FrameStore, visitor: PageVisitor, layout: Layout, runOffset: number, length: number, into: ChunkInput): void {
  const addr = layout.address + runOffset;
  const ps = proc.pageSize;
  if ((addr % ps) + length <= ps) {
    proc.accessPages(addr, length, "read", visitor.visit, { elementSize: layout.dtype.itemsize });
    const pattern = mem.patternOf(visitor.pfn);
    if (pattern !== null && (addr % PATTERN) === 0) {
      into.pattern = pattern;
      into.bytes = null;
      into.offset = 0;
      into.view = new DataView(pattern.buffer, pattern.byteOffset, PATTERN);
      return;
    }
    const bytes = pattern === null ? mem.denseBytes(visitor.pfn) : expandPattern(pattern, ps);
    into.pattern = null;
    into.bytes = bytes;
    into.offset = addr % ps;
    into.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return;
  }
  // The operand's pages do not line up with the output's: read the bytes (faulting each page).
  const bytes = proc.read(addr, length);
  into.pattern = null;
  into.bytes = bytes;
  into.offset = 0;
  into.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function expandPattern(pattern: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += PATTERN) out.set(pattern, i);
  return out;
}

function newInput(): ChunkInput {
  return { pattern: null, bytes: null, offset: 0, view: null };
}

/** An operand of an elementwise function: an array layout or a scalar. */
export type Operand = { layout: Layout } | { scalar: number };

/**
 * out[i] = f(a[i], b[i]) for every element, numpy's loop order, with results cast to out's dtype.
 * `compute` receives values already read from the inputs' dtypes.
 */
export function elementwise(
  proc: PagedProcess,
  mem: FrameStore,
  out: Layout,
  inputs: Operand[],
  compute: (values: number[]) => number,
  options: { perElement?: boolean } = {},
): void {
  const allFast = fastPathOk(out) && inputs.every((op) => "scalar" in op || (fastPathOk(op.layout) && op.layout.size === out.size));
  if (!allFast) {
    elementwiseSlow(proc, out, inputs, compute);
    return;
  }
  const visitor = new PageVisitor();
  const loaded = inputs.map(() => newInput());
  const patternViews = inputs.map((op) => ("scalar" in op ? null : op));
  const values = new Array<number>(inputs.length).fill(0);
  const outType = out.dtype;
  const size = outType.itemsize;
  const scratch = new Uint8Array(PATTERN);
  const scratchView = new DataView(scratch.buffer);
  const ps = proc.pageSize;
  forEachPageSpan(ps, out.address, out.size * size, (outAddr, length, runOffset) => {
    let uniform = true;
    for (let j = 0; j < inputs.length; j++) {
      const op = inputs[j];
      if ("scalar" in op) continue;
      loadChunk(proc, mem, visitor, op.layout, runOffset, length, loaded[j]);
      if (loaded[j].pattern === null) uniform = false;
    }
    proc.accessPages(outAddr, length, "write", visitor.visit, { elementSize: size });
    const pfn = visitor.pfn;
    const frameOffset = outAddr % ps;
    const count = length / size;
    if (uniform && !options.perElement && frameOffset % PATTERN === 0) {
      // Every input repeats with period 8 bytes here, so the output does too: compute one period.
      for (let slot = 0; slot < PATTERN; slot += size) {
        for (let j = 0; j < inputs.length; j++) {
          const op = inputs[j];
          values[j] = "scalar" in op ? op.scalar : op.layout.dtype.get(loaded[j].view as DataView, slot);
        }
        outType.set(scratchView, slot, outType.cast(compute(values)));
      }
      const result = scratch.slice();
      if (length === ps) {
        mem.setPattern(pfn, result);
        return;
      }
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i += PATTERN) bytes.set(result.subarray(0, Math.min(PATTERN, length - i)), i);
      mem.writeBytes(pfn, frameOffset, bytes, 0, length);
      return;
    }
    const outBytes = mem.denseBytes(pfn);
    const outView = new DataView(outBytes.buffer, outBytes.byteOffset, outBytes.byteLength);
    for (let k = 0; k < count; k++) {
      const byteInChunk = k * size;
      for (let j = 0; j < inputs.length; j++) {
        const op = inputs[j];
        if ("scalar" in op) values[j] = op.scalar;
        else {
          const pv = patternViews[j] as { layout: Layout };
          const input = loaded[j];
          const at = input.pattern !== null ? byteInChunk % PATTERN : input.offset + byteInChunk;
          values[j] = pv.layout.dtype.get(input.view as DataView, at);
        }
      }
      outType.set(outView, frameOffset + byteInChunk, outType.cast(compute(values)));
    }
  });
}

/** Element-by-element fallback: each element is a load (or store) through the MMU. */
function elementwiseSlow(proc: PagedProcess, out: Layout, inputs: Operand[], compute: (values: number[]) => number): void {
  const inputOffsets = inputs.map((op) => ("scalar" in op ? null : op.layout.offsets()[Symbol.iterator]()));
  const values = new Array<number>(inputs.length).fill(0);
  const outBuf = new Uint8Array(out.dtype.itemsize);
  const outView = new DataView(outBuf.buffer);
  for (const outOffset of out.offsets()) {
    for (let j = 0; j < inputs.length; j++) {
      const op = inputs[j];
      if ("scalar" in op) values[j] = op.scalar;
      else {
        const off = (inputOffsets[j] as Iterator<number>).next().value as number;
        values[j] = loadElement(proc, op.layout.address + off, op.layout.dtype);
      }
    }
    out.dtype.set(outView, 0, out.dtype.cast(compute(values)));
    proc.write(out.address + outOffset, outBuf);
  }
}

/** Loads one element (it may straddle two pages: both are read). */
export function loadElement(proc: PagedProcess, addr: number, dtype: DType): number {
  const bytes = proc.read(addr, dtype.itemsize);
  return dtype.get(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
}

/** Stores one element (it may straddle two pages: both are written). */
export function storeElement(proc: PagedProcess, addr: number, dtype: DType, value: number): void {
  const bytes = new Uint8Array(dtype.itemsize);
  dtype.set(new DataView(bytes.buffer), 0, dtype.cast(value));
  proc.write(addr, bytes);
}

/** Reads every element once (a reduction's loop): sum, max and count. */
export function reduce(proc: PagedProcess, mem: FrameStore, layout: Layout): Reduction {
  const r = new Reduction();
  const dtype = layout.dtype;
  if (!fastPathOk(layout)) {
    for (const off of layout.offsets()) r.add(loadElement(proc, layout.address + off, dtype));
    return r;
  }
  const visitor = new PageVisitor();
  const input = newInput();
  const size = dtype.itemsize;
  forEachPageSpan(proc.pageSize, layout.address, layout.size * size, (_addr, length, runOffset) => {
    loadChunk(proc, mem, visitor, layout, runOffset, length, input);
    const count = length / size;
    if (input.pattern !== null) {
      const pv = input.view as DataView;
      const slots = PATTERN / size;
      for (let s = 0; s < slots; s++) {
        // Elements at this slot within the chunk: the chunk starts 8-aligned.
        const n = Math.floor((count - s + slots - 1) / slots);
        r.addRepeated(dtype.get(pv, s * size), n);
      }
      return;
    }
    const view = input.view as DataView;
    for (let k = 0; k < count; k++) r.add(dtype.get(view, input.offset + k * size));
  });
  return r;
}

/** Stores `value` into every element (numpy's fill / copyto of a scalar). */
export function fill(proc: PagedProcess, mem: FrameStore, layout: Layout, value: number): void {
  elementwise(proc, mem, layout, [], () => value);
}

/** Copies src's elements into dst (same size), numpy's copyto order. */
export function copyElements(proc: PagedProcess, mem: FrameStore, dst: Layout, src: Layout): void {
  elementwise(proc, mem, dst, [{ layout: src }], (v) => v[0]);
}
