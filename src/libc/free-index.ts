// The arena's bins, folded into one best-fit index: free chunks sorted by (size, address).
// glibc keeps small bins (exact sizes), large bins (sorted ranges), an unsorted bin and fastbins;
// all of them serve "the smallest free chunk that fits", which is what this index answers.
// Ties go to the lowest address, so runs are reproducible.
import { InternalCheckError } from "../errors";
import type { Chunk } from "./chunk";

export class FreeIndex {
  private readonly chunks: Chunk[] = [];

  get count(): number {
    return this.chunks.length;
  }

  /** Adds a free chunk. */
  add(chunk: Chunk): void {
    this.chunks.splice(this.lowerBound(chunk.size, chunk.addr), 0, chunk);
  }

  /** Removes a chunk that is in the index (unlink_chunk). */
  remove(chunk: Chunk): void {
    const i = this.lowerBound(chunk.size, chunk.addr);
    if (this.chunks[i] !== chunk) throw new InternalCheckError(`free index: chunk 0x${chunk.addr.toString(16)} is not binned`);
    this.chunks.splice(i, 1);
  }

  /** The smallest free chunk of at least `nb` bytes (lowest address among equals), or null. */
  bestFit(nb: number): Chunk | null {
    return this.chunks[this.lowerBound(nb, -Infinity)] ?? null;
  }

  /** Whether `chunk` is binned here. */
  has(chunk: Chunk): boolean {
    return this.chunks[this.lowerBound(chunk.size, chunk.addr)] === chunk;
  }

  /** Every binned chunk, smallest first. */
  all(): readonly Chunk[] {
    return this.chunks;
  }

  private lowerBound(size: number, addr: number): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const c = this.chunks[mid];
      if (c.size < size || (c.size === size && c.addr < addr)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
