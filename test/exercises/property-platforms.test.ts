// Over 1,000 seeds: the platforms checker accepts the solution, rejects perturbed answers, and generation is deterministic.
import { it } from "vitest";
import { SEEDS, checkKind } from "./property";

it(`platforms: over ${SEEDS} seeds the checker accepts the solution, rejects perturbed answers, and generation is deterministic`, () => {
  checkKind("platforms");
}, 600_000);
