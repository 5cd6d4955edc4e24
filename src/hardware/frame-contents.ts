// What each physical frame holds, stored cheaply: a frame is either an 8-byte pattern repeated
// over the whole frame (all-zero by default; a fill such as float64 1.0 is one pattern) or a dense
// byte copy. A 2 GiB array filled with one value thus costs 8 bytes per frame, not 2 GiB.

import { ChunkTable } from "./chunk-table";
import { InvalidArgumentError } from "../errors";

/** Bytes in a frame's repeating pattern: one float64, so a filled array stays a pattern. */
export const PATTERN_BYTES = 8;
/** Stores up to this many bytes are copied byte by byte (cheaper than a subarray view). */
const SMALL_COPY_BYTES = 64;

/** Returns true when `length` bytes of `bytes` from `offset` repeat the 8-byte pattern stored
 *  at `pattern[at..at+8)`, starting at its byte `phase`. */
function matchesPattern(bytes: Uint8Array, offset: number, length: number, pattern: Uint8Array, at = 0, phase = 0): boolean {
  let p = phase;
  for (let i = 0; i < length; i++) {
    if (bytes[offset + i] !== pattern[at + p]) return false;
    p = p === PATTERN_BYTES - 1 ? 0 : p + 1;
  }
  return true;
}

/** Returns true when `length` bytes of `bytes` from `offset` are all zero. */
function allZero(bytes: Uint8Array, offset: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}

/** Frame contents of one machine, in chunks allocated only when a frame leaves all-zero. */
export class FrameContents {
  /** Patterns, PATTERN_BYTES per frame, one lazily created chunk per block of frames. */
  private readonly patternChunks: ChunkTable<Uint8Array>;
  private readonly dense = new Map<number, Uint8Array>();
  /** Dense frames per chunk: a frame in a chunk without any needs no Map lookup (a Map hashes
   *  its number key, and a fault zeroes a frame and a store then sets its pattern). */
  private readonly denseInChunk: Uint32Array;
  /** 1 / chunkFrames (a power of two): chunk and slot by an exact multiply, not a slow double `/` or `%`. */
  private readonly inverseChunkFrames: number;

  /** `chunks` chunks of frames of `frameBytes` bytes, their patterns stored in chunks of
   *  `chunkFrames` frames (a power of two). */
  constructor(
    /** Bytes per frame. */
    readonly frameBytes: number,
    private readonly chunkFrames: number,
    chunks: number,
  ) {
    if (!Number.isInteger(Math.log2(chunkFrames))) throw new InvalidArgumentError(`chunkFrames must be a power of two; got ${chunkFrames}`);
    this.inverseChunkFrames = 1 / chunkFrames;
    this.patternChunks = new ChunkTable(chunks);
    this.denseInChunk = new Uint32Array(chunks);
  }

  /** The chunk holding `pfn` (a multiply by the exact inverse of a power of two, not a divide). */
  private chunkIndex(pfn: number): number {
    return Math.floor(pfn * this.inverseChunkFrames);
  }

  /** Dense bytes of the frame, if it holds any. */
  private denseOf(pfn: number): Uint8Array | undefined {
    return this.denseInChunk[this.chunkIndex(pfn)] === 0 ? undefined : this.dense.get(pfn);
  }

  /** Drops the frame's dense bytes, if any. */
  private dropDense(pfn: number): void {
    const chunk = this.chunkIndex(pfn);
    if (this.denseInChunk[chunk] !== 0 && this.dense.delete(pfn)) this.denseInChunk[chunk]--;
  }

  /** Makes `bytes` the frame's dense bytes. */
  private keepDense(pfn: number, bytes: Uint8Array): void {
    if (this.denseOf(pfn) === undefined) this.denseInChunk[this.chunkIndex(pfn)]++;
    this.dense.set(pfn, bytes);
  }

  /** The pattern chunk holding `pfn`, if one was ever needed. */
  private chunkOf(pfn: number): Uint8Array | undefined {
    return this.patternChunks.get(this.chunkIndex(pfn));
  }

  /** Number of frames currently held as dense bytes (each costs frameBytes of host memory). */
  get denseFrames(): number {
    return this.dense.size;
  }

  /** Resets a frame to all zero bytes (what the kernel does before mapping a fresh page). */
  zero(pfn: number): void {
    this.dropDense(pfn);
    const chunk = this.chunkOf(pfn);
    if (!chunk) return;
    const at = this.slot(pfn);
    for (let i = 0; i < PATTERN_BYTES; i++) chunk[at + i] = 0; // 8 bytes: a loop beats a fill call
  }

  /** Returns a copy of the frame's 8-byte pattern, or null when the frame holds dense bytes. */
  patternOf(pfn: number): Uint8Array | null {
    if (this.denseOf(pfn) !== undefined) return null;
    const chunk = this.chunkOf(pfn);
    if (!chunk) return new Uint8Array(PATTERN_BYTES);
    return chunk.slice(this.slot(pfn), this.slot(pfn) + PATTERN_BYTES);
  }

  /** Copies the frame's pattern into `dst` (8 bytes) and returns true, or returns false when dense. No allocation. */
  patternInto(pfn: number, dst: Uint8Array): boolean {
    if (this.denseOf(pfn) !== undefined) return false;
    const chunk = this.chunkOf(pfn);
    if (!chunk) dst.fill(0, 0, PATTERN_BYTES);
    else {
      const at = this.slot(pfn);
      for (let i = 0; i < PATTERN_BYTES; i++) dst[i] = chunk[at + i];
    }
    return true;
  }

  /** Creates the (all-zero) pattern chunk holding `pfn`. */
  private newChunk(pfn: number): Uint8Array {
    const chunk = new Uint8Array(this.chunkFrames * PATTERN_BYTES);
    this.patternChunks.set(this.chunkIndex(pfn), chunk);
    return chunk;
  }

  /** Makes the whole frame the 8-byte `pattern` repeated. */
  setPattern(pfn: number, pattern: Uint8Array): void {
    this.dropDense(pfn);
    let chunk = this.chunkOf(pfn);
    if (!chunk) {
      if (isZeroPattern(pattern)) return;
      chunk = this.newChunk(pfn);
    }
    const at = this.slot(pfn);
    for (let i = 0; i < PATTERN_BYTES; i++) chunk[at + i] = pattern[i]; // no subarray object per page
  }

  /** Makes the whole frame `byte` repeated (a setPattern without building the pattern array). */
  private fillPattern(pfn: number, byte: number): void {
    this.dropDense(pfn);
    let chunk = this.chunkOf(pfn);
    if (!chunk) {
      if (byte === 0) return;
      chunk = this.newChunk(pfn);
    }
    chunk.fill(byte, this.slot(pfn), this.slot(pfn) + PATTERN_BYTES);
  }

  /** Returns the frame's dense bytes, materializing them from the pattern first (for in-place edits). */
  denseBytes(pfn: number): Uint8Array {
    let bytes = this.denseOf(pfn);
    if (bytes) return bytes;
    bytes = new Uint8Array(this.frameBytes);
    const pattern = this.patternOf(pfn) as Uint8Array;
    if (pattern.some((b) => b !== 0)) for (let i = 0; i < this.frameBytes; i += PATTERN_BYTES) bytes.set(pattern, i);
    this.keepDense(pfn, bytes);
    return bytes;
  }

  /** Copies `length` bytes at `offset` of the frame into `dst` at `dstOffset`. */
  read(pfn: number, offset: number, dst: Uint8Array, dstOffset: number, length: number): void {
    const bytes = this.denseOf(pfn);
    if (bytes) {
      dst.set(bytes.subarray(offset, offset + length), dstOffset);
      return;
    }
    // Read the pattern where it is stored (no copy); frames never given a pattern are all zero.
    const chunk = this.chunkOf(pfn);
    if (!chunk) {
      // An element-sized read is cheaper as a loop than as a call of the fill builtin.
      if (length <= PATTERN_BYTES) for (let i = 0; i < length; i++) dst[dstOffset + i] = 0;
      else dst.fill(0, dstOffset, dstOffset + length);
      return;
    }
    const at = this.slot(pfn);
    let phase = offset & (PATTERN_BYTES - 1); // offsets lie within a frame: small integers
    for (let i = 0; i < length; i++) {
      dst[dstOffset + i] = chunk[at + phase];
      phase = phase === PATTERN_BYTES - 1 ? 0 : phase + 1;
    }
  }

  /** Copies `length` bytes of `src` from `srcOffset` into the frame at `offset`. */
  write(pfn: number, offset: number, src: Uint8Array, srcOffset: number, length: number): void {
    if (offset === 0 && length === this.frameBytes) {
      // A whole frame of 8-periodic bytes (zeros, a repeated fill value) stays a pattern.
      const pattern = src.slice(srcOffset, srcOffset + PATTERN_BYTES);
      if (matchesPattern(src, srcOffset, length, pattern)) {
        this.setPattern(pfn, pattern);
        return;
      }
    }
    if (this.denseOf(pfn) === undefined) {
      // Writing bytes the pattern already holds changes nothing: stay compact (no allocation:
      // this is the path of every small store).
      const chunk = this.chunkOf(pfn);
      const phase = offset & (PATTERN_BYTES - 1);
      if (chunk ? matchesPattern(src, srcOffset, length, chunk, this.slot(pfn), phase) : allZero(src, srcOffset, length)) return;
    }
    const dense = this.denseBytes(pfn);
    if (length <= SMALL_COPY_BYTES) {
      // A header or a word: a byte loop, where subarray would allocate a view per store
      for (let i = 0; i < length; i++) dense[offset + i] = src[srcOffset + i];
    } else dense.set(src.subarray(srcOffset, srcOffset + length), offset);
  }

  /** Sets `length` bytes at `offset` to `byte`; a fill of the whole frame collapses to a pattern. */
  fill(pfn: number, offset: number, length: number, byte: number): void {
    if (offset === 0 && length === this.frameBytes) {
      this.fillPattern(pfn, byte);
      return;
    }
    if (this.denseOf(pfn) === undefined) {
      const pattern = this.patternOf(pfn) as Uint8Array;
      if (pattern.every((b) => b === byte)) return;
    }
    this.denseBytes(pfn).fill(byte, offset, offset + length);
  }

  /** Makes frame `dstPfn` hold the same bytes as `srcPfn` (a copy-on-write copy). */
  copy(dstPfn: number, srcPfn: number): void {
    if (dstPfn === srcPfn) throw new InvalidArgumentError(`copyFrame: source and destination are both pfn ${srcPfn}`);
    const bytes = this.denseOf(srcPfn);
    if (bytes) this.keepDense(dstPfn, bytes.slice());
    else this.setPattern(dstPfn, this.patternOf(srcPfn) as Uint8Array);
  }

  private slot(pfn: number): number {
    return (pfn - this.chunkIndex(pfn) * this.chunkFrames) * PATTERN_BYTES;
  }
}

/** True when the first PATTERN_BYTES bytes of `pattern` are all zero. */
function isZeroPattern(pattern: Uint8Array): boolean {
  for (let i = 0; i < PATTERN_BYTES; i++) if (pattern[i] !== 0) return false;
  return true;
}
