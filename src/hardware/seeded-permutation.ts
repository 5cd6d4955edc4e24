// A seeded bijection of [0, count) that costs O(1) memory: frames and blocks are handed out in a
// scattered but reproducible order without storing a shuffled array.

import { InvalidArgumentError } from "../errors";

/** Returns a deterministic 32-bit PRNG (mulberry32) seeded with `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A permutation of [0, count) built from invertible steps on the enclosing power of two
 * (xor-shift, odd multiply, add) with cycle walking to stay inside `count`.
 * Indices are small integers (at most 2**26), never addresses, so bit operations are safe here.
 */
export class SeededPermutation {
  private readonly bits: number;
  private readonly modulus: number;
  private readonly inverseModulus: number;
  private readonly multipliers: [number, number];
  private readonly offsets: [number, number];

  /** The permutation of [0, count) chosen by `seed`; throws RangeError for a count outside [1, 2**26]. */
  constructor(
    /** Elements permuted. */
    readonly count: number,
    seed: number,
  ) {
    if (!Number.isInteger(count) || count < 1 || count > 2 ** 26) {
      throw new InvalidArgumentError(`SeededPermutation count must be an integer in [1, 2**26], got ${count}`);
    }
    this.bits = Math.max(1, Math.ceil(Math.log2(count)));
    this.modulus = 2 ** this.bits;
    this.inverseModulus = 1 / this.modulus;
    const random = seededRandom(seed);
    const odd = () => (Math.floor(random() * this.modulus) | 1) % this.modulus || 1;
    this.multipliers = [odd(), odd()];
    this.offsets = [Math.floor(random() * this.modulus), Math.floor(random() * this.modulus)];
  }

  /** Returns the element at position `index` of the permuted order. */
  at(index: number): number {
    let x = index;
    do x = this.step(x);
    while (x >= this.count); // cycle walking: a bijection on 2**bits restricted to [0, count)
    return x;
  }

  private step(value: number): number {
    let x = value;
    const half = Math.max(1, this.bits >> 1);
    for (let round = 0; round < 2; round++) {
      x ^= x >>> half;
      // below 2**53, so exact; modulo a power of two by its exact inverse (a double `%` is a call)
      const y = x * this.multipliers[round] + this.offsets[round];
      x = y - Math.floor(y * this.inverseModulus) * this.modulus;
    }
    return x;
  }
}
