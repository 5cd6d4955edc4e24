// Drawing an exercise: (kind, seed, difficulty) -> one problem, always the same one.
import { InvalidArgumentError, describeValue, didYouMean } from "../errors";
import { DIFFICULTIES, type Difficulty, Exercise } from "./exercise";
import { DEFINITIONS, type ExerciseKind } from "./kinds";
import { Random } from "./random";

/** The exercise kinds, in the order problem sets list them. */
export const EXERCISE_KINDS = Object.keys(DEFINITIONS) as readonly ExerciseKind[];

/** What draws an exercise: the seed (OSTEP's `-s`) and the difficulty. */
export interface ExerciseOptions {
  /** A whole number from 0 to 2**53 - 1; the same seed always gives the same problem. */
  seed: number;
  /** "easy" (default), "medium" or "hard". */
  difficulty?: Difficulty;
}

/** Checks a kind name; returns it, or throws InvalidArgumentError naming the kinds. */
export function requireKind(where: string, kind: unknown): ExerciseKind {
  if (typeof kind !== "string" || !(EXERCISE_KINDS as readonly string[]).includes(kind)) {
    const hint = typeof kind === "string" ? didYouMean(kind, EXERCISE_KINDS) : "";
    throw new InvalidArgumentError(`${where}: unknown exercise kind ${describeValue(kind)}${hint}; kinds are ${EXERCISE_KINDS.join(", ")}`);
  }
  return kind as ExerciseKind;
}

/** Checks a seed; returns it, or throws InvalidArgumentError. */
export function requireSeed(where: string, seed: unknown): number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`${where}: seed must be a whole number from 0 to 2**53 - 1, got ${describeValue(seed)}`);
  }
  return seed;
}

/** Checks a difficulty; returns it (default "easy"), or throws InvalidArgumentError. */
export function requireDifficulty(where: string, difficulty: unknown): Difficulty {
  if (difficulty === undefined) return "easy";
  if (typeof difficulty !== "string" || !(DIFFICULTIES as readonly string[]).includes(difficulty)) {
    const hint = typeof difficulty === "string" ? didYouMean(difficulty, DIFFICULTIES) : "";
    throw new InvalidArgumentError(`${where}: difficulty must be one of ${DIFFICULTIES.join(", ")}, got ${describeValue(difficulty)}${hint}`);
  }
  return difficulty as Difficulty;
}

/**
 * Draws one exercise of `kind` from a seed, as OSTEP's homework simulators do with `-s SEED`:
 * the same kind, seed and difficulty always give the same problem. Drawing is cheap; the
 * simulator runs when the solution is first needed (`check`, `solution`).
 *
 * @example
 * const ex = exercises.exercise("tlb-misses", { seed: 3, difficulty: "medium" });
 * show(ex);
 * show(ex.check({ l1Misses: 130, l2Misses: 70 }));
 */
export function exercise(kind: ExerciseKind, options: ExerciseOptions): Exercise {
  const where = "exercises.exercise";
  const name = requireKind(where, kind);
  if (options === null || typeof options !== "object") {
    throw new InvalidArgumentError(`${where}: options must be { seed, difficulty? }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "seed" && key !== "difficulty") {
      throw new InvalidArgumentError(`${where}: unknown option ${JSON.stringify(key)}${didYouMean(key, ["seed", "difficulty"])}; options are seed, difficulty`);
    }
  }
  const seed = requireSeed(where, options.seed);
  const difficulty = requireDifficulty(where, options.difficulty);
  const definition = DEFINITIONS[name];
  const stream = EXERCISE_KINDS.indexOf(name) * DIFFICULTIES.length + DIFFICULTIES.indexOf(difficulty);
  const problem = definition.generate(new Random(seed, stream), difficulty, seed);
  return new Exercise(definition, problem, name, seed, difficulty);
}
