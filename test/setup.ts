import fc from "fast-check";

// Determinism: every property test draws from the same seed on every run and in CI.
fc.configureGlobal({ seed: 20261123, numRuns: 100 });
