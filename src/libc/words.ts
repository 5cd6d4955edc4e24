// Stores of allocator metadata into simulated memory. glibc keeps chunk headers, free-list links
// and footers inside the heap itself, so each store writes (and makes resident) the page it lands
// on: this is why malloc(1 MiB) costs one resident page before the program touches anything.
import type { VmHost } from "./host";

const TWO_32 = 2 ** 32;

/** Writes `words` as consecutive 8-byte little-endian values starting at `addr`. */
export function storeWords(host: VmHost, addr: number, words: readonly number[]): void {
  const bytes = new Uint8Array(words.length * 8);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => {
    // split without bitwise operators: the values (sizes, addresses) exceed 32 bits
    view.setUint32(i * 8, w % TWO_32, true);
    view.setUint32(i * 8 + 4, Math.floor(w / TWO_32), true);
  });
  host.write(addr, bytes);
}
