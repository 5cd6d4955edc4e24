// Over 1,000 seeds: the brk-or-mmap checker accepts the solution, rejects perturbed answers, and generation is deterministic.
import { it } from "vitest";
import { SEEDS, checkKind } from "./property";

it(`brk-or-mmap: over ${SEEDS} seeds the checker accepts the solution, rejects perturbed answers, and generation is deterministic`, () => {
  checkKind("brk-or-mmap");
}, 600_000);
