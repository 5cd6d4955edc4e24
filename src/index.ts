// The public API of pagelab: everything a notebook imports from "pagelab".
export * from "./errors";
export * from "./hardware/translation";
