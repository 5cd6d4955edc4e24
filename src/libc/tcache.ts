// A thread's cache of recently freed small chunks (glibc tcache, 2.26+): 64 bins of exact chunk
// sizes 32..1040, up to 7 chunks each, last in first out. Cached chunks stay "in use" as far as
// the arena knows: they are neither coalesced nor trimmed until something evicts them.
import type { Chunk, ChunkCopy } from "./chunk";
import { CHUNK_HDR_SZ, TCACHE_FILL_COUNT, TCACHE_MAX_BINS, tcacheIndex } from "./constants";
import type { VmHost } from "./host";
import { storeWords } from "./words";

export class Tcache {
  private readonly bins: Chunk[][] = Array.from({ length: TCACHE_MAX_BINS }, () => []);

  constructor(
    private readonly host: VmHost,
    /** User pointer of the tcache_perthread_struct, allocated from the thread's arena. */
    readonly structMem: number,
  ) {}

  /** fork(): this new tcache of the child caches the copies of `parent`'s chunks, in the same order. */
  inheritFrom(parent: Tcache, copy: ChunkCopy): void {
    parent.bins.forEach((bin, i) => {
      this.bins[i] = bin.map((chunk) => copy.chunk(chunk));
    });
  }

  /** tcache_get: the most recently cached chunk of exactly `nb` bytes, now in use; or null. */
  take(nb: number): Chunk | null {
    const idx = tcacheIndex(nb);
    if (idx < 0) return null;
    const chunk = this.bins[idx].pop();
    if (!chunk) return null;
    chunk.state = "in-use";
    storeWords(this.host, chunk.addr + 24, 0); // e->key = 0
    return chunk;
  }

  /** tcache_put: caches `chunk` if its bin has room; returns whether it did. */
  put(chunk: Chunk): boolean {
    const idx = tcacheIndex(chunk.size);
    if (idx < 0 || this.bins[idx].length >= TCACHE_FILL_COUNT) return false;
    const bin = this.bins[idx];
    const next = bin.length > 0 ? bin[bin.length - 1].addr + CHUNK_HDR_SZ : 0;
    bin.push(chunk);
    chunk.state = "tcache";
    storeWords(this.host, chunk.addr + CHUNK_HDR_SZ, next, 1); // e->next, e->key
    return true;
  }

  /** Every cached chunk. */
  all(): Chunk[] {
    return this.bins.flat();
  }
}
