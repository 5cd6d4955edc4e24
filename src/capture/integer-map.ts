// A map from non-negative integer keys (allocation ids, call sites, addresses) to values, for
// lookups made once per captured call, millions of times. V8's Map boxes a key above 2**30 (any
// 64-bit address) into a heap number and hashes through a runtime path on each call, and keeps
// deleted entries until it rehashes; this table keeps the keys in a Float64Array instead: open
// addressing with linear probing, at most half full, and deletion by backward shift, so no
// tombstones pile up over millions of calls and its size follows the most keys held at once.

const EMPTY = -1; // no key is negative
const TWO_32 = 2 ** 32;
const INITIAL_POSITIONS = 64;

/** A Map-like table from non-negative integers to values (get, has, set, delete, take, size). */
export class IntegerMap<V> {
  private keys = new Float64Array(INITIAL_POSITIONS).fill(EMPTY);
  private stored: (V | undefined)[] = new Array<V | undefined>(INITIAL_POSITIONS).fill(undefined);
  private count = 0;

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /** The value of `key`, or undefined. */
  get(key: number): V | undefined {
    const i = this.find(key);
    return this.keys[i] === EMPTY ? undefined : this.stored[i];
  }

  /** Whether `key` has a value. */
  has(key: number): boolean {
    return this.keys[this.find(key)] !== EMPTY;
  }

  /** Sets the value of `key` (a non-negative integer). */
  set(key: number, value: V): this {
    let i = this.find(key);
    if (this.keys[i] === EMPTY) i = this.claim(key, i);
    this.stored[i] = value;
    return this;
  }

  /** Sets `key` to `value` only if it has no value yet; returns whether it was set (has and set
   *  in one lookup). */
  setNew(key: number, value: V): boolean {
    const i = this.find(key);
    if (this.keys[i] !== EMPTY) return false;
    const at = this.claim(key, i); // before reading this.stored: claiming may grow (replace) it
    this.stored[at] = value;
    return true;
  }

  /** Puts an absent `key` at `empty`, the empty position its lookup ended on (or, when the table
   *  must grow first, at its position after growing); returns where it went. */
  private claim(key: number, empty: number): number {
    let i = empty;
    if (2 * (this.count + 1) > this.keys.length) {
      this.grow();
      i = this.find(key);
    }
    this.keys[i] = key;
    this.count++;
    return i;
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: number): boolean {
    const i = this.find(key);
    if (this.keys[i] === EMPTY) return false;
    this.removeAt(i);
    return true;
  }

  /** Removes `key` and returns its value (undefined when it had none): get and delete in one lookup. */
  take(key: number): V | undefined {
    const i = this.find(key);
    if (this.keys[i] === EMPTY) return undefined;
    const value = this.stored[i];
    this.removeAt(i);
    return value;
  }

  // Empties position `hole`: every later key of the probe run moves into the hole unless its home
  // position lies cyclically after the hole, so lookups, which stop at the first empty position,
  // still find it.
  private removeAt(hole: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let j = (hole + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.home(keys[j]);
      if (hole < j ? hole < home && home <= j : hole < home || home <= j) continue;
      keys[hole] = keys[j];
      this.stored[hole] = this.stored[j];
      hole = j;
    }
    keys[hole] = EMPTY;
    this.stored[hole] = undefined;
    this.count--;
  }

  // The position holding `key`, or the empty position where it would go.
  private find(key: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = this.home(key);
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  // The key's first position: its two 32-bit halves folded and mixed (murmur3's finalizer), so that
  // consecutive ids and 16-byte-aligned addresses alike spread over the table. Bitwise operators
  // are for hashing only here: the key itself is never truncated.
  private home(key: number): number {
    let h = (key | 0) ^ ((key / TWO_32) | 0);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & (this.keys.length - 1);
  }

  private grow(): void {
    const { keys, stored } = this;
    this.keys = new Float64Array(keys.length * 2).fill(EMPTY);
    this.stored = new Array<V | undefined>(keys.length * 2).fill(undefined);
    keys.forEach((key, i) => {
      if (key === EMPTY) return;
      const j = this.find(key);
      this.keys[j] = key;
      this.stored[j] = stored[i];
    });
  }
}
