// The seeded choices an exercise is drawn from, as OSTEP's homework simulators draw theirs from
// `-s SEED`: one stream per (kind, difficulty, seed), so the same three always give the same problem.
import { seededRandom } from "../hardware/seeded-permutation";

/** A seeded source of the small choices a problem is made of. */
export class Random {
  private readonly next: () => number;

  /** `stream` separates kinds and difficulties that share a seed. */
  constructor(seed: number, stream: number) {
    // Seeds may exceed 32 bits: fold the high part in, then mix in the stream (golden-ratio step).
    const low = seed % 2 ** 32;
    const high = Math.floor(seed / 2 ** 32);
    this.next = seededRandom((low ^ Math.imul(high, 0x85ebca6b) ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0);
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** `count` distinct whole numbers of [min, max] (fewer when the range is smaller), in drawn order. */
  distinct(count: number, min: number, max: number): number[] {
    const chosen = new Set<number>();
    const wanted = Math.min(count, max - min + 1);
    while (chosen.size < wanted) chosen.add(this.int(min, max));
    return [...chosen];
  }
}
