// The runtimes a notebook uses on a simulated process: numpy and Node.js, over the process's C
// allocator (one per process, shared, as one libc is shared by everything in a real process).
import type { Process } from "../kernel";
import { createAllocator, type Allocator } from "../libc";
import { InvalidArgumentError } from "../errors";
import { Numpy, type NumpyOptions } from "./numpy";
import { NodeRuntime } from "./node-runtime";

export { Numpy, type NumpyOptions, type ShapeArg, type DTypeArg, type CreateOptions } from "./numpy";
export { NDArray, cStrides, type ArrayBufferOwner, type ArrayRuntime } from "./ndarray";
export { NodeRuntime, type TypedArrayName } from "./node-runtime";
export { dtypeOf, promote, DTYPE_NAMES, type DType, type DTypeName } from "./dtypes";
export { NumpyAllocator, parseVersion } from "./numpy-alloc";

const allocators = new WeakMap<Process, Allocator>();

/** The process's C allocator (glibc-like on Linux and macOS, the heap on Windows, eager without MMU). */
export function libcOf(proc: Process): Allocator {
  let libc = allocators.get(proc);
  if (libc === undefined) {
    libc = createAllocator(proc, proc.machine.preset.name);
    allocators.set(proc, libc);
  }
  return libc;
}

function requireProcess(fn: string, proc: unknown): Process {
  if (proc === null || typeof proc !== "object" || !("accessPages" in proc) || !("machine" in proc)) {
    throw new InvalidArgumentError(`${fn}(proc): proc must be a process from machine.spawn(), got ${proc === null ? "null" : typeof proc}`);
  }
  return proc as Process;
}

/** numpy in a simulated process: `const np = numpy(proc, { version: "1.24" })`. */
export function numpy(proc: Process, options: NumpyOptions = {}): Numpy {
  const p = requireProcess("numpy", proc);
  return new Numpy(p, p.machine.memory, libcOf(p), p.machine.preset.os === "linux", options);
}

/** Node.js's typed arrays and Buffers in a simulated process. */
export function node(proc: Process): NodeRuntime {
  const p = requireProcess("node", proc);
  return new NodeRuntime(p, p.machine.memory, libcOf(p));
}
