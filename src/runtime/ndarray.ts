// A numpy-like ndarray whose data lives in simulated memory: every element read or written is
// a load or store of the simulated process, so creating, touching, summing and freeing arrays
// moves VmRSS exactly as numpy on Linux does — at full size, without spending that memory.
import { IndexError, InvalidArgumentError, UseAfterFreeError, ValueError, describeValue } from "../errors";
import type { DType } from "./dtypes";
import type { FrameStore, PagedProcess } from "./page-io";
import type { Layout } from "./array-kernels";
import { copyElements, fill, loadElement, reduce, storeElement } from "./array-kernels";
import { JUPYTER_DISPLAY, type MimeBundle, displayBundle } from "../display-protocol";

/** The data buffer numpy allocated for an array and its views. */
export interface ArrayBufferOwner {
  readonly ptr: number;
  readonly nbytes: number;
  freed: boolean;
  /** Returns the buffer to numpy's allocator (the `del` of the founding question). */
  release(): void;
}

/** A buffer owner that runs `free` once, on the first release(). */
export function ownedBuffer(ptr: number, nbytes: number, free: () => void): ArrayBufferOwner {
  return {
    ptr,
    nbytes,
    freed: false,
    release() {
      if (this.freed) return;
      this.freed = true;
      free();
    },
  };
}

/** What an array needs from its runtime: the process, its frames, and a way to allocate. */
export interface ArrayRuntime {
  readonly proc: PagedProcess;
  readonly memory: FrameStore;
  /** A new uninitialised (np.empty) array. */
  empty(shape: number[], dtype: DType): NDArray;
}

// Any key that reads as a number: a[5] and a[-1], and also a[1.5] or a[NaN], which get/set refuse
// with numpy's IndexError instead of JavaScript's silent undefined.
const isIndexKey = (key: string | symbol): key is string =>
  typeof key === "string" && (/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(key) || key === "NaN" || key === "Infinity" || key === "-Infinity");

// Element syntax for 1-D arrays: a[-1] = 3 and a[5] route to set/get; everything else is normal.
// Any other key reads whatever the array has under it, hence `unknown`; a written element is a
// number as the index signature declares it, and set() rejects anything else at run time.
const elementSyntax: ProxyHandler<NDArray> = {
  get(target, key): unknown {
    if (isIndexKey(key)) return target.get(Number(key));
    return Reflect.get(target, key, target);
  },
  set(target, key, value: number) {
    if (isIndexKey(key)) {
      target.set(Number(key), value);
      return true;
    }
    return Reflect.set(target, key, value, target);
  },
};

/**
 * A numpy-like n-dimensional array whose elements live in simulated memory: every element read or
 * written is one translated load or store of its process, so creating, touching, summing and
 * freeing arrays moves VmRSS and the TLB counters as numpy on Linux does, without spending that
 * memory. Made by {@link Numpy} (or a {@link NodeRuntime}); one element access is one translated
 * access, whichever way it is made (`a[i]`, get, set, sum, ufuncs).
 * @example
 * ```ts
 * const np = numpy(new Machine().spawn());
 * const a = np.zeros(1000, "int32");
 * a[0] = 7;                 // a store: the first page is faulted in
 * const v = a.slice(10, 20); // a view sharing a's memory
 * console.log(a.sum(), v.base === a, a.nbytes);
 * a.free();                 // del a
 * ```
 */
export class NDArray {
  /** a[i] reads and a[i] = v writes element i of a 1-D array (negative i counts from the end). */
  [index: number]: number;
  /** The length of each axis. */
  readonly shape: readonly number[];
  /** Byte strides per axis, as numpy reports them. */
  readonly strides: readonly number[];
  /** The element type: its name, byte size and kind. */
  readonly dtype: DType;
  /** The data pointer in the simulated process (numpy's a.ctypes.data). */
  readonly address: number;
  /** The array this one is a view of, or null when it owns its buffer. */
  readonly base: NDArray | null;
  /** The name the process's events call it by ("l[-1] = 3", "del l"): the creation option
   *  `name` (the Python variable of a notebook's code), inherited by views; "a" when not given. */
  readonly name: string;

  /** Arrays are made by a runtime (numpy(proc), node(proc)), which passes checked arguments. @internal */
  constructor(
    /** The runtime (numpy or Node) that made the array, over its process. */
    readonly runtime: ArrayRuntime,
    /** The buffer the array and its views live in; freed with it. */
    readonly owner: ArrayBufferOwner,
    address: number,
    shape: readonly number[],
    strides: readonly number[],
    dtype: DType,
    base: NDArray | null,
    name = "a",
  ) {
    this.name = name;
    this.address = address;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
    this.dtype = dtype;
    this.base = base;
    return new Proxy(this, elementSyntax);
  }

  /** The number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }

  /** Bytes per element. */
  get itemsize(): number {
    return this.dtype.itemsize;
  }

  /** Bytes of the elements (size * itemsize). */
  get nbytes(): number {
    return this.size * this.itemsize;
  }

  /** True when the elements are laid out back to back in C order. */
  get contiguous(): boolean {
    let expected = this.itemsize;
    for (let axis = this.ndim - 1; axis >= 0; axis--) {
      if (this.shape[axis] !== 1 && this.strides[axis] !== expected) return false;
      expected *= this.shape[axis];
    }
    return true;
  }

  /** Reads one element: a.get(i) for 1-D, a.get(i, j) for 2-D; negative indices count from the end.
   *  One translated access, as every element a sum or ufunc reads (array-kernels.ts, "What one access is"). */
  get(...index: number[]): number {
    this.assertAlive();
    const off = this.offsetOf(index);
    return this.runtime.proc.asOneCall(`${this.name}[${index.join(", ")}]`, { addr: this.address + off }, () =>
      loadElement(this.runtime.proc, this.runtime.memory, this.address + off, this.dtype));
  }

  /** Writes one element: a.set(i, value), a.set(i, j, value). One translated access. */
  set(...args: number[]): void {
    this.assertAlive();
    if (args.length !== this.ndim + 1) {
      throw new IndexError(`set() takes ${this.ndim} index value(s) and a value for a ${this.ndim}-d array, got ${args.length} argument(s)`);
    }
    const value = args[args.length - 1];
    if (typeof value !== "number" && typeof value !== "boolean") {
      throw new InvalidArgumentError(`set(): value must be a number, got ${typeof value}`);
    }
    const index = args.slice(0, -1);
    const addr = this.address + this.offsetOf(index);
    this.runtime.proc.asOneCall(`${this.name}[${index.join(", ")}] = ${value}`, { addr }, () =>
      storeElement(this.runtime.proc, this.runtime.memory, addr, this.dtype, Number(value)));
  }

  /** A view of elements start..stop (exclusive) by step along the first axis, sharing memory. */
  slice(start?: number | null, stop?: number | null, step?: number | null): NDArray {
    this.assertAlive();
    if (this.ndim === 0) throw new IndexError("too many indices for array: array is 0-dimensional, but 1 were indexed");
    const n = this.shape[0];
    const s = step ?? 1;
    if (!Number.isInteger(s)) throw new InvalidArgumentError(`slice step must be an integer (step), got ${describeValue(s)}`);
    if (s === 0) throw new ValueError("slice step cannot be zero");
    const norm = (v: number | null | undefined, dflt: number, lo: number, hi: number): number => {
      if (v === undefined || v === null) return dflt;
      if (!Number.isInteger(v)) throw new InvalidArgumentError(`slice indices must be integers, got ${describeValue(v)}`);
      const w = v < 0 ? v + n : v;
      return Math.min(Math.max(w, lo), hi);
    };
    // Python's slice semantics (PySlice_AdjustIndices).
    const first = s > 0 ? norm(start, 0, 0, n) : norm(start, n - 1, -1, n - 1);
    const last = s > 0 ? norm(stop, n, 0, n) : norm(stop, -1, -1, n - 1);
    const count = s > 0 ? Math.max(0, Math.ceil((last - first) / s)) : Math.max(0, Math.ceil((first - last) / -s));
    const shape = [count, ...this.shape.slice(1)];
    const strides = [this.strides[0] * s, ...this.strides.slice(1)];
    const address = count > 0 ? this.address + first * this.strides[0] : this.address;
    return new NDArray(this.runtime, this.owner, address, shape, strides, this.dtype, this.base ?? this, this.name);
  }

  /** A view with a new shape (one -1 is inferred); the array must be contiguous. */
  reshape(...shapeArgs: (number | number[])[]): NDArray {
    this.assertAlive();
    const wanted = (shapeArgs.length === 1 && Array.isArray(shapeArgs[0]) ? shapeArgs[0] : shapeArgs) as number[];
    for (const d of wanted) {
      // numpy raises TypeError for a non-integer dimension, ValueError only for a negative one
      if (!Number.isInteger(d)) {
        throw new InvalidArgumentError(`reshape(shape): '${typeof d === "number" ? "float" : typeof d}' object cannot be interpreted as an integer (each dimension must be an integer, got ${describeValue(d)})`);
      }
    }
    if (wanted.filter((d) => d === -1).length > 1) throw new ValueError("can only specify one unknown dimension");
    for (const d of wanted) if (d < -1) throw new ValueError(`negative dimensions not allowed (shape), got [${wanted.join(",")}]`);
    const known = shapeSize(wanted.filter((d) => d !== -1));
    const shape = wanted.map((d) => (d === -1 ? (known === 0 ? 0 : this.size / known) : d));
    if (shapeSize(shape) !== this.size || shape.some((d) => !Number.isInteger(d))) {
      throw new ValueError(`cannot reshape array of size ${this.size} into shape (${wanted.join(",")}${wanted.length === 1 ? "," : ""})`);
    }
    if (!this.contiguous) throw new ValueError("reshape of a non-contiguous view would need a copy: call copy() first");
    return new NDArray(this.runtime, this.owner, this.address, shape, cStrides(shape, this.itemsize), this.dtype, this.base ?? this, this.name);
  }

  /** Writes `value` into every element (every page of the array is written). */
  fill(value: number): void {
    this.assertAlive();
    if (typeof value !== "number" && typeof value !== "boolean") throw new InvalidArgumentError(`fill(value): value must be a number, got ${typeof value}`);
    this.runtime.proc.asOneCall(`${this.name}.fill(${value})`, { addr: this.address, nbytes: this.nbytes }, () =>
      fill(this.runtime.proc, this.runtime.memory, this.layout(), Number(value)));
  }

  /** A new array (np.empty + copy) with the same elements. */
  copy(): NDArray {
    this.assertAlive();
    return this.runtime.proc.asOneCall(`${this.name}.copy()`, { addr: this.address, nbytes: this.nbytes }, () => {
      const out = this.runtime.empty([...this.shape], this.dtype);
      copyElements(this.runtime.proc, this.runtime.memory, out.layout(), this.layout());
      return out;
    });
  }

  /**
   * The sum of all elements (a read of every page: untouched pages map the zero page). Only the
   * total is modelled: an axis or any other argument is refused, not ignored.
   */
  sum(): number;
  sum(...unsupported: unknown[]): number {
    refuseArguments("sum", unsupported);
    this.assertAlive();
    return this.reduction("sum()").sum;
  }

  /** The mean of all elements (NaN for an empty array, as numpy, which also warns); no axis, as sum. */
  mean(): number;
  mean(...unsupported: unknown[]): number {
    refuseArguments("mean", unsupported);
    this.assertAlive();
    const r = this.reduction("mean()");
    return r.count === 0 ? NaN : r.sum / r.count;
  }

  /** The largest element; NaN if any element is NaN (numpy propagates NaN); no axis, as sum. */
  max(): number;
  max(...unsupported: unknown[]): number {
    refuseArguments("max", unsupported);
    this.assertAlive();
    if (this.size === 0) throw new ValueError("zero-size array to reduction operation maximum which has no identity");
    const r = this.reduction("max()");
    return r.sawNaN ? NaN : r.max;
  }

  /** Releases the buffer (Python's `del a` when it was the last reference); views die with it. */
  free(): void {
    if (this.owner.freed) throw new UseAfterFreeError("free(): this array's memory was already released (a double free)");
    if (this.base !== null) {
      throw new InvalidArgumentError("free(): this is a view; free the array it views (its .base) instead");
    }
    this.runtime.proc.asOneCall(`del ${this.name}`, { addr: this.address, nbytes: this.nbytes }, () => this.owner.release());
  }

  /** True once free() released the memory. */
  get freed(): boolean {
    return this.owner.freed;
  }

  /** Up to `limit` elements as a plain array (reads those elements). */
  toArray(limit = 1_000_000): number[] {
    this.assertAlive();
    if (typeof limit !== "number" || Number.isNaN(limit)) throw new InvalidArgumentError(`toArray(limit): limit must be a number, got ${describeValue(limit)}`);
    if (this.size > limit) throw new InvalidArgumentError(`toArray(limit): the array has ${this.size} elements, more than limit ${limit}`);
    // One logged call (like the reductions): an event per element would flood the event log.
    return this.runtime.proc.asOneCall(`${this.name}.tolist()`, { addr: this.address, nbytes: this.nbytes }, () => {
      const out: number[] = [];
      for (const off of this.layout().offsets()) out.push(loadElement(this.runtime.proc, this.runtime.memory, this.address + off, this.dtype));
      return out;
    });
  }

  /** Runs a reduction (`call` as "sum()") as one logged call named like the statement. */
  private reduction(call: string) {
    return this.runtime.proc.asOneCall(`${this.name}.${call}`, { addr: this.address, nbytes: this.nbytes }, () =>
      reduce(this.runtime.proc, this.runtime.memory, this.layout()));
  }

  /** Where the elements are, for the inner loops. */
  layout(): Layout {
    const { shape, strides, address, dtype } = this;
    const contiguous = this.contiguous;
    const size = this.size;
    return {
      address,
      dtype,
      size,
      contiguous,
      *offsets() {
        if (size === 0) return;
        const idx = new Array<number>(shape.length).fill(0);
        for (let n = 0; n < size; n++) {
          let off = 0;
          for (let a = 0; a < shape.length; a++) off += idx[a] * strides[a];
          yield off;
          for (let a = shape.length - 1; a >= 0; a--) {
            if (++idx[a] < shape[a]) break;
            idx[a] = 0;
          }
        }
      },
    };
  }

  /** numpy's repr in short: shape, dtype, address and size (no elements are read). */
  toString(): string {
    const state = this.owner.freed ? ", freed" : "";
    return `ndarray(shape=(${this.shape.join(", ")}${this.ndim === 1 ? "," : ""}), dtype=${this.dtype.name}, address=0x${this.address.toString(16)}, nbytes=${this.nbytes}${state})`;
  }

  /** The Jupyter display: the array's residency heatmap, drawn by the display layer's registered renderer. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return displayBundle(this);
  }

  /** The same bundle for IJavascript's display hook. */
  _toMime(): MimeBundle {
    return displayBundle(this);
  }

  /** Short text for util.inspect: the same as toString(). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Throws numpy-style when the array's memory was freed (use after free). */
  assertAlive(): void {
    if (this.owner.freed) {
      throw new UseAfterFreeError("use after free: this array's memory was released by free() (Python's del); create a new array");
    }
  }

  private offsetOf(index: number[]): number {
    if (index.length !== this.ndim) {
      if (index.length > this.ndim) {
        throw new IndexError(`too many indices for array: array is ${this.ndim}-dimensional, but ${index.length} were indexed`);
      }
      throw new IndexError(`get()/set() need one index per axis: array is ${this.ndim}-dimensional, but ${index.length} were given`);
    }
    let off = 0;
    for (let axis = 0; axis < index.length; axis++) {
      const i = index[axis];
      if (typeof i !== "number" || !Number.isInteger(i)) {
        throw new IndexError("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or boolean arrays are valid indices");
      }
      const n = this.shape[axis];
      if (i < -n || i >= n) throw new IndexError(`index ${i} is out of bounds for axis ${axis} with size ${n}`);
      off += (i < 0 ? i + n : i) * this.strides[axis];
    }
    return off;
  }
}

/**
 * Refuses arguments a reduction would otherwise ignore: `a.sum(1)` or `a.sum({ axis: 1 })` must
 * not quietly return the total of all elements.
 */
function refuseArguments(name: string, args: readonly unknown[]): void {
  const given = args.findIndex((arg) => arg !== undefined);
  if (given < 0) return;
  throw new InvalidArgumentError(
    `${name}(): axis is not modelled; only the ${name === "max" ? "largest" : name === "mean" ? "mean" : "total"} of all elements ` +
      `(a.${name}() takes no arguments, got ${describeValue(args[given])} as argument ${given + 1})`,
  );
}

/** numpy's C-order byte strides for a shape. */
export function cStrides(shape: readonly number[], itemsize: number): number[] {
  const strides = new Array<number>(shape.length);
  let s = itemsize;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = s;
    s *= Math.max(shape[axis], 1);
  }
  return strides;
}

/** The number of elements of a shape (1 for a 0-d shape). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
