// Charts: Vega-Lite specs built from simulator state, rendered to PNG, displayable inline.
export * from "./spec";
export * from "./units";
export * from "./palette";
export * from "./types";
export * from "./render";
export * from "./chart";
export * from "./heatmap-spec";
export * from "./heatmap";
export * from "./framemap";
export * from "./timeline";
export * from "./tlb";
export * from "./pagetables";
export * from "./compare";
