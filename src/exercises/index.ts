// Exercises you can grade: the `exercises` namespace (`import { exercises } from "pagelab"`).
// Problems are drawn from a seed like OSTEP's homework simulators (`-s SEED`), their truth is
// computed by running the simulator, and `check(answer)` grades an answer with the reason and the
// chart of the truth; `problemSet` writes a class's sheets as Markdown or HTML.
export { exercise, EXERCISE_KINDS, type ExerciseOptions } from "./generate";
export { Exercise, CheckResult, DIFFICULTIES, type Difficulty, type FieldVerdict, type WriteOptions } from "./exercise";
export type { ExerciseKind } from "./kinds";
export type { Answer, AnswerField, AnswerValue, FieldBase, CountField, ChoicesField, PagesField } from "./answers";
export { problemSet, type ProblemSetOptions } from "./problem-set";
