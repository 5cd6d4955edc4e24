// Stores of allocator metadata into simulated memory. glibc keeps chunk headers, free-list links
// and footers inside the heap itself, so each store writes (and makes resident) the page it lands
// on: this is why malloc(1 MiB) costs one resident page before the program touches anything.
import type { VmHost } from "./host";

const TWO_32 = 2 ** 32;
// One scratch buffer and one view of it per word count, for every store (host.write copies the
// bytes): a store per chunk header is the allocator's hottest path, and it allocates nothing.
let scratch = new DataView(new ArrayBuffer(32));
let views: Uint8Array[] = [];

function viewOf(words: number): Uint8Array {
  const view = views[words];
  if (view !== undefined) return view;
  if (scratch.byteLength < words * 8) {
    scratch = new DataView(new ArrayBuffer(words * 8));
    views = [];
  }
  views[words] = new Uint8Array(scratch.buffer, 0, words * 8);
  return views[words];
}

/**
 * Writes `words` as consecutive 8-byte little-endian values starting at `addr`. (Rest arguments,
 * not an array literal at each call: the compiler then keeps the words off the heap.)
 */
export function storeWords(host: VmHost, addr: number, ...words: number[]): void {
  const n = words.length;
  const view = viewOf(n);
  for (let i = 0; i < n; i++) {
    const w = words[i];
    // split without bitwise operators (the values, sizes and addresses, exceed 32 bits), and
    // without `%`, which on a double is a call out of the compiled code
    const high = Math.floor(w / TWO_32);
    scratch.setUint32(i * 8, w - high * TWO_32, true);
    scratch.setUint32(i * 8 + 4, high, true);
  }
  host.write(addr, view);
}
