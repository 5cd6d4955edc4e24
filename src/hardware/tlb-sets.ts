// The storage shared by TLBs and walk caches: `sets` sets of `ways` entries, each entry a tag
// (page or prefix number), an address-space id and a kind (page shift for a TLB, coverage shift
// for a walk cache). Replacement is true LRU, or tree pseudo-LRU (ways - 1 direction bits per
// set); an emptied entry is the next one refilled. The entries live in WebAssembly memory
// (assembly/tlb-arrays.ts), shared with the rest of their MMU's arrays so that one call can
// look an access up in several of them; this class is the JavaScript face of one array.
import { MmuCore } from "./mmu-core";

/** Fixed-size set-associative storage; the set of a tag is the tag modulo sets. */
export class SetAssociativeArray {
  /** The array's address in its core's memory. */
  readonly handle: number;

  /** Builds `sets` empty sets of `ways` entries with LRU (or tree pseudo-LRU when `plru`), in
   *  `core` (by default a core of its own). */
  constructor(
    /** Sets. */
    readonly sets: number,
    /** Entries per set. */
    readonly ways: number,
    /** Tree pseudo-LRU instead of true LRU. */
    readonly plru: boolean,
    /** The WebAssembly instance holding the entries. */
    readonly core: MmuCore = new MmuCore(),
  ) {
    this.handle = core.wasm.newArray(sets, ways, plru);
  }

  /** Slot of the entry (tag, asid, kind) in its set, or -1; does not change replacement state. */
  find(tag: number, asid: number, kind: number): number {
    return this.core.wasm.find(this.handle, tag, asid, kind);
  }

  /** Marks a slot most recently used. */
  touch(slot: number): void {
    this.core.wasm.touch(this.handle, slot);
  }

  /** Stores (tag, asid, kind), which the caller knows is absent, in its set — in an empty way,
   *  else the policy's victim — marks it most recently used, and returns its slot. */
  insert(tag: number, asid: number, kind: number): number {
    return this.core.wasm.insert(this.handle, tag, asid, kind);
  }

  /** Empties one slot. */
  invalidate(slot: number): void {
    this.core.wasm.invalidate(this.handle, slot);
  }

  /** Empties every entry of an address space. */
  invalidateAsid(asid: number): void {
    this.core.wasm.invalidateAsid(this.handle, asid);
  }

  /** Empties the entries of `asid` and `kind` whose tags lie in [firstTag, lastTag]. */
  invalidateTags(asid: number, kind: number, firstTag: number, lastTag: number): void {
    this.core.wasm.invalidateTags(this.handle, asid, kind, firstTag, lastTag);
  }

  /** The kind of the entry in `slot` (0: empty). */
  kindAt(slot: number): number {
    return this.core.wasm.kindAt(this.handle, slot);
  }

  /** Number of valid entries of one kind. */
  count(kind: number): number {
    return this.core.wasm.count(this.handle, kind);
  }

  /** Number of valid entries (for tests and displays). */
  occupancy(): number {
    return this.core.wasm.occupancy(this.handle);
  }
}
