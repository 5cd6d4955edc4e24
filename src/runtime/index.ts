// The runtimes a notebook uses on a simulated process: numpy and Node.js, over the process's C
// allocator (one per process, shared, as one libc is shared by everything in a real process).
import type { Process } from "../kernel";
import { createAllocator, type Allocator } from "../libc";
import { requireProcess } from "../kernel/validate";
import { Numpy, checkNumpyOptions, type NumpyOptions } from "./numpy";
import { NodeRuntime } from "./node-runtime";

export { Numpy, type NumpyOptions, type ShapeArg, type DTypeArg, type CreateOptions, type UfuncOptions, type NdarrayOptions } from "./numpy";
export { NDArray, cStrides, type ArrayBufferOwner, type ArrayRuntime } from "./ndarray";
export { NodeRuntime, type NodeProcess, type TypedArrayName } from "./node-runtime";
export { dtypeOf, promote, DTYPE_NAMES, type DType, type DTypeName } from "./dtypes";
export { NumpyAllocator, parseVersion } from "./numpy-alloc";

// One C allocator, one numpy and one Node runtime per process, as in a real process.
const allocators = new WeakMap<Process, Allocator>();
const numpys = new WeakMap<Process, Numpy>();
const nodes = new WeakMap<Process, NodeRuntime>();
const copiedOnFork = new WeakSet<Process>();

/**
 * From the moment a process has a C allocator, every child it forks gets copies of its runtimes
 * (registered with the kernel's atFork hook, the child side of pthread_atfork): the allocator's
 * state, then numpy's and Node's over the child's allocator. A real fork copies the memory
 * glibc and numpy keep that state in; here it is copied as objects, with no system call, so the
 * child's VmSize and VmRSS stay the parent's. A process forked before its parent had a runtime
 * starts fresh ones, as before.
 */
function copyRuntimesOnFork(proc: Process): void {
  if (copiedOnFork.has(proc)) return;
  copiedOnFork.add(proc);
  proc.atFork((child) => {
    const libc = allocators.get(proc);
    if (libc === undefined) return;
    const childLibc = libc.forkInto(child);
    allocators.set(child, childLibc);
    copyRuntimesOnFork(child);
    const np = numpys.get(proc);
    if (np !== undefined) numpys.set(child, np.forkInto(child, childLibc));
    const js = nodes.get(proc);
    if (js !== undefined) nodes.set(child, js.forkInto(child, childLibc));
  });
}

/**
 * The process's C allocator (glibc-like on Linux and macOS, the heap on Windows, eager without
 * MMU). In a forked child it is a copy of the parent's as it was at the fork (see
 * Allocator.forkInto) — when the parent had one; else a fresh one.
 * @example
 * ```ts
 * const libc = libcOf(new Machine().spawn());
 * const small = libc.malloc(100);        // from the brk heap
 * const big = libc.malloc(1 << 20);      // above M_MMAP_THRESHOLD: its own mmap
 * libc.free(big);                        // munmap'd at once
 * ```
 */
export function libcOf(proc: Process): Allocator {
  const p = requireProcess("libcOf(proc)", proc);
  let libc = allocators.get(p);
  if (libc === undefined) {
    libc = createAllocator(p, p.machine.preset.name);
    allocators.set(p, libc);
    copyRuntimesOnFork(p);
  }
  return libc;
}

/**
 * numpy in a simulated process: `const np = numpy(proc, { version: "1.24" })`. A process has one
 * numpy: later calls return it (one small-buffer cache, as in one Python) when the options they
 * set are its own or are left out; a call asking for another version or huge-page setting
 * starts a new numpy, which becomes the process's.
 * After `const child = proc.fork()`, `numpy(child)` is a copy of the parent's numpy (version,
 * small-buffer cache) over the child's copy of the allocator, and `numpy(child).inherited(a)` is
 * the parent's array `a` in the child.
 * @example
 * ```ts
 * const proc = new Machine().spawn();
 * const np = numpy(proc);
 * const a = np.zeros(1_000_000);   // calloc -> mmap: nothing resident yet
 * a.fill(1);                       // every page written: VmRSS grows by about 7.6 MiB
 * const child = proc.fork();
 * const b = numpy(child).inherited(a);
 * b.set(0, 2);                     // copy-on-write: one page copied, for the child only
 * ```
 */
export function numpy(proc: Process, options: NumpyOptions = {}): Numpy {
  const p = requireProcess("numpy(proc)", proc);
  // checked before the process's numpy is reused: a typo must not pass because one exists
  checkNumpyOptions("numpy(proc, options)", options);
  const current = numpys.get(p);
  if (current !== undefined && current.hasOptions(options)) return current;
  const np = new Numpy(p, p.machine.memory, libcOf(p), p.machine.preset.os === "linux", options);
  numpys.set(p, np);
  return np;
}

/**
 * Node.js's typed arrays and Buffers in a simulated process (one runtime per process, its Buffer
 * pool included). After fork, `node(child)` is a copy of the parent's and
 * `node(child).inherited(a)` reaches the parent's array `a` in the child.
 * @example
 * ```ts
 * const js = node(new Machine().spawn());
 * const t = js.typedArray("Float64Array", 2 ** 20); // calloc'd: costs nothing until written
 * ```
 */
export function node(proc: Process): NodeRuntime {
  const p = requireProcess("node(proc)", proc);
  let js = nodes.get(p);
  if (js === undefined) {
    js = new NodeRuntime(p, p.machine.memory, libcOf(p));
    nodes.set(p, js);
  }
  return js;
}
