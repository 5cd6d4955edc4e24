// Node.js's memory paths over a simulated process (REFERENCE §4): typed arrays get zero-filled
// backing stores from calloc — so `new Float64Array(2 ** 28)` costs nothing until written, like
// np.zeros — Buffer.allocUnsafe slices an 8 KiB pool for small sizes and mallocs the rest, and
// Buffer.alloc is calloc'd.
import { InvalidArgumentError, MemoryError, describeValue, isArray } from "../errors";
import type { DType, DTypeName } from "./dtypes";
import { dtypeOf } from "./dtypes";
import type { FrameStore, PagedProcess } from "./page-io";
import type { CAllocator } from "./numpy-alloc";
import type { ArrayRuntime } from "./ndarray";
import { NDArray, cStrides, shapeSize } from "./ndarray";
import { BufferLedger, processName } from "./inheritance";
import { formatBytesIEC } from "./units";

/** The typed-array constructors {@link NodeRuntime.typedArray} models. @inline */
export type TypedArrayName =
  | "Float64Array" | "Float32Array" | "BigInt64Array" | "Int32Array" | "Int16Array" | "Int8Array" | "Uint8Array";

const ELEMENT_TYPES: Record<TypedArrayName, DTypeName> = {
  Float64Array: "float64",
  Float32Array: "float32",
  BigInt64Array: "int64",
  Int32Array: "int32",
  Int16Array: "int16",
  Int8Array: "int8",
  Uint8Array: "uint8",
};

// Node lib/buffer.js: Buffer.poolSize is 8 KiB; allocUnsafe(n) uses the pool when n < poolSize >>> 1 (REFERENCE §4.2)
const POOL_SIZE = 8 * 1024;

/** The process side Node needs: loads and stores, and a pid for messages. */
export interface NodeProcess extends PagedProcess {
  readonly pid?: number;
}

/** How a Node buffer goes back: free() to libc, or nothing (a slice of the Buffer pool). */
type NodeRelease = "free" | "pool";

/**
 * Node.js's memory paths in one simulated process: typed arrays with calloc'd backing stores,
 * Buffer.alloc (calloc) and Buffer.allocUnsafe (an 8 KiB pool for small sizes, malloc above). Get
 * one with {@link node}.
 * @example
 * ```ts
 * const js = node(new Machine().spawn());
 * const t = js.typedArray("Float64Array", 2 ** 28); // 2 GiB, nothing resident until written
 * const b = js.bufferAllocUnsafe(100);              // a slice of the 8 KiB pool
 * ```
 */
export class NodeRuntime implements ArrayRuntime {
  private pool: { ptr: number; used: number } | null = null;
  /** The buffers this runtime holds, and those its process inherited at fork. */
  private ledger: BufferLedger<NodeRelease>;

  /**
   * @param proc - The process the arrays live in.
   * @param memory - The process's frames, where element bytes live.
   * @param libc - The process's C allocator, which backing stores come from.
   */
  constructor(readonly proc: NodeProcess, readonly memory: FrameStore, readonly libc: CAllocator) {
    this.ledger = new BufferLedger(processName(proc));
  }

  /**
   * The runtime of a child forked from this process now: the same Buffer pool (its unused rest
   * serves the child's next small allocUnsafe), over the child's `libc`; the arrays alive now are
   * reachable in the child with `inherited(a)`. Nothing is allocated. Called by fork through
   * node(child). @internal
   */
  forkInto(proc: NodeProcess, libc: CAllocator): NodeRuntime {
    const child = new NodeRuntime(proc, this.memory, libc);
    child.pool = this.pool === null ? null : { ...this.pool };
    child.ledger = this.ledger.fork(processName(proc), (ptr, _nbytes, kind) => (kind === "free" ? () => libc.free(ptr) : () => undefined));
    return child;
  }

  /**
   * A parent's typed array or Buffer in this forked process: same address, shape and type, over
   * the memory shared copy-on-write; writes copy pages for the child only, free() releases the
   * child's copy. Refused for an array of an unrelated process or one made after the fork (see
   * Numpy.inherited).
   */
  inherited(a: NDArray): NDArray {
    return this.ledger.inherited("inherited", a, this, (rt) => (rt instanceof NodeRuntime ? rt.ledger : null), "Node.js (node(proc))");
  }

  /** `new Float64Array(n)` and friends: a calloc'd backing store (V8's zero-filling allocator). */
  typedArray(type: TypedArrayName, length: number): NDArray {
    const name = Object.prototype.hasOwnProperty.call(ELEMENT_TYPES, type) ? ELEMENT_TYPES[type] : undefined;
    if (name === undefined) throw new InvalidArgumentError(`typedArray(type): unknown typed array ${describeValue(type)}; known: ${Object.keys(ELEMENT_TYPES).join(", ")}`);
    this.checkLength(length, "typedArray(type, length)", "length");
    return this.callocArray(dtypeOf(name), length);
  }

  /** `Buffer.alloc(n)`: zero-filled, from calloc. */
  bufferAlloc(size: number): NDArray {
    this.checkLength(size, "bufferAlloc(size)", "size");
    return this.callocArray(dtypeOf("uint8"), size);
  }

  // A checked length of elements in a calloc'd backing store.
  private callocArray(dtype: DType, length: number): NDArray {
    const nbytes = length * dtype.itemsize;
    // node NodeArrayBufferAllocator::Allocate -> calloc when zero-fill is on, the default (REFERENCE §4.1)
    const ptr = this.libc.calloc(Math.max(nbytes, 1));
    if (ptr === null) throw new MemoryError(`RangeError: Array buffer allocation failed (${formatBytesIEC(nbytes)})`);
    return this.wrap(ptr, nbytes, [length], dtype, "free");
  }

  /** `Buffer.allocUnsafe(n)`: uninitialised; small sizes share an 8 KiB pool, larger ones are malloc'd. */
  bufferAllocUnsafe(size: number): NDArray {
    this.checkLength(size, "bufferAllocUnsafe(size)", "size");
    const dtype = dtypeOf("uint8");
    if (size < POOL_SIZE / 2) {
      if (this.pool === null || this.pool.used + size > POOL_SIZE) {
        const ptr = this.libc.malloc(POOL_SIZE);
        if (ptr === null) throw new MemoryError("RangeError: Array buffer allocation failed (Buffer pool)");
        this.pool = { ptr, used: 0 };
      }
      const ptr = this.pool.ptr + this.pool.used;
      // lib/buffer.js alignPool: the next slice starts 8-byte aligned
      this.pool.used += Math.ceil(size / 8) * 8;
      return this.wrap(ptr, size, [size], dtype, "pool");
    }
    const ptr = this.libc.malloc(size);
    if (ptr === null) throw new MemoryError(`RangeError: Array buffer allocation failed (${formatBytesIEC(size)})`);
    return this.wrap(ptr, size, [size], dtype, "free");
  }

  /** An uninitialised array (malloc), for copies. */
  empty(shape: number[], dtype: DType): NDArray {
    if (!isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) {
      throw new InvalidArgumentError(`empty(shape, dtype): shape must be an array of non-negative integers, got ${describeValue(shape)}`);
    }
    dtypeOf(dtype); // refuses anything but a dtype
    const nbytes = shapeSize(shape) * dtype.itemsize;
    const ptr = this.libc.malloc(Math.max(nbytes, 1));
    if (ptr === null) throw new MemoryError(`RangeError: Array buffer allocation failed (${formatBytesIEC(nbytes)})`);
    return this.wrap(ptr, nbytes, shape, dtype, "free");
  }

  private checkLength(length: number, what: string, name: string): void {
    if (typeof length !== "number" || !Number.isInteger(length) || length < 0) {
      throw new InvalidArgumentError(`${what}: ${name} must be a non-negative integer, got ${describeValue(length)}`);
    }
    // V8's kMaxLength for typed arrays on 64-bit: 2**32 elements (Node 20: buffer.constants.MAX_LENGTH = 2**32)
    if (length > 2 ** 32) throw new InvalidArgumentError(`${what}: RangeError: Invalid typed array length: ${length}`);
  }

  private wrap(ptr: number, nbytes: number, shape: number[], dtype: DType, release: NodeRelease): NDArray {
    const libc = this.libc;
    const owner = this.ledger.own(ptr, nbytes, release, release === "free" ? () => libc.free(ptr) : () => undefined);
    return new NDArray(this, owner, ptr, shape, cStrides(shape, dtype.itemsize), dtype, null);
  }
}
