// The MMU's WebAssembly core, compiled by `npm run build` to dist/hardware/mmu-core.wasm: the
// TLB and walk-cache arrays (tlb-arrays.ts) and the walk arrays of the page tables it walks
// (page-walk.ts), in one memory (mmu-core.ts loads it). These are the module's exports.
export {
  leafAddress, newArray, find, touch, insert, invalidate, invalidateAsid, invalidateTags, occupancy, count, kindAt,
  newLevel, addToLevel, fillBoth, newWalkCacheList, addWalkCache, probeWalkCaches, flushForFault, flushRange,
} from "./tlb-arrays";
export { newWalkTables, growWalkTables, freeWalkTables, walkArrayAddress, translateOrWalk } from "./page-walk";
