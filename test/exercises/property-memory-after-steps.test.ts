// Over 1,000 seeds: the memory-after-steps checker accepts the solution, rejects perturbed answers, and generation is deterministic.
import { it } from "vitest";
import { SEEDS, checkKind } from "./property";

it(`memory-after-steps: over ${SEEDS} seeds the checker accepts the solution, rejects perturbed answers, and generation is deterministic`, () => {
  checkKind("memory-after-steps");
}, 600_000);
