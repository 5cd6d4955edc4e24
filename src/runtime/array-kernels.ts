// numpy's inner loops over simulated memory. Contiguous arrays are processed one page at a
// time, in the order numpy's loop touches them (for each page: read the inputs, then write the
// output), so faults and TLB counts match a real run. A page whose frame holds one repeated
// 8-byte pattern is computed once per pattern slot, not once per element: a 2 GiB array of one
// value costs O(pages). Other layouts (strided views, misaligned elements) go element by element.
//
// What one access is: every element API (a[i], get, set, toArray, sum/mean/max, ufuncs, fill,
// copy, arange) makes ONE translated access per element it reads or writes, whatever the dtype: a
// float64 is one access, not eight, and a uint8 is one access too. The count is computed here, by
// handing the kernel each range with `elementSize = dtype.itemsize` (see readElements /
// writeElements and the block loops), so the kernel's runAccess gives each page visit one repeat
// per element overlapping that page. Vectorised loops (reductions, ufuncs) count per element, not
// per vector: an input is read n times and an output written n times for n elements. An element
// that straddles a page boundary is one access to each of its two pages, as a split load is on
// hardware. The kernel's raw byte calls keep their own units: read/write count one access per
// byte, memset one per 8-byte store, touch one per page, accessPages one per page visit unless
// given an elementSize.
import type { DType } from "./dtypes";
import type { FrameStore, PagedProcess } from "./page-io";
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

// numpy's ufunc loops work through a buffer of NPY_BUFSIZE = 8192 elements (numpy/_core/include/
// numpy/ndarraytypes.h): 64 KiB of float64, 16 pages of 4 KiB. We visit the pages of each operand
// in blocks of that size — inputs read, then the output written — one MMU call per operand per block.
const BLOCK_BYTES = 8192 * 8;

/** The frames behind one block of a byte range: one entry per page chunk, filled by the MMU walk. */
class PageRun {
  readonly pfns: Float64Array;
  readonly frameOffsets: Float64Array;
  readonly lengths: Float64Array;
  count = 0;
  constructor(capacity: number) {
    this.pfns = new Float64Array(capacity);
    this.frameOffsets = new Float64Array(capacity);
    this.lengths = new Float64Array(capacity);
  }
  readonly visit = (pfn: number, frameOffset: number, length: number): void => {
    const i = this.count++;
    this.pfns[i] = pfn;
    this.frameOffsets[i] = frameOffset;
    this.lengths[i] = length;
  };
}

/** One operand's bytes for the chunk being computed: a repeated 8-byte pattern, or bytes at an offset. */
interface ChunkSource {
  pattern: boolean;
  view: DataView;
  offset: number;
}

/** Where an input's block lives: page chunks aligned with the output's, or one copied buffer. */
class InputBlock {
  readonly run: PageRun;
  buffer: DataView | null = null;
  /** The current chunk's pattern, when its frame holds one (reused: no allocation per page). */
  readonly pattern = new Uint8Array(PATTERN);
  readonly patternView = new DataView(this.pattern.buffer);
  readonly source: ChunkSource = { pattern: false, view: new DataView(new ArrayBuffer(8)), offset: 0 };
  constructor(readonly layout: Layout, capacity: number) {
    this.run = new PageRun(capacity);
  }
}

function fastPathOk(layout: Layout): boolean {
  const s = layout.dtype.itemsize;
  return layout.contiguous && layout.address % s === 0 && PATTERN % s === 0;
}

/**
 * Loads elements [first, first + count) of an input, page by page through the MMU, one access per
 * element. `outAddr` and `outSize` are the address and itemsize of the output block they pair with.
 */
function loadInputBlock(
  proc: PagedProcess,
  mem: FrameStore,
  input: InputBlock,
  first: number,
  count: number,
  outAddr: number,
  outSize: number,
): void {
  const size = input.layout.dtype.itemsize;
  const addr = input.layout.address + first * size;
  const length = count * size;
  const ps = proc.pageSize;
  input.run.count = 0;
  if (size === outSize && addr % ps === outAddr % ps) {
    input.buffer = null;
    proc.accessPages(addr, length, "read", input.run.visit, { elementSize: size });
    return;
  }
  // The operand's pages do not line up with the output's (another page offset or itemsize): copy
  // its elements out (each page still faults, each element is still one access).
  const bytes = new Uint8Array(length);
  readElements(proc, mem, addr, length, size, bytes);
  input.buffer = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Points input.source at the bytes of chunk `i` of the block (its first element is `element` of the block). */
function selectChunk(mem: FrameStore, input: InputBlock, i: number, element: number, pageSize: number): ChunkSource {
  const src = input.source;
  if (input.buffer !== null) {
    src.pattern = false;
    src.view = input.buffer;
    src.offset = element * input.layout.dtype.itemsize;
    return src;
  }
  const pfn = input.run.pfns[i];
  const frameOffset = input.run.frameOffsets[i];
  const isPattern = mem.patternInto(pfn, input.pattern);
  if (isPattern && frameOffset % PATTERN === 0) {
    src.pattern = true;
    src.view = input.patternView;
    src.offset = 0;
    return src;
  }
  const bytes = isPattern ? expandPattern(input.pattern, pageSize) : mem.denseBytes(pfn);
  src.pattern = false;
  src.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  src.offset = frameOffset;
  return src;
}

function expandPattern(pattern: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += PATTERN) out.set(pattern, i);
  return out;
}

/** Calls fn(runOffset, length) for consecutive blocks of [address, address + bytes), block ends page-aligned. */
function forEachBlock(pageSize: number, address: number, bytes: number, fn: (runOffset: number, length: number) => void): void {
  const blockBytes = Math.max(pageSize, Math.floor(BLOCK_BYTES / pageSize) * pageSize);
  let runOffset = 0;
  while (runOffset < bytes) {
    const a = address + runOffset;
    const blockEnd = Math.floor(a / pageSize) * pageSize + blockBytes;
    const length = Math.min(blockEnd - a, bytes - runOffset);
    fn(runOffset, length);
    runOffset += length;
  }
}

/** An operand of an elementwise function: an array layout or a scalar. */
export type Operand = { layout: Layout } | { scalar: number };

/**
 * out[i] = f(a[i], b[i]) for every element, numpy's loop order, with results cast to out's dtype.
 * `compute` receives values already read from the inputs' dtypes. `perElement` turns off the
 * one-period shortcut (for results that depend on the element's index, like arange).
 */
export function elementwise(
  proc: PagedProcess,
  mem: FrameStore,
  out: Layout,
  inputs: Operand[],
  compute: (values: number[]) => number,
  options: { perElement?: boolean } = {},
): void {
  // Inputs of another itemsize than the output (int32 + float64) stay on the fast path: their
  // elements are copied out per block (loadInputBlock), matched to the output by element index.
  const allFast = fastPathOk(out) && inputs.every((op) => "scalar" in op || (fastPathOk(op.layout) && op.layout.size === out.size));
  if (!allFast) {
    elementwiseSlow(proc, mem, out, inputs, compute);
    return;
  }
  const ps = proc.pageSize;
  const capacity = Math.ceil(BLOCK_BYTES / ps) + 2;
  const blocks = inputs.map((op) => ("scalar" in op ? null : new InputBlock(op.layout, capacity)));
  const sources: (ChunkSource | null)[] = inputs.map(() => null);
  const outRun = new PageRun(capacity);
  const values = new Array<number>(inputs.length).fill(0);
  for (let j = 0; j < inputs.length; j++) {
    const op = inputs[j];
    if ("scalar" in op) values[j] = op.scalar;
  }
  const outType = out.dtype;
  const size = outType.itemsize;
  const scratch = new Uint8Array(PATTERN);
  const scratchView = new DataView(scratch.buffer);
  forEachBlock(ps, out.address, out.size * size, (runOffset, blockLength) => {
    const first = runOffset / size;
    for (const block of blocks) if (block !== null) loadInputBlock(proc, mem, block, first, blockLength / size, out.address + runOffset, size);
    outRun.count = 0;
    // One access per output element (elementSize = itemsize): see "What one access is" above.
    proc.accessPages(out.address + runOffset, blockLength, "write", outRun.visit, { elementSize: size });
    let inBlock = 0;
    for (let i = 0; i < outRun.count; i++) {
      const pfn = outRun.pfns[i];
      const frameOffset = outRun.frameOffsets[i];
      const length = outRun.lengths[i];
      let uniform = !options.perElement && frameOffset % PATTERN === 0;
      for (let j = 0; j < blocks.length; j++) {
        const block = blocks[j];
        if (block === null) continue;
        const src = selectChunk(mem, block, i, inBlock / size, ps);
        sources[j] = src;
        if (!src.pattern) uniform = false;
      }
      if (uniform) {
        // Every input repeats with period 8 bytes here, so the output does too: compute one period.
        for (let slot = 0; slot < PATTERN; slot += size) {
          for (let j = 0; j < blocks.length; j++) {
            const block = blocks[j];
            if (block !== null) values[j] = block.layout.dtype.get((sources[j] as ChunkSource).view, slot);
          }
          outType.set(scratchView, slot, outType.cast(compute(values)));
        }
        if (length === ps) mem.setPattern(pfn, scratch); // copied into the frame: no allocation per page
        else {
          const bytes = new Uint8Array(length);
          for (let k = 0; k < length; k += PATTERN) bytes.set(scratch.subarray(0, Math.min(PATTERN, length - k)), k);
          mem.writeBytes(pfn, frameOffset, bytes, 0, length);
        }
      } else {
        const outBytes = mem.denseBytes(pfn);
        const outView = new DataView(outBytes.buffer, outBytes.byteOffset, outBytes.byteLength);
        const count = length / size;
        for (let k = 0; k < count; k++) {
          const byteInChunk = k * size;
          for (let j = 0; j < blocks.length; j++) {
            const block = blocks[j];
            if (block === null) continue;
            const src = sources[j] as ChunkSource;
            const inType = block.layout.dtype;
            // A pattern source is page-aligned with the output and of its itemsize.
            values[j] = inType.get(src.view, src.pattern ? byteInChunk % PATTERN : src.offset + k * inType.itemsize);
          }
          outType.set(outView, frameOffset + byteInChunk, outType.cast(compute(values)));
        }
      }
      inBlock += length;
    }
  });
}

/** Element-by-element fallback: each element is a load (or store) through the MMU, one access each. */
function elementwiseSlow(proc: PagedProcess, mem: FrameStore, out: Layout, inputs: Operand[], compute: (values: number[]) => number): void {
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
        values[j] = loadElement(proc, mem, op.layout.address + off, op.layout.dtype);
      }
    }
    out.dtype.set(outView, 0, out.dtype.cast(compute(values)));
    writeElements(proc, mem, out.address + outOffset, outBuf, outBuf.length);
  }
}

/**
 * Reads the elements of `elementSize` bytes in [addr, addr + length) into dst: one translated
 * access per element (an element straddling two pages is one access to each). The count is set
 * here: `elementSize` makes the kernel count each element overlapping a page visit once.
 */
function readElements(proc: PagedProcess, mem: FrameStore, addr: number, length: number, elementSize: number, dst: Uint8Array): void {
  proc.accessPages(addr, length, "read", (pfn, frameOffset, len, runOffset) => mem.readBytes(pfn, frameOffset, dst, runOffset, len), {
    elementSize,
    label: "read",
  });
}

/** Writes src (elements of `elementSize` bytes) to addr: one translated access per element. */
function writeElements(proc: PagedProcess, mem: FrameStore, addr: number, src: Uint8Array, elementSize: number): void {
  proc.accessPages(addr, src.length, "write", (pfn, frameOffset, len, runOffset) => mem.writeBytes(pfn, frameOffset, src, runOffset, len), {
    elementSize,
    label: "write",
  });
}

/** Loads one element: one access (two if it straddles two pages: both are read). */
export function loadElement(proc: PagedProcess, mem: FrameStore, addr: number, dtype: DType): number {
  const bytes = new Uint8Array(dtype.itemsize);
  readElements(proc, mem, addr, bytes.length, bytes.length, bytes);
  return dtype.get(new DataView(bytes.buffer), 0);
}

/** Stores one element: one access (two if it straddles two pages: both are written). */
export function storeElement(proc: PagedProcess, mem: FrameStore, addr: number, dtype: DType, value: number): void {
  const bytes = new Uint8Array(dtype.itemsize);
  dtype.set(new DataView(bytes.buffer), 0, dtype.cast(value));
  writeElements(proc, mem, addr, bytes, bytes.length);
}

/** Reads every element once (a reduction's loop): sum, max and count. */
export function reduce(proc: PagedProcess, mem: FrameStore, layout: Layout): Reduction {
  const r = new Reduction();
  const dtype = layout.dtype;
  if (!fastPathOk(layout)) {
    for (const off of layout.offsets()) r.add(loadElement(proc, mem, layout.address + off, dtype));
    return r;
  }
  const ps = proc.pageSize;
  const block = new InputBlock(layout, Math.ceil(BLOCK_BYTES / ps) + 2);
  const size = dtype.itemsize;
  const slots = PATTERN / size;
  forEachBlock(ps, layout.address, layout.size * size, (runOffset, blockLength) => {
    // One access per element read (elementSize = itemsize), not per 8-byte vector.
    loadInputBlock(proc, mem, block, runOffset / size, blockLength / size, layout.address + runOffset, size);
    let inBlock = 0;
    for (let i = 0; i < block.run.count; i++) {
      const length = block.run.lengths[i];
      const count = length / size;
      const src = selectChunk(mem, block, i, inBlock / size, ps);
      if (src.pattern) {
        for (let s = 0; s < slots; s++) {
          // Elements at this slot of the 8-byte period: the chunk starts 8-aligned.
          r.addRepeated(dtype.get(src.view, s * size), Math.floor((count - s + slots - 1) / slots));
        }
      } else {
        for (let k = 0; k < count; k++) r.add(dtype.get(src.view, src.offset + k * size));
      }
      inBlock += length;
    }
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
