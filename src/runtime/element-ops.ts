// The arithmetic of numpy's elementwise functions and reductions, on plain numbers.
export type BinaryOpName = "add" | "subtract" | "multiply" | "divide";

export const BINARY_OPS: Record<BinaryOpName, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
};

/** A running reduction over values that arrive one by one or as `count` copies of one value. */
export class Reduction {
  sum = 0;
  max = -Infinity;
  count = 0;
  sawNaN = false;

  /** Adds one value. */
  add(v: number): void {
    this.sum += v;
    if (v > this.max) this.max = v;
    else if (Number.isNaN(v)) this.sawNaN = true;
    this.count++;
  }

  /** Adds `n` copies of `v` at once (a page holding one repeated value). */
  addRepeated(v: number, n: number): void {
    if (n <= 0) return;
    this.sum += v * n;
    if (v > this.max) this.max = v;
    else if (Number.isNaN(v)) this.sawNaN = true;
    this.count += n;
  }
}
