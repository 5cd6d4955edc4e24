// The MMU's WebAssembly core: one instance holding an MMU's set-associative arrays (its TLBs and
// paging-structure caches) and the walk arrays of the page tables it walks (source:
// assembly/index.ts, compiled by `npm run build`). One instance per MMU, so an MMU's arrays live
// and die with it. The module is compiled once per process, synchronously: a Machine is built
// in a constructor, and its 14 KB of WebAssembly compile in under a millisecond. Its memory
// starts at 256 KiB (`--initialMemory 4` in package.json), which holds every preset's arrays.
//
// The memory is shared (a SharedArrayBuffer, though only this thread uses it): growing a plain
// WebAssembly memory detaches every view of it, and page tables keep views of their arrays here
// while other page tables grow theirs. Views of a shared memory stay valid when it grows; a
// view made after the growth sees the new length. Its most is 4 GiB (reserved, not committed).
import * as fs from "fs";
import * as path from "path";

/** The part of the WebAssembly API used here (the ES2022 and Node 20 type libraries lack it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
};
type WasmModule = object;

/** The compiled module's exports (see assembly/tlb-arrays.ts and page-walk.ts for each contract). Handles are
 *  addresses in the instance's memory. The hot calls take flags as 0 or 1: a JavaScript boolean
 *  passed to a WebAssembly parameter costs a conversion (about 10 ns per call here). */
export interface MmuCoreExports {
  readonly memory: { readonly buffer: SharedArrayBuffer };
  leafAddress(): number;
  newArray(sets: number, ways: number, plru: boolean): number;
  find(array: number, tag: number, asid: number, kind: number): number;
  touch(array: number, slot: number): void;
  insert(array: number, tag: number, asid: number, kind: number): number;
  invalidate(array: number, slot: number): void;
  invalidateAsid(array: number, asid: number): void;
  invalidateTags(array: number, asid: number, kind: number, first: number, last: number): void;
  occupancy(array: number): number;
  count(array: number, kind: number): number;
  kindAt(array: number, slot: number): number;
  newLevel(): number;
  addToLevel(level: number, array: number, shift: number): void;
  fillBoth(l2: number, l1: number, asid: number, vaddr: number, pfn: number, shift: number, flags: number, absent: 0 | 1): void;
  newWalkCacheList(): number;
  addWalkCache(list: number, array: number, depth: number): void;
  probeWalkCaches(list: number, asid: number, vaddr: number, levelsRead: number, levels: number, baseShift: number, bitsPerLevel: number): number;
  flushForFault(l1d: number, l1i: number, l2: number, list: number, asid: number, vaddr: number, baseShift: number, bitsPerLevel: number): void;
  flushRange(l1d: number, l1i: number, l2: number, list: number, asid: number, start: number, end: number): void;
  newWalkTables(levels: number, baseShift: number, bitsPerLevel: number, capacity: number): number;
  growWalkTables(tables: number, capacity: number): void;
  freeWalkTables(tables: number): void;
  walkArrayAddress(tables: number, which: number): number;
  translateOrWalk(l1: number, l2: number, walkCaches: number, tables: number, asid: number, vaddr: number, write: 0 | 1): number;
}

/** translate's outcomes: where the access's translation was found, or why a walk is needed (the
 *  numbers assembly/tlb-arrays.ts returns). */
export const L1_HIT = 0;
export const L2_HIT = 1;
export const L1_REFUSED = 2;
export const L2_MISS = 3;
export const L2_REFUSED = 4;
/** translateOrWalk walked the page table and filled both levels (assembly/page-walk.ts). */
export const WALKED = 5;

/** Flag bits of a cached translation (WRITABLE is also assembly/tlb-arrays.ts's). */
export const WRITABLE = 1;
export const ZERO_PAGE = 2;

/** The build writes the module to dist/hardware; this path reaches it from src/hardware (the
 *  tests) and from dist/hardware (the package) alike. */
const WASM_PATH = path.resolve(__dirname, "..", "..", "dist", "hardware", "mmu-core.wasm");

let compiled: WasmModule | undefined;

function mmuCoreModule(): WasmModule {
  if (compiled === undefined) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(WASM_PATH);
    } catch (error) {
      throw new Error(`pagelab's MMU module ${WASM_PATH} is missing: run \`npm run build\` (${String(error)})`);
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** One MMU's arrays, and the walk arrays of page tables, in one WebAssembly instance. */
export class MmuCore {
  /** The instance's functions. */
  readonly wasm: MmuCoreExports;
  /** The last successful lookup's translation: [pfn] and [page shift, flags, entries read beyond
   *  the walk caches, walk-cache depth] (the last two after a walk). */
  private readonly pfnView: Float64Array;
  private readonly leafView: Int32Array;

  /** Instantiates the module with empty memory. */
  constructor() {
    const imports = {
      env: {
        abort: () => {
          throw new Error(
            "pagelab's MMU core ran out of its 4 GiB of WebAssembly memory (one machine's TLBs and its " +
              "processes' page tables): map less, or spread the work over several machines",
          );
        },
      },
    };
    this.wasm = new WebAssembly.Instance(mmuCoreModule(), imports).exports as MmuCoreExports;
    const at = this.wasm.leafAddress();
    const buffer = this.wasm.memory.buffer;
    this.pfnView = new Float64Array(buffer, at, 1);
    this.leafView = new Int32Array(buffer, at + 8, 4);
  }

  /** The memory as it is now (a view made of it reaches every array allocated so far). */
  get buffer(): SharedArrayBuffer {
    return this.wasm.memory.buffer;
  }

  /** Frame number of the last successful lookup. */
  leafPfn(): number {
    return this.pfnView[0];
  }

  /** Page shift of the last successful lookup. */
  leafShift(): number {
    return this.leafView[0];
  }

  /** Flags (WRITABLE, ZERO_PAGE) of the last successful lookup. */
  leafFlags(): number {
    return this.leafView[1];
  }

  /** Entries the last translateOrWalk's walk read beyond what the walk caches supplied. */
  walkRefs(): number {
    return this.leafView[2];
  }

  /** Depth of the walk cache that supplied the last translateOrWalk's upper entries (the
   *  table's levels when none did). */
  walkCacheDepth(): number {
    return this.leafView[3];
  }
}
