// Over 1,000 seeds: the tlb-misses checker accepts the solution, rejects perturbed answers, and generation is deterministic.
import { it } from "vitest";
import { SEEDS, checkKind } from "./property";

it(`tlb-misses: over ${SEEDS} seeds the checker accepts the solution, rejects perturbed answers, and generation is deterministic`, () => {
  checkKind("tlb-misses");
}, 600_000);
