// Physical memory and the TLB-less MMU: the hardware this package's kernel runs on.

export { PhysicalMemory, type PhysicalMemoryOptions } from "./physical-memory";
export { SimpleMmu, leafPermits } from "./simple-mmu";
export { SeededPermutation, seededRandom } from "./seeded-permutation";
