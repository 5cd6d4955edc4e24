// numpy's creation functions and ufuncs over a simulated process, with numpy's allocation paths
// (REFERENCE §2): zeros -> calloc, empty -> malloc, ones -> empty + fill, the small-buffer cache,
// and the huge-page hint whose reach depends on the numpy version.
import { InvalidArgumentError, MemoryError, ValueError, describeValue, isArray } from "../errors";
import { checkOptions, optionalBoolean } from "../validate";
import type { DType, DTypeName } from "./dtypes";
import { dtypeOf, promote } from "./dtypes";
import type { FrameStore, PagedProcess } from "./page-io";
import type { CAllocator, HintHost } from "./numpy-alloc";
import { NumpyAllocator } from "./numpy-alloc";
import type { ArrayRuntime } from "./ndarray";
import { NDArray, cStrides, shapeSize } from "./ndarray";
import { BufferLedger, processName } from "./inheritance";
import { BINARY_OPS, type BinaryOpName } from "./element-ops";
import { elementwise, fill as fillLayout, type Operand } from "./array-kernels";
import { formatBytesIEC } from "./units";
import uniq from "lodash/uniq";

/** The process side numpy needs: loads/stores, its frames, madvise, and which OS it is. */
export interface NumpyProcess extends PagedProcess, HintHost {
  /** The process id, for messages (a kernel Process has one). */
  readonly pid?: number;
}

/** How a numpy is started: {@link numpy}'s options. */
export interface NumpyOptions {
  /** numpy version (default "1.24", the founding question's); 2.2+ also hints huge pages for zeros. */
  version?: string;
  /** NUMPY_MADVISE_HUGEPAGE; default true (numpy's default on kernels >= 4.6). */
  madviseHugepage?: boolean;
}

/** An array shape: a length for 1-D, or one length per axis. @inline */
export type ShapeArg = number | readonly number[];
/**
 * A dtype, its name, or another numpy spelling ("f8", "int"); `string & {}` keeps the names as editor suggestions.
 * @inline
 */
export type DTypeArg = DTypeName | DType | (string & {});
/** Options of the creation functions: the element type (default float64) and a name. @inline */
export interface CreateOptions {
  /** The element type, e.g. "float32" or "int64" (default float64). */
  dtype?: DTypeArg;
  /** The array's name in the process's events, e.g. "l" for `l = np.zeros(...)`: the timeline then
   *  reads "l = np.zeros(...)", "l[-1] = 3", "np.add(l, 0, out=l)", "del l" (default "a"). */
  name?: string;
}

/** Options of the ufuncs: where the result goes. @inline */
export interface UfuncOptions {
  /** The array to write the result into (numpy's out=); default a new array. */
  out?: NDArray;
}

/** np.ndarray's options: the buffer viewed, the byte offset into it, the element type. @inline */
export interface NdarrayOptions {
  /** The element type (default float64). */
  dtype?: DTypeArg;
  /** The array whose buffer the view lies in. */
  buffer: NDArray;
  /** Bytes from the buffer's start to the view's first element (default 0). */
  offset?: number;
  /** The view's name in the process's events (default "a"), as CreateOptions' name. */
  name?: string;
}

/**
 * Checks {@link numpy}'s options before anything is made or reused: an object of known keys (a
 * version string alone is refused with the object to write instead) and a boolean
 * madviseHugepage. @internal
 */
export function checkNumpyOptions(where: string, options: unknown): void {
  if (typeof options === "string") {
    throw new InvalidArgumentError(`${where}: options must be an object, got the string ${JSON.stringify(options)}; pass { version: ${JSON.stringify(options)} }`);
  }
  checkOptions<NumpyOptions>(where, options as NumpyOptions | undefined, ["version", "madviseHugepage"]);
  optionalBoolean(where, "madviseHugepage", (options as NumpyOptions | undefined)?.madviseHugepage);
}

/** The largest buffer numpy can ask for: the 47-bit user address space of x86-64 Linux. */
const MAX_BYTES = 2 ** 47;
/** Byte counts from here on overflow numpy's npy_intp (int64): "array is too big". */
const MAX_INTP_BYTES = 2 ** 63;

/**
 * numpy's array functions over one simulated process, as `np` in Python: creation functions with
 * numpy's allocation paths (zeros calloc, empty malloc, ones empty + fill, a small-buffer cache,
 * the huge-page hint) and element-wise ufuncs. Get one with {@link numpy}.
 * @example
 * ```ts
 * const np = numpy(new Machine().spawn());
 * const a = np.ones([512, 512]);
 * const b = np.multiply(a, 2);          // a new array: malloc'd, then every element written
 * np.add(a, b, { out: a });             // in place: no allocation (np.add(a, b, a) too)
 * ```
 */
export class Numpy implements ArrayRuntime {
  /** The numpy version modelled ("1.24" by default); 2.2 and later also hint huge pages for zeros. */
  readonly version: string;
  /** NUMPY_MADVISE_HUGEPAGE as this numpy was started with. */
  readonly madviseHugepage: boolean;
  /** numpy's data allocator: the small-buffer cache and the huge-page hint over `libc`. */
  readonly allocator: NumpyAllocator;
  /** The array buffers this numpy holds, and those its process inherited at fork. */
  private ledger: BufferLedger<"numpy">;

  /**
   * @param proc - The process whose memory holds the arrays.
   * @param memory - The process's frames, where element bytes live.
   * @param libc - The process's C allocator, which numpy's allocator calls.
   * @param linux - Whether the process runs on Linux (madvise hints apply only there).
   * @param options - The numpy version and NUMPY_MADVISE_HUGEPAGE.
   */
  constructor(
    readonly proc: NumpyProcess,
    readonly memory: FrameStore,
    readonly libc: CAllocator,
    private readonly linux: boolean,
    options: NumpyOptions = {},
  ) {
    checkNumpyOptions("Numpy(proc, memory, libc, linux, options)", options);
    this.version = options.version ?? "1.24";
    this.madviseHugepage = options.madviseHugepage ?? true;
    this.allocator = new NumpyAllocator(libc, proc, {
      version: this.version,
      madviseHugepage: this.madviseHugepage,
      linux,
    });
    this.ledger = new BufferLedger(processName(proc));
  }

  /** True when `options` fit this numpy: what they set (version, huge-page setting) is this one's. @internal */
  hasOptions(options: NumpyOptions): boolean {
    return (options.version === undefined || options.version === this.version) &&
      (options.madviseHugepage === undefined || options.madviseHugepage === this.madviseHugepage);
  }

  /**
   * The numpy of a child forked from this process now: the same version and options, a copy of
   * the small-buffer cache, over the child's `libc` (the copy of this one's, see
   * Allocator.forkInto). The arrays alive now are the child's too: `inherited(a)` reaches them.
   * Nothing is allocated — fork already copied the memory all this describes. (The child's
   * hugepageHints count starts at zero: it counts the child's own hints.) Called by fork through
   * numpy(child). @internal
   */
  forkInto(proc: NumpyProcess, libc: CAllocator): Numpy {
    const child = new Numpy(proc, this.memory, libc, this.linux, { version: this.version, madviseHugepage: this.madviseHugepage });
    child.allocator.inheritFrom(this.allocator);
    const childAllocator = child.allocator;
    child.ledger = this.ledger.fork(processName(proc), (ptr, nbytes) => () => childAllocator.release(ptr, nbytes));
    return child;
  }

  /**
   * A parent's array in this forked process, as `os.fork()` leaves it to a Python child: the same
   * shape, dtype and address, over the memory the child shares copy-on-write with the parent.
   * A write through it copies the pages it lands on for the child only (the parent keeps its
   * values); free() releases the child's copy through the child's allocator (the parent's array
   * stays valid). `a` may be an array of the parent or of any process further up the line, alive
   * when the fork happened; an array of this process is returned as is. Refused (an
   * InvalidArgumentError naming both processes) for an array of an unrelated process or one made
   * after the fork.
   */
  inherited(a: NDArray): NDArray {
    return this.ledger.inherited("inherited", a, this, (rt) => (rt instanceof Numpy ? rt.ledger : null), "numpy");
  }

  /** np.zeros: calloc'd memory — nothing is written, so nothing new becomes resident. */
  zeros(shape: ShapeArg, options?: CreateOptions | DTypeArg): NDArray {
    const { dims, dtype, name } = this.parse("zeros", shape, options);
    return this.logged("np.zeros", name, dims, dtype, () => this.zerosNow(dims, dtype, name));
  }

  private zerosNow(dims: number[], dtype: DType, name: string | undefined): NDArray {
    const nbytes = this.byteSize(dims, dtype);
    const { ptr, mustClear } = this.allocator.allocZeroed(nbytes);
    const arr = this.wrap(this.checkAllocated(ptr, dims, dtype), dims, dtype, nbytes, name);
    // numpy npy_alloc_cache_zero: buffers from the small cache are cleared with memset (REFERENCE §2.1)
    if (mustClear) fillLayout(this.proc, this.memory, arr.layout(), 0);
    return arr;
  }

  /** np.empty: malloc'd memory, uninitialised (it may hold a previous array's bytes). */
  empty(shape: ShapeArg, options?: CreateOptions | DTypeArg): NDArray {
    const { dims, dtype, name } = this.parse("empty", shape, options);
    return this.logged("np.empty", name, dims, dtype, () => this.emptyNow(dims, dtype, name));
  }

  private emptyNow(dims: number[], dtype: DType, name: string | undefined): NDArray {
    const nbytes = this.byteSize(dims, dtype);
    return this.wrap(this.checkAllocated(this.allocator.allocEmpty(nbytes), dims, dtype), dims, dtype, nbytes, name);
  }

  /** np.ones = empty + copyto(1): every page is written at once (REFERENCE §2.3). */
  ones(shape: ShapeArg, options?: CreateOptions | DTypeArg): NDArray {
    return this.full(shape, 1, options);
  }

  /** np.full = empty + fill(value). */
  full(shape: ShapeArg, value: number, options?: CreateOptions | DTypeArg): NDArray {
    if (typeof value !== "number") throw new InvalidArgumentError(`full(shape, fill_value): fill_value must be a number, got ${typeof value}`);
    const { dims, dtype, name } = this.parse("full", shape, options);
    return this.logged(value === 1 ? "np.ones" : `np.full(${value})`, name, dims, dtype, () => {
      const arr = this.emptyNow(dims, dtype, name);
      arr.fill(value);
      return arr;
    });
  }

  /** np.arange(stop) / np.arange(start, stop, step): evenly spaced values, written element by element. */
  arange(start: number, stop?: number, step = 1, options?: CreateOptions | DTypeArg): NDArray {
    const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
    for (const [name, v] of [["start", lo], ["stop", hi], ["step", step]] as const) {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new InvalidArgumentError(`arange(): ${name} must be a finite number, got ${describeValue(v)}`);
    }
    if (step === 0) throw new ValueError("Maximum allowed size exceeded"); // numpy's message for step 0
    const n = Math.max(0, Math.ceil((hi - lo) / step));
    const allInts = [lo, hi, step].every(Number.isInteger);
    const created = creationArgument("arange(start, stop, step, options)", options);
    const dtype = dtypeOf(created.dtype ?? (allInts ? "int64" : "float64"));
    return this.logged("np.arange", created.name, [n], dtype, () => {
      const arr = this.emptyNow([n], dtype, created.name);
      let i = 0;
      elementwise(this.proc, this.memory, arr.layout(), [], () => lo + step * i++, { perElement: true });
      return arr;
    });
  }

  /** np.zeros_like: zeros of `a`'s shape and, unless `options` names another, its dtype. */
  zeros_like(a: NDArray, options?: CreateOptions | DTypeArg): NDArray {
    const like = this.likeOptions("zeros_like", a, options);
    return this.zeros([...a.shape], like);
  }

  /** np.empty_like: an uninitialised array of `a`'s shape and, unless `options` names another, its dtype. */
  empty_like(a: NDArray, options?: CreateOptions | DTypeArg): NDArray {
    const like = this.likeOptions("empty_like", a, options);
    return this.empty([...a.shape], like);
  }

  /** np.ones_like: ones of `a`'s shape and, unless `options` names another, its dtype. */
  ones_like(a: NDArray, options?: CreateOptions | DTypeArg): NDArray {
    const like = this.likeOptions("ones_like", a, options);
    return this.ones([...a.shape], like);
  }

  /** np.ndarray(shape, dtype, buffer=a, offset=k): a view at any byte offset of another array's buffer. */
  ndarray(shape: ShapeArg, options: NdarrayOptions): NDArray {
    if (options === null || typeof options !== "object" || isArray(options) || "itemsize" in options) {
      throw new InvalidArgumentError(`ndarray(shape, options): options must be { buffer, offset?, dtype? }, got ${describeValue(options)}`);
    }
    checkOptions<NdarrayOptions>("ndarray(shape, options)", options, ["dtype", "buffer", "offset", "name"]);
    const name = requireArrayName("ndarray(shape, options)", options.name);
    const { dims, dtype } = this.parse("ndarray", shape, options.dtype);
    const buffer = options.buffer;
    if (!(buffer instanceof NDArray)) throw new InvalidArgumentError("ndarray(shape, { buffer }): buffer must be an ndarray");
    buffer.assertAlive();
    this.requireOwn("ndarray(shape, { buffer })", "buffer", buffer);
    const offset = options.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError(`ndarray(): offset must be a non-negative integer, got ${describeValue(offset)}`);
    const nbytes = shapeSize(dims) * dtype.itemsize;
    if (!buffer.contiguous || offset + nbytes > buffer.nbytes) {
      throw new ValueError(`buffer is too small for requested array (needs ${offset + nbytes} bytes, buffer has ${buffer.nbytes})`);
    }
    return new NDArray(this, buffer.owner, buffer.address + offset, dims, cStrides(dims, dtype.itemsize), dtype, buffer.base ?? buffer, name);
  }

  /**
   * np.add: element-wise a + b (arrays of one shape, or an array and a number), into `out` or a new
   * array with numpy's result type. `out` is given as numpy takes it: `{ out: a }`, or the array
   * itself as the third argument (`np.add(a, 1, a)`). Arrays must belong to this numpy's process.
   */
  add(a: NDArray | number, b: NDArray | number, out?: NDArray | UfuncOptions): NDArray {
    return this.binary("add", a, b, out);
  }

  /** np.subtract: element-wise a - b, into `out` or a new array (see add). */
  subtract(a: NDArray | number, b: NDArray | number, out?: NDArray | UfuncOptions): NDArray {
    return this.binary("subtract", a, b, out);
  }

  /** np.multiply: element-wise a * b, into `out` or a new array (see add). */
  multiply(a: NDArray | number, b: NDArray | number, out?: NDArray | UfuncOptions): NDArray {
    return this.binary("multiply", a, b, out);
  }

  /** np.divide: element-wise true division a / b (integers give float64), into `out` or a new array. */
  divide(a: NDArray | number, b: NDArray | number, out?: NDArray | UfuncOptions): NDArray {
    return this.binary("divide", a, b, out);
  }

  /**
   * Refuses an array of another process: its address means nothing here, so reading it would read
   * this process's memory at that address (and writing an `out` would write it).
   */
  private requireOwn(where: string, name: string, x: NDArray): void {
    const theirs = x.runtime.proc;
    if (theirs === this.proc) return;
    const mine = processName(this.proc);
    const other = processName(theirs as { readonly pid?: number });
    // two machines number their processes alike: "pid 2, not pid 2" would explain nothing
    const whose = other === mine ? `${other} of another machine` : other;
    throw new InvalidArgumentError(
      `${where}: ${name} is an array of ${whose}, not of this numpy's process (${mine}); ` +
        "use arrays made by numpy(proc) of this process, or reach a parent's array in a forked child with numpy(child).inherited(a)",
    );
  }

  private binary(name: BinaryOpName, a: NDArray | number, b: NDArray | number, outArg?: NDArray | UfuncOptions): NDArray {
    const where = `${name}(x1, x2, out)`;
    const arrays = [a, b].filter((x): x is NDArray => x instanceof NDArray);
    for (const [label, x] of [["x1", a], ["x2", b]] as const) {
      if (!(x instanceof NDArray) && typeof x !== "number") {
        throw new InvalidArgumentError(`${name}(x1, x2): ${label} must be an ndarray or a number, got ${x === null ? "null" : typeof x}`);
      }
      if (x instanceof NDArray) {
        x.assertAlive();
        this.requireOwn(where, label, x);
      }
    }
    // numpy's third positional argument is out itself; else an options object of known keys.
    if (!(outArg instanceof NDArray)) checkOptions<UfuncOptions>(where, outArg, ["out"]);
    const out = outArg instanceof NDArray ? outArg : outArg?.out;
    if (arrays.length === 2 && !sameShape(arrays[0].shape, arrays[1].shape)) {
      throw new ValueError(`operands could not be broadcast together with shapes ${shapeText(arrays[0].shape)} ${shapeText(arrays[1].shape)}`);
    }
    const shape = arrays.length > 0 ? arrays[0].shape : [];
    const resultType = this.resultType(name, a, b);
    if (out !== undefined) {
      if (!(out instanceof NDArray)) throw new InvalidArgumentError(`${where}: out must be an ndarray, got ${describeValue(out)}`);
      out.assertAlive();
      this.requireOwn(where, "out", out);
      if (!sameShape(out.shape, shape)) {
        throw new ValueError(`non-broadcastable output operand with shape ${shapeText(out.shape)} doesn't match the broadcast shape ${shapeText(shape)}`);
      }
      if (!canCastSameKind(resultType, out.dtype)) {
        throw new PagelabUFuncTypeError(name, resultType, out.dtype);
      }
    }
    const given = out;
    const operands: Operand[] = [a, b].map((x) => (x instanceof NDArray ? { layout: x.layout() } : { scalar: x }));
    const op = BINARY_OPS[name];
    return this.proc.asOneCall(ufuncStatement(name, [a, b], given), { shape: shape.join("x"), out: given !== undefined }, () => {
      const target = given ?? this.empty([...shape], resultType);
      elementwise(this.proc, this.memory, target.layout(), operands, (v) => op(v[0], v[1]));
      return target;
    });
  }

  private resultType(name: BinaryOpName, a: NDArray | number, b: NDArray | number): DType {
    const types = [a, b].map((x) => (x instanceof NDArray ? x.dtype : null));
    let t: DType;
    if (types[0] && types[1]) t = promote(types[0], types[1]);
    else {
      // NEP 50: a Python scalar takes the array's type, except a float scalar with an integer array.
      const arrayType = types[0] ?? types[1];
      const scalar = (types[0] ? b : a) as number;
      if (arrayType === null) t = dtypeOf("float64");
      else if (arrayType.kind !== "f" && !Number.isInteger(scalar)) t = dtypeOf("float64");
      else t = arrayType;
    }
    // true_divide of integers gives float64.
    if (name === "divide" && t.kind !== "f") t = dtypeOf("float64");
    return t;
  }

  /** Runs a creation as one event of the process's log, named like the numpy call ("np.zeros",
   *  its arguments beside it), or for a named array as the whole statement ("l = np.zeros(268435456, float64)"). */
  private logged(call: string, name: string | undefined, dims: number[], dtype: DType, body: () => NDArray): NDArray {
    const shape = dims.join("x");
    const statement = name === undefined ? call : `${name} = ${/[^\w.]/.test(call) ? call : `${call}(${shape}, ${dtype.name})`}`;
    return this.proc.asOneCall(statement, { shape, dtype: dtype.name }, body);
  }

  private parse(fn: string, shape: ShapeArg, options: CreateOptions | DTypeArg | undefined): { dims: number[]; dtype: DType; name: string | undefined } {
    const dims = typeof shape === "number" ? [shape] : isArray(shape) ? [...shape] : null;
    if (dims === null) throw new InvalidArgumentError(`${fn}(shape): shape must be a number or an array of numbers, got ${typeof shape}`);
    for (const d of dims) {
      if (typeof d !== "number" || !Number.isInteger(d)) {
        throw new InvalidArgumentError(`${fn}(shape): 'float' object cannot be interpreted as an integer (shape ${shapeArgText(shape)})`);
      }
      if (d < 0) throw new ValueError(`negative dimensions are not allowed (shape ${shapeArgText(shape)})`);
    }
    const created = creationArgument(`${fn}(shape, options)`, options);
    const dtype = dtypeOf(created.dtype);
    // numpy refuses a byte count that overflows its 64-bit intp before it tries to allocate it
    // (zero dimensions skipped: np.zeros((0, 2**62, 4)) is refused too)
    if (shapeSize(dims.filter((d) => d !== 0)) * dtype.itemsize >= MAX_INTP_BYTES) {
      throw new ValueError(`array is too big; \`arr.size * arr.dtype.itemsize\` is larger than the maximum possible size. (shape ${shapeArgText(shape)})`);
    }
    return { dims, dtype, name: created.name };
  }

  private likeOptions(fn: string, a: NDArray, options: CreateOptions | DTypeArg | undefined): CreateOptions {
    if (!(a instanceof NDArray)) throw new InvalidArgumentError(`${fn}(a): a must be an ndarray, got ${describeValue(a)}`);
    const created = creationArgument(`${fn}(a, options)`, options);
    return { dtype: created.dtype ?? a.dtype, name: created.name };
  }

  private byteSize(dims: number[], dtype: DType): number {
    const nbytes = shapeSize(dims) * dtype.itemsize;
    if (nbytes > MAX_BYTES) throw new MemoryError(unableToAllocate(nbytes, dims, dtype));
    return nbytes;
  }

  private checkAllocated(ptr: number | null, dims: number[], dtype: DType): number {
    if (ptr === null) throw new MemoryError(unableToAllocate(shapeSize(dims) * dtype.itemsize, dims, dtype));
    return ptr;
  }

  private wrap(ptr: number, dims: number[], dtype: DType, nbytes: number, name: string | undefined): NDArray {
    const allocator = this.allocator;
    const owner = this.ledger.own(ptr, nbytes, "numpy", () => allocator.release(ptr, nbytes));
    return new NDArray(this, owner, ptr, dims, cStrides(dims, dtype.itemsize), dtype, null, name);
  }
}

/** An array name: what a notebook's code calls it (a Python variable), for event labels. */
const ARRAY_NAME = /^[^\s]{1,40}$/;

/** Throws unless `name` is undefined or an array name; returns it. */
function requireArrayName(where: string, name: unknown): string | undefined {
  if (name !== undefined && (typeof name !== "string" || !ARRAY_NAME.test(name))) {
    throw new InvalidArgumentError(`${where}: name must be 1 to 40 characters without spaces (the variable, e.g. "l"), got ${describeValue(name)}`);
  }
  return name;
}

/**
 * What a creation function's last argument says: a dtype, its name, or { dtype, name }; both
 * undefined when it is left out. Anything else (null, a number, an unknown option key, a name
 * with spaces) is refused.
 */
function creationArgument(where: string, options: unknown): CreateOptions {
  if (options === undefined || typeof options === "string") return { dtype: options };
  if (options !== null && typeof options === "object" && !isArray(options)) {
    if ("itemsize" in options) return { dtype: options as DType }; // dtypeOf checks it is one of ours
    checkOptions<CreateOptions>(where, options, ["dtype", "name"]);
    const { dtype, name } = options as CreateOptions;
    return { dtype, name: requireArrayName(where, name) };
  }
  throw new InvalidArgumentError(`${where}: options must be a dtype, its name (e.g. "float32") or { dtype }, got ${describeValue(options)}`);
}

/** numpy's UFuncTypeError for an output that cannot hold the result under 'same_kind'. */
class PagelabUFuncTypeError extends InvalidArgumentError {
  constructor(name: string, from: DType, to: DType) {
    super(`Cannot cast ufunc '${name}' output from dtype('${from.name}') to dtype('${to.name}') with casting rule 'same_kind'`);
  }
}

function canCastSameKind(from: DType, to: DType): boolean {
  const rank = { b: 0, u: 1, i: 1, f: 2 } as const;
  return rank[from.kind] <= rank[to.kind];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A shape argument as the caller wrote it, for messages (JSON would print NaN as null). */
function shapeArgText(shape: unknown): string {
  const item = (d: unknown) => (typeof d === "number" ? String(d) : describeValue(d));
  return Array.isArray(shape) ? `[${shape.map(item).join(",")}]` : item(shape);
}

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(",")}${shape.length === 1 ? "," : ""})`;
}

// numpy _ArrayMemoryError: "Unable to allocate 2.00 GiB for an array with shape (268435456,) and data type float64"
function unableToAllocate(nbytes: number, dims: number[], dtype: DType): string {
  return `Unable to allocate ${formatBytesIEC(nbytes)} for an array with shape ${shapeText(dims)} and data type ${dtype.name}`;
}

/**
 * The call as a user wrote it, for the event log: each array by its name (CreateOptions' name,
 * as its other events call it: "l[-1] = 3", "del l"), e.g. "np.add(l, 0, out=l)"; arrays whose
 * names do not tell them apart (two left as "a") are a, b, ... in order of first use.
 */
function ufuncStatement(name: string, operands: readonly (NDArray | number | boolean)[], out: NDArray | undefined): string {
  const arrays = uniq([...operands, out].filter((x): x is NDArray => x instanceof NDArray));
  // The arrays' own names when they tell them apart, else a, b, c in order of appearance
  const own = uniq(arrays.map((x) => x.name)).length === arrays.length;
  const nameOf = (x: NDArray): string => (own ? x.name : String.fromCharCode("a".charCodeAt(0) + arrays.indexOf(x)));
  const text = operands.map((x) => (x instanceof NDArray ? nameOf(x) : String(x)));
  return `np.${name}(${text.join(", ")}${out === undefined ? "" : `, out=${nameOf(out)}`})`;
}
