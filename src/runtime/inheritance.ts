// What a forked child inherits from a runtime of its parent: the array buffers alive at the fork.
// Each runtime keeps a ledger of the buffers it holds in its process; fork gives the child's
// runtime a ledger of its own copies of them (same address and size, released through the
// child's allocator), so a parent's array can be reached in the child — `numpy(child).inherited(a)`
// — and freed there without touching the parent's.
import { InvalidArgumentError, UseAfterFreeError } from "../errors";
import { NDArray, ownedBuffer, type ArrayBufferOwner, type ArrayRuntime } from "./ndarray";

/** How the runtime gives a buffer back: K is its own tag (numpy: one way; Node: free or pool). */
export type Releaser<K> = (ptr: number, nbytes: number, kind: K) => () => void;

/** The buffers one runtime holds in its process, and the copies it inherited at fork. */
export class BufferLedger<K> {
  private readonly live = new Map<ArrayBufferOwner, K>();
  /** The parent's owner of each buffer alive at the fork -> this process's owner of it. */
  private readonly fromParent = new Map<ArrayBufferOwner, ArrayBufferOwner>();
  /** Arrays already handed out by inherited(): the same object for the same array. */
  private readonly arrays = new WeakMap<NDArray, NDArray>();

  constructor(
    /** The process, for messages: "pid 3". */
    readonly who: string,
    /** The ledger of the runtime this one was forked from. */
    readonly parent: BufferLedger<K> | null = null,
  ) {}

  /** A buffer owner that runs `release` once and is tracked while it lives. */
  own(ptr: number, nbytes: number, kind: K, release: () => void): ArrayBufferOwner {
    const owner = ownedBuffer(ptr, nbytes, () => {
      this.live.delete(owner);
      release();
    });
    this.live.set(owner, kind);
    return owner;
  }

  /** Buffers held now (not released). */
  get size(): number {
    return this.live.size;
  }

  /**
   * The ledger of a child forked now: each buffer alive here gets an owner in the child, released
   * there by `releaser(ptr, nbytes, kind)`. Nothing is allocated: the memory came with fork.
   */
  fork(who: string, releaser: Releaser<K>): BufferLedger<K> {
    const child = new BufferLedger<K>(who, this);
    for (const [owner, kind] of this.live) {
      child.fromParent.set(owner, child.own(owner.ptr, owner.nbytes, kind, releaser(owner.ptr, owner.nbytes, kind)));
    }
    return child;
  }

  /**
   * `a`, an array of this process or of an ancestor it was forked from, as this process holds it:
   * same shape, strides, dtype and address, over this process's (copy-on-write) memory, owned by
   * `runtime`. `ledgerOf` finds the ledger of an array's runtime (null: another kind of runtime).
   */
  inherited(fn: string, a: unknown, runtime: ArrayRuntime, ledgerOf: (rt: ArrayRuntime) => BufferLedger<K> | null, runtimeName: string): NDArray {
    if (!(a instanceof NDArray)) throw new InvalidArgumentError(`${fn}(a): a must be an ndarray, got ${a === null ? "null" : typeof a}`);
    const from = ledgerOf(a.runtime);
    const where = `the array at 0x${a.address.toString(16)}`;
    if (from === null) {
      throw new InvalidArgumentError(`${fn}(a): ${where} was not made by ${runtimeName}; reach it through the runtime that made it`);
    }
    if (from === this) return a;
    if (!this.descendsFrom(from)) {
      const lineage = this.parent === null ? `${this.who} was not forked` : `${this.who} was forked from ${this.parent.who}`;
      throw new InvalidArgumentError(
        `${fn}(a): ${where} belongs to ${from.who}, which is not an ancestor of ${this.who} (${lineage}); a process inherits only the arrays of the process it was forked from`,
      );
    }
    const owner = this.ownerFor(a.owner, from);
    if (owner === null) {
      throw new InvalidArgumentError(
        `${fn}(a): ${where} was not alive in ${from.who} when ${this.forkedFrom(from).who} was forked from it (made after the fork, or freed before it)`,
      );
    }
    if (owner.freed) throw new UseAfterFreeError(`${fn}(a): ${this.who} already freed its inherited copy of ${where}`);
    const cached = this.arrays.get(a);
    if (cached !== undefined) return cached;
    const root = a.base ?? a;
    let base = this.arrays.get(root);
    if (base === undefined) {
      base = new NDArray(runtime, owner, root.address, root.shape, root.strides, root.dtype, null, root.name);
      this.arrays.set(root, base);
    }
    if (root === a) return base;
    const view = new NDArray(runtime, owner, a.address, a.shape, a.strides, a.dtype, base, a.name);
    this.arrays.set(a, view);
    return view;
  }

  private descendsFrom(ancestor: BufferLedger<K>): boolean {
    for (let l = this.parent; l !== null; l = l.parent) if (l === ancestor) return true;
    return false;
  }

  // The ledger of this line that was forked from `ancestor`.
  private forkedFrom(ancestor: BufferLedger<K>): BufferLedger<K> {
    return this.parent === null || this.parent === ancestor ? this : this.parent.forkedFrom(ancestor);
  }

  // The owner, here, of a buffer `from` (this ledger or an ancestor) held under `owner` at the fork.
  private ownerFor(owner: ArrayBufferOwner, from: BufferLedger<K>): ArrayBufferOwner | null {
    if (from === this) return owner;
    if (this.parent === null) return null;
    const above = this.parent.ownerFor(owner, from);
    return above === null ? null : (this.fromParent.get(above) ?? null);
  }
}

/** "pid 3", or a neutral name for a process object without a pid. */
export function processName(proc: { readonly pid?: number }): string {
  return typeof proc.pid === "number" ? `pid ${proc.pid}` : "this process";
}
