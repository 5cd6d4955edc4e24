// Stores of allocator metadata into simulated memory. glibc keeps chunk headers, free-list links
// and footers inside the heap itself, so each store writes (and makes resident) the page it lands
// on: this is why malloc(1 MiB) costs one resident page before the program touches anything.
import type { VmHost } from "./host";

const TWO_32 = 2 ** 32;
let scratch = new DataView(new ArrayBuffer(64));

/** Writes `words` as consecutive 8-byte little-endian values starting at `addr`. */
export function storeWords(host: VmHost, addr: number, words: readonly number[]): void {
  const length = words.length * 8;
  // one scratch buffer for every store (host.write copies the bytes): a store per chunk header
  // is the allocator's hottest path, and a fresh buffer per store was most of its cost
  if (scratch.byteLength < length) scratch = new DataView(new ArrayBuffer(length));
  words.forEach((w, i) => {
    // split without bitwise operators: the values (sizes, addresses) exceed 32 bits
    scratch.setUint32(i * 8, w % TWO_32, true);
    scratch.setUint32(i * 8 + 4, Math.floor(w / TWO_32), true);
  });
  host.write(addr, new Uint8Array(scratch.buffer, 0, length));
}
