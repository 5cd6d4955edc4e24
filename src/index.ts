// The public API of pagelab: everything a notebook imports from "pagelab".
export * from "./errors";
export * from "./hardware/translation";
export * from "./kernel";
export * from "./libc";
export * from "./runtime";
export * from "./charts";
export * from "./display";
export * as probe from "./probe";
export * from "./hardware/memory-index";
export * from "./hardware/cpu-index";
export * from "./runtime/experiments/tlb";
