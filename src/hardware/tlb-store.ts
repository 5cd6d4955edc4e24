// The WebAssembly instance holding one MMU's set-associative arrays (its TLBs and paging-structure
// caches; source: assembly/tlb-arrays.ts, compiled by `npm run build`). One instance per MMU, so
// an MMU's arrays live and die with it. The module is compiled once per process, synchronously:
// a Machine is built in a constructor, and 4 KB of WebAssembly compiles in well under a
// millisecond. Its memory starts at 256 KiB (`--initialMemory 4` in package.json), which holds
// every preset's arrays: growing it costs more than creating the instance (about 60 us).
import * as fs from "fs";
import * as path from "path";

/** The part of the WebAssembly API used here (the ES2022 and Node 20 type libraries lack it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
};
type WasmModule = object;

/** The compiled module's exports (see assembly/tlb-arrays.ts for each contract). Handles are
 *  addresses in the instance's memory. The hot calls take flags as 0 or 1: a JavaScript boolean
 *  passed to a WebAssembly parameter costs a conversion (about 10 ns per call here). */
export interface TlbArrayExports {
  readonly memory: { readonly buffer: ArrayBuffer };
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
  translate(l1: number, l2: number, asid: number, vaddr: number, write: 0 | 1): number;
  newWalkCacheList(): number;
  addWalkCache(list: number, array: number, depth: number): void;
  probeWalkCaches(list: number, asid: number, vaddr: number, levelsRead: number, levels: number, baseShift: number, bitsPerLevel: number): number;
  flushForFault(l1d: number, l1i: number, l2: number, list: number, asid: number, vaddr: number, baseShift: number, bitsPerLevel: number): void;
  flushRange(l1d: number, l1i: number, l2: number, list: number, asid: number, start: number, end: number): void;
}

/** translate's outcomes: where the access's translation was found, or why a walk is needed (the
 *  numbers assembly/tlb-arrays.ts returns). */
export const L1_HIT = 0;
export const L2_HIT = 1;
export const L1_REFUSED = 2;
export const L2_MISS = 3;
export const L2_REFUSED = 4;

/** Flag bits of a cached translation (WRITABLE is also assembly/tlb-arrays.ts's). */
export const WRITABLE = 1;
export const ZERO_PAGE = 2;

/** The build writes the module to dist/hardware; this path reaches it from src/hardware (the
 *  tests) and from dist/hardware (the package) alike. */
const WASM_PATH = path.resolve(__dirname, "..", "..", "dist", "hardware", "tlb-arrays.wasm");

let compiled: WasmModule | undefined;

function tlbArrayModule(): WasmModule {
  if (compiled === undefined) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(WASM_PATH);
    } catch (error) {
      throw new Error(`pagelab's TLB module ${WASM_PATH} is missing: run \`npm run build\` (${String(error)})`);
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** One MMU's arrays in one WebAssembly instance. */
export class TlbStore {
  /** The instance's functions. */
  readonly wasm: TlbArrayExports;
  /** The last successful lookup's translation: [pfn] and [page shift, flags] (remade when an
   *  allocation grows the memory). */
  private pfnView: Float64Array;
  private shiftFlagsView: Int32Array;

  /** Instantiates the module with empty memory. */
  constructor() {
    const imports = {
      env: {
        abort: () => {
          throw new Error("pagelab's TLB module aborted (out of memory for its arrays)");
        },
      },
    };
    this.wasm = new WebAssembly.Instance(tlbArrayModule(), imports).exports as TlbArrayExports;
    [this.pfnView, this.shiftFlagsView] = this.leafViews();
  }

  private leafViews(): [Float64Array, Int32Array] {
    const at = this.wasm.leafAddress();
    const buffer = this.wasm.memory.buffer;
    return [new Float64Array(buffer, at, 1), new Int32Array(buffer, at + 8, 2)];
  }

  /** Builds an empty array in this instance and returns its handle. */
  newArray(sets: number, ways: number, plru: boolean): number {
    return this.afterGrowth(this.wasm.newArray(sets, ways, plru));
  }

  /** Builds an empty TLB level in this instance and returns its handle. */
  newLevel(): number {
    return this.afterGrowth(this.wasm.newLevel());
  }

  /** Builds an empty list of walk caches in this instance and returns its handle. */
  newWalkCacheList(): number {
    return this.afterGrowth(this.wasm.newWalkCacheList());
  }

  /** Remakes the leaf views if an allocation grew the memory (which detaches old views). */
  private afterGrowth(handle: number): number {
    if (this.pfnView.buffer !== this.wasm.memory.buffer) [this.pfnView, this.shiftFlagsView] = this.leafViews();
    return handle;
  }

  /** Frame number of the last successful lookup. */
  leafPfn(): number {
    return this.pfnView[0];
  }

  /** Page shift of the last successful lookup. */
  leafShift(): number {
    return this.shiftFlagsView[0];
  }

  /** Flags (WRITABLE, ZERO_PAGE) of the last successful lookup. */
  leafFlags(): number {
    return this.shiftFlagsView[1];
  }
}
