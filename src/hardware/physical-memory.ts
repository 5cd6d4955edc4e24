// Simulated RAM: a frame allocator with reference counts, plus each frame's contents.
// Frames come out in a scattered, seeded order (a permutation of 2 MiB blocks, then a scatter
// inside each block), and freed frames are reused last-in first-out like Linux's per-cpu page
// lists, so contiguous virtual pages land on non-contiguous frames and a rerun gives the same pfns.
// Metadata lives in per-block typed arrays created on first use: a 16 GiB machine with three
// used frames costs kilobytes.

import { InternalCheckError, InvalidArgumentError, describeValue } from "../errors";
import { ChunkTable } from "./chunk-table";
import { FrameContents, PATTERN_BYTES } from "./frame-contents";
import { SeededPermutation } from "./seeded-permutation";

/** How much RAM a machine has and how its frames are grouped. */
export interface PhysicalMemoryOptions {
  /** Bytes of RAM; a multiple of the frame size. */
  ramBytes: number;
  /** Frame (base page) size in bytes: a power of two. */
  frameBytes: number;
  /** Frames per huge page (THP), or 0 when the platform has none. Sets the block size. */
  hugeFrames?: number;
  /** Seed of the allocation order. */
  seed?: number;
}

/** The largest reference count a frame can hold (a Uint16Array slot). */
const MAX_REFS = 0xffff;
/** Block size when the platform has no huge pages: 2 MiB, the x86-64 PMD size. */
const DEFAULT_BLOCK_BYTES = 2 ** 21;

/** A machine's RAM: frames with reference counts, a scattered but seeded allocator, and what each frame holds. */
export class PhysicalMemory {
  /** Bytes per frame (the base page size). */
  readonly frameBytes: number;
  /** Frames of RAM, the kernel's reserved ones included. */
  readonly totalFrames: number;
  /** Frames per allocation block (and per huge page when the platform has them). */
  readonly blockFrames: number;
  /** The shared zero page: reserved at boot, never freed, always zero (Linux's ZERO_PAGE). */
  readonly zeroPfn = 0;
  private readonly numBlocks: number;
  /** 1 / blockFrames, exact: blockFrames is a power of two. */
  private readonly inverseBlockFrames: number;
  private readonly blockOrder: SeededPermutation;
  private readonly frameOrder: SeededPermutation;
  private readonly refs: ChunkTable<Uint16Array>;
  private readonly blockUsed: Uint32Array;
  private readonly blockEntered: Uint8Array;
  private readonly contents: FrameContents;
  /** LIFO of freed frames; entries are hints, checked against refs when popped. */
  private freeStack = new Uint32Array(64);
  private freeStackLength = 0;
  private nextBlockIndex = 0;
  private freshBlock = -1;
  private freshPosition = 0;
  private used = 0;
  private hugeZero: number | null = null;

  /** Builds empty RAM of the given size; throws InvalidArgumentError for impossible options. */
  constructor(options: PhysicalMemoryOptions) {
    const { ramBytes, frameBytes } = options;
    const hugeFrames = options.hugeFrames ?? 0;
    if (!Number.isInteger(frameBytes) || frameBytes < 512 || !Number.isInteger(Math.log2(frameBytes))) {
      throw new InvalidArgumentError(`frameBytes must be a power of two >= 512, got ${describeValue(frameBytes)}`);
    }
    if (!Number.isInteger(ramBytes) || ramBytes <= 0 || ramBytes % frameBytes !== 0) {
      throw new InvalidArgumentError(
        `ramBytes must be a positive multiple of the frame size ${frameBytes}, got ${describeValue(ramBytes)}`,
      );
    }
    if (!Number.isInteger(hugeFrames) || hugeFrames < 0 || (hugeFrames > 0 && !Number.isInteger(Math.log2(hugeFrames)))) {
      throw new InvalidArgumentError(`hugeFrames must be 0 or a power of two, got ${describeValue(hugeFrames)}`);
    }
    this.frameBytes = frameBytes;
    this.totalFrames = ramBytes / frameBytes;
    // A block may be larger than RAM (a 512 MiB arm64 huge page on a small machine): it is then
    // simply never whole, and huge allocations fail as they would on such hardware.
    this.blockFrames = hugeFrames || Math.max(1, DEFAULT_BLOCK_BYTES / frameBytes);
    this.inverseBlockFrames = 1 / this.blockFrames;
    this.numBlocks = Math.ceil(this.totalFrames / this.blockFrames);
    if (this.totalFrames > 2 ** 32 || this.numBlocks > 2 ** 26) {
      throw new InvalidArgumentError(`ramBytes ${describeValue(ramBytes)} is too large to simulate (at most 2**32 frames)`);
    }
    const seed = options.seed ?? 1;
    this.blockOrder = new SeededPermutation(this.numBlocks, seed);
    this.frameOrder = new SeededPermutation(this.blockFrames, seed ^ 0x5bd1e995);
    this.blockUsed = new Uint32Array(this.numBlocks);
    this.blockEntered = new Uint8Array(this.numBlocks);
    this.refs = new ChunkTable(this.numBlocks);
    this.contents = new FrameContents(frameBytes, this.blockFrames, this.numBlocks);
    // Linux keeps the zero page in the kernel image: it is never handed out.
    this.takeFrame(this.zeroPfn);
    this.blockEntered[0] = 1;
    this.pushRestOfBlock(0);
  }

  /** Frames not allocated. */
  get freeFrames(): number {
    return this.totalFrames - this.used;
  }

  /** Frames allocated, the reserved zero pages included. */
  get usedFrames(): number {
    return this.used;
  }

  /** Host bytes spent on frame metadata and contents (to show the simulator stays cheap). */
  get hostBytes(): number {
    let bytes = this.blockUsed.byteLength + this.blockEntered.byteLength + this.freeStack.byteLength;
    for (const chunk of this.refs.values()) bytes += chunk.byteLength + chunk.length * PATTERN_BYTES;
    return bytes + this.contents.denseFrames * this.frameBytes;
  }

  /** Allocates one frame (refcount 1, contents unspecified) and returns its pfn, or null when RAM is full. */
  allocFrame(): number | null {
    if (this.used >= this.totalFrames) return null;
    while (this.freeStackLength > 0) {
      const pfn = this.freeStack[--this.freeStackLength];
      if (this.getRef(pfn) === 0) return this.takeFrame(pfn);
    }
    for (;;) {
      if (this.freshBlock < 0 || this.freshPosition >= this.blockFrames) {
        const block = this.nextPristineBlock();
        if (block < 0) throw new InternalCheckError(`frame allocator lost track of ${this.freeFrames} free frames`);
        this.blockEntered[block] = 1;
        this.freshBlock = block;
        this.freshPosition = 0;
      }
      const pfn = this.freshBlock * this.blockFrames + this.frameOrder.at(this.freshPosition++);
      if (pfn < this.totalFrames && this.getRef(pfn) === 0) return this.takeFrame(pfn);
    }
  }

  /**
   * Allocates `count` physically contiguous frames aligned to `count` (a power of two, at most a
   * block: a huge page) and returns the first pfn, or null when no such free run exists.
   */
  allocContiguous(count: number): number | null {
    if (!Number.isInteger(count) || count < 1 || count > this.blockFrames || !Number.isInteger(Math.log2(count))) {
      throw new InvalidArgumentError(
        `allocContiguous: count must be a power of two in [1, ${this.blockFrames}], got ${describeValue(count)}`,
      );
    }
    if (this.freeFrames < count) return null;
    // Prefer a block never touched (like the buddy allocator's free high-order blocks)...
    const pristine = this.nextPristineBlock();
    if (pristine >= 0 && (pristine + 1) * this.blockFrames <= this.totalFrames) {
      this.blockEntered[pristine] = 1;
      const first = pristine * this.blockFrames;
      for (let i = 0; i < count; i++) this.takeFrame(first + i);
      if (count < this.blockFrames) this.pushRestOfBlock(pristine);
      return first;
    }
    // ...else a run inside a block whose frames were all returned.
    for (let block = 0; block < this.numBlocks; block++) {
      if (this.blockUsed[block] > this.blockFrames - count) continue;
      const limit = Math.min(this.blockFrames, this.totalFrames - block * this.blockFrames);
      for (let start = 0; start + count <= limit; start += count) {
        const first = block * this.blockFrames + start;
        let free = true;
        for (let i = 0; i < count && free; i++) free = this.getRef(first + i) === 0;
        if (!free) continue;
        for (let i = 0; i < count; i++) this.takeFrame(first + i);
        if (block === this.freshBlock && this.blockUsed[block] === this.blockFrames) this.freshBlock = -1;
        if (!this.blockEntered[block]) {
          // A block never entered (reached here when the next pristine block is the short last
          // one): mark it, or a later pristine pick would hand out these frames a second time.
          this.blockEntered[block] = 1;
          if (count < this.blockFrames) this.pushRestOfBlock(block);
        }
        return first;
      }
    }
    return null;
  }

  /** Returns the frame to the allocator (its refcount must be 1); it is reused first. */
  freeFrame(pfn: number): void {
    this.checkPfn(pfn, "freeFrame");
    const ref = this.getRef(pfn);
    if (ref !== 1) throw new InternalCheckError(`freeFrame: pfn ${pfn} has refcount ${ref}, expected 1`);
    this.release(pfn);
  }

  /** Returns how many mappings or owners hold the frame (0 = free). */
  getRef(pfn: number): number {
    const block = this.blockOf(pfn);
    const chunk = this.refs.get(block);
    return chunk ? chunk[this.placeOf(pfn, block)] : 0;
  }

  /** Adds one owner to a used frame (a copy-on-write share) and returns the new count. */
  incRef(pfn: number): number {
    this.checkPfn(pfn, "incRef");
    const ref = this.getRef(pfn);
    if (ref === 0) throw new InternalCheckError(`incRef: pfn ${pfn} is free`);
    if (ref >= MAX_REFS) throw new InternalCheckError(`incRef: pfn ${pfn} is shared ${ref} times, the simulator's limit`);
    return this.setRef(pfn, ref + 1);
  }

  /** Drops one owner and returns the new count; the frame is freed when it reaches 0. */
  decRef(pfn: number): number {
    this.checkPfn(pfn, "decRef");
    const ref = this.getRef(pfn);
    if (ref === 0) throw new InternalCheckError(`decRef: pfn ${pfn} is already free`);
    if (pfn === this.zeroPfn || this.isHugeZero(pfn)) throw new InternalCheckError(`decRef: pfn ${pfn} is a zero page`);
    if (ref === 1) {
      this.release(pfn);
      return 0;
    }
    return this.setRef(pfn, ref - 1);
  }

  /**
   * Returns the first pfn of the huge zero page, allocating it on first use like Linux's
   * get_huge_zero_page (never freed here), or null when no contiguous run is free.
   */
  hugeZeroPfn(): number | null {
    if (this.hugeZero === null) {
      const first = this.allocContiguous(this.blockFrames);
      if (first === null) return null;
      for (let i = 0; i < this.blockFrames; i++) this.contents.zero(first + i);
      this.hugeZero = first;
    }
    return this.hugeZero;
  }

  /** Returns true when `pfn` is one of the huge zero page's frames. */
  isHugeZero(pfn: number): boolean {
    return this.hugeZero !== null && pfn >= this.hugeZero && pfn < this.hugeZero + this.blockFrames;
  }

  /** Returns true when `pfn` is the shared zero page or part of the huge zero page. */
  isZeroPage(pfn: number): boolean {
    return pfn === this.zeroPfn || this.isHugeZero(pfn);
  }

  /** Frames reserved by the kernel itself (zero page, huge zero page). */
  get reservedFrames(): number {
    return 1 + (this.hugeZero === null ? 0 : this.blockFrames);
  }

  /** Resets a frame's contents to zero bytes. */
  zeroFrame(pfn: number): void {
    this.checkWritable(pfn, "zeroFrame");
    this.contents.zero(pfn);
  }

  /** Returns the frame's repeating 8-byte pattern, or null when it holds dense bytes. */
  patternOf(pfn: number): Uint8Array | null {
    this.checkPfn(pfn, "patternOf");
    return this.contents.patternOf(pfn);
  }

  /** Copies the frame's 8-byte pattern into `dst` and returns true; false when the frame is dense. */
  patternInto(pfn: number, dst: Uint8Array): boolean {
    this.checkPfn(pfn, "patternInto");
    return this.contents.patternInto(pfn, dst);
  }

  /** Makes the whole frame the 8-byte `pattern` repeated. */
  setPattern(pfn: number, pattern: Uint8Array): void {
    this.checkWritable(pfn, "setPattern");
    if (!(pattern instanceof Uint8Array) || pattern.length !== PATTERN_BYTES) {
      throw new InvalidArgumentError(`setPattern: pattern must be a Uint8Array of ${PATTERN_BYTES} bytes`);
    }
    this.contents.setPattern(pfn, pattern);
  }

  /** Returns the frame's bytes as a dense array owned by the frame (edits change the frame). */
  denseBytes(pfn: number): Uint8Array {
    this.checkWritable(pfn, "denseBytes");
    return this.contents.denseBytes(pfn);
  }

  /** Copies `length` bytes from the frame at `offset` into `dst` at `dstOffset`. */
  readBytes(pfn: number, offset: number, dst: Uint8Array, dstOffset: number, length: number): void {
    this.checkPfn(pfn, "readBytes");
    this.checkSpan(offset, length, "readBytes");
    this.contents.read(pfn, offset, dst, dstOffset, length);
  }

  /** Copies `length` bytes of `src` from `srcOffset` into the frame at `offset`. */
  writeBytes(pfn: number, offset: number, src: Uint8Array, srcOffset: number, length: number): void {
    this.checkWritable(pfn, "writeBytes");
    this.checkSpan(offset, length, "writeBytes");
    this.contents.write(pfn, offset, src, srcOffset, length);
  }

  /** Sets `length` bytes at `offset` to `byte`; filling the whole frame stores one pattern. */
  fillBytes(pfn: number, offset: number, length: number, byte: number): void {
    this.checkWritable(pfn, "fillBytes");
    this.checkSpan(offset, length, "fillBytes");
    this.contents.fill(pfn, offset, length, byte);
  }

  /** Makes `dstPfn` hold a copy of `srcPfn`'s bytes. */
  copyFrame(dstPfn: number, srcPfn: number): void {
    this.checkWritable(dstPfn, "copyFrame");
    this.checkPfn(srcPfn, "copyFrame");
    this.contents.copy(dstPfn, srcPfn);
  }

  /** The block holding `pfn` (blockFrames is a power of two: a multiply by its exact inverse,
   *  where a double `/` or `%` is slow and `%` is a call out of compiled code). */
  private blockOf(pfn: number): number {
    return Math.floor(pfn * this.inverseBlockFrames);
  }

  /** `pfn`'s place in its block. */
  private placeOf(pfn: number, block: number): number {
    return pfn - block * this.blockFrames;
  }

  private takeFrame(pfn: number): number {
    const block = this.blockOf(pfn);
    let chunk = this.refs.get(block);
    if (!chunk) {
      chunk = new Uint16Array(this.blockFrames);
      this.refs.set(block, chunk);
    }
    chunk[this.placeOf(pfn, block)] = 1;
    this.blockUsed[block]++;
    this.used++;
    return pfn;
  }

  private release(pfn: number): void {
    const block = this.blockOf(pfn);
    (this.refs.get(block) as Uint16Array)[this.placeOf(pfn, block)] = 0;
    this.blockUsed[block]--;
    this.used--;
    this.contents.zero(pfn); // drop dense bytes now: a free frame must not cost host memory
    this.pushFree(pfn);
  }

  private setRef(pfn: number, value: number): number {
    const block = this.blockOf(pfn);
    (this.refs.get(block) as Uint16Array)[this.placeOf(pfn, block)] = value;
    return value;
  }

  private pushFree(pfn: number): void {
    if (this.freeStackLength === this.freeStack.length) {
      if (this.freeStackLength > 2 * this.freeFrames + 1024) this.compactFreeStack();
      if (this.freeStackLength === this.freeStack.length) {
        const grown = new Uint32Array(this.freeStack.length * 2);
        grown.set(this.freeStack);
        this.freeStack = grown;
      }
    }
    this.freeStack[this.freeStackLength++] = pfn;
  }

  /** Drops stale and duplicate hints (frames taken by allocContiguous after being freed). */
  private compactFreeStack(): void {
    const seen = new Set<number>();
    let kept = 0;
    for (let i = 0; i < this.freeStackLength; i++) {
      const pfn = this.freeStack[i];
      if (this.getRef(pfn) !== 0 || seen.has(pfn)) continue;
      seen.add(pfn);
      this.freeStack[kept++] = pfn;
    }
    this.freeStackLength = kept;
  }

  /** Queues the free frames of a freshly entered block, in scattered order, for reuse. */
  private pushRestOfBlock(block: number): void {
    for (let i = this.blockFrames - 1; i >= 0; i--) {
      const pfn = block * this.blockFrames + this.frameOrder.at(i);
      if (pfn < this.totalFrames && this.getRef(pfn) === 0) this.pushFree(pfn);
    }
  }

  private nextPristineBlock(): number {
    while (this.nextBlockIndex < this.numBlocks) {
      const block = this.blockOrder.at(this.nextBlockIndex);
      if (!this.blockEntered[block]) return block;
      this.nextBlockIndex++;
    }
    return -1;
  }

  private checkPfn(pfn: number, where: string): void {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.totalFrames) {
      throw new InvalidArgumentError(`${where}: pfn must be an integer in [0, ${this.totalFrames}), got ${describeValue(pfn)}`);
    }
  }

  private checkWritable(pfn: number, where: string): void {
    this.checkPfn(pfn, where);
    if (this.isZeroPage(pfn)) throw new InternalCheckError(`${where}: pfn ${pfn} is a zero page and must stay zero`);
  }

  private checkSpan(offset: number, length: number, where: string): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.frameBytes) {
      throw new InvalidArgumentError(
        `${where}: offset ${describeValue(offset)} + length ${describeValue(length)} must lie within a ${this.frameBytes}-byte frame`,
      );
    }
  }
}
