// The property every exercise kind must have, over 1,000 seeds (the "done when"): the
// checker accepts the solution, rejects perturbed answers, and generation is deterministic.
import fc from "fast-check";
import { expect } from "vitest";
import { DIFFICULTIES, type Answer, type AnswerField, type ExerciseKind, exercise } from "../../src/exercises";

export const SEEDS = 1000;

/** Answers that differ from `answer` in exactly one field, each in a way the field allows. */
export function perturbations(fields: readonly AnswerField[], answer: Answer): Answer[] {
  const out: Answer[] = [];
  for (const field of fields) {
    const value = answer[field.name];
    const withValue = (v: Answer[string]) => out.push({ ...answer, [field.name]: v });
    if (field.type === "count") {
      const n = value as number;
      withValue(n + 1);
      if (n > 0) withValue(n - 1);
      withValue(n * 2 + 4096);
    } else if (field.type === "choices") {
      const list = value as readonly string[];
      list.forEach((choice, i) => withValue(list.map((c, j) => (j === i ? field.options.find((o) => o !== choice) ?? c : c))));
    } else {
      const pages = value as readonly number[];
      const missing = Array.from({ length: field.pages }, (_, p) => p).find((p) => !pages.includes(p));
      if (missing !== undefined) withValue([...pages, missing]);
      pages.forEach((_, i) => withValue(pages.filter((__, j) => j !== i)));
    }
  }
  return out;
}

/** Runs the property for one kind over SEEDS seeds of every difficulty. */
export function checkKind(kind: ExerciseKind): void {
  let runs = 0;
  fc.assert(
    fc.property(fc.nat({ max: 2 ** 40 }), fc.constantFrom(...DIFFICULTIES), (seed, difficulty) => {
      const ex = exercise(kind, { seed, difficulty });
      const again = exercise(kind, { seed, difficulty });
      // Deterministic: the same problem, field for field and word for word.
      expect(again.question).toBe(ex.question);
      expect(again.fields).toEqual(ex.fields);
      const solution = ex.solution();
      // Every tenth run also solves the second copy: the truth is deterministic too.
      if (runs++ % 10 === 0) expect(again.solution()).toEqual(solution);
      const right = ex.check(solution);
      expect(right.problem).toBeNull();
      expect(right.correct, `${kind} seed ${seed} ${difficulty}: ${right.message}`).toBe(true);
      const wrongs = perturbations(ex.fields, solution);
      expect(wrongs.length).toBeGreaterThan(0);
      for (const wrong of wrongs) {
        const verdict = ex.check(wrong);
        expect(verdict.problem, verdict.message).toBeNull();
        expect(verdict.correct, `${kind} seed ${seed} ${difficulty} accepted ${JSON.stringify(wrong)}`).toBe(false);
        expect(verdict.fields.some((f) => !f.correct)).toBe(true);
      }
    }),
    { numRuns: SEEDS },
  );
}
