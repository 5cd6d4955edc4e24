// Per-block chunks of frame data (reference counts, contents patterns), created on first use
// and found by block number. Blocks are entered in a seeded random order, and a JavaScript
// array written at scattered indices turns into a dictionary: every lookup then hashes its
// index (perf showed that hashing in every fault's frame allocation and release). A dense index
// of the blocks avoids it.

/** Chunks of type T for blocks 0 .. blocks - 1, each created by the caller when first needed. */
export class ChunkTable<T> {
  /** Per block: 1 + the chunk's place in `chunks`, or 0 while the block has none. */
  private readonly places: Int32Array;
  private readonly chunks: T[] = [];

  constructor(blocks: number) {
    this.places = new Int32Array(blocks);
  }

  /** The chunk of `block`, or undefined when it has none (or lies outside the table). */
  get(block: number): T | undefined {
    const place = block < this.places.length ? this.places[block] : 0;
    return place === 0 ? undefined : this.chunks[place - 1];
  }

  /** Gives `block` its chunk (a block's chunk is set once and kept). */
  set(block: number, chunk: T): void {
    this.chunks.push(chunk);
    this.places[block] = this.chunks.length;
  }

  /** Every chunk created so far. */
  values(): readonly T[] {
    return this.chunks;
  }
}
