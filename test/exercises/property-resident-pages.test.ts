// Over 1,000 seeds: the resident-pages checker accepts the solution, rejects perturbed answers, and generation is deterministic.
import { it } from "vitest";
import { SEEDS, checkKind } from "./property";

it(`resident-pages: over ${SEEDS} seeds the checker accepts the solution, rejects perturbed answers, and generation is deterministic`, () => {
  checkKind("resident-pages");
}, 600_000);
