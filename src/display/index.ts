// The display layer: MIME bundles, show(x) for every notebook kernel, and notebook claims.
export * from "./mime";
export * from "./show";
export * from "./claims";
export * from "./objects";
