// A problem set for a class: one sheet per seed (one per student, say), each with one problem of
// every kind asked for, written as Markdown or as a standalone HTML page, with or without the
// answers (the answer key is the same call with `answers: true`).
import { InvalidArgumentError, describeValue, didYouMean, isArray } from "../errors";
import { escapeHtml } from "./document";
import type { Difficulty, Exercise } from "./exercise";
import { exercise, requireDifficulty, requireKind, requireSeed } from "./generate";
import type { ExerciseKind } from "./kinds";

/** How a problem set is written. */
export interface ProblemSetOptions {
  /** Write each problem's answer and why after it (the answer key). Default false. */
  answers?: boolean;
  /** "markdown" (default) or "html" (a standalone page, ready to print: one sheet per seed). */
  format?: "markdown" | "html";
  /** The difficulty of every problem (default "easy"). */
  difficulty?: Difficulty;
  /** The set's title (default "Memory exercises"). */
  title?: string;
  /** HTML only: embed the charts as PNG images (default true; false is much faster). */
  charts?: boolean;
}

const OPTION_KEYS = ["answers", "format", "difficulty", "title", "charts"];

const STYLE = [
  "body { font-family: 'DejaVu Sans', sans-serif; max-width: 52em; margin: 2em auto; line-height: 1.45; }",
  "section.sheet + section.sheet { page-break-before: always; }",
  "pre { background: #f4f4f4; padding: 0.6em; overflow-x: auto; }",
  "table { border-collapse: collapse; } td, th { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: left; }",
  "div.answer { border-left: 4px solid #009E73; padding-left: 1em; } img { max-width: 100%; }",
].join("\n");

/**
 * Writes a problem set: for each seed, one sheet with one problem of each kind (drawn with that
 * seed), as Markdown or as a standalone HTML page; with `answers: true`, each problem is
 * followed by its solution and the explanation (the teacher's key). The same arguments always
 * give the same text.
 *
 * @example
 * const sheets = exercises.problemSet(["memory-after-steps", "brk-or-mmap"], [101, 102, 103]);
 * const key = exercises.problemSet(["memory-after-steps", "brk-or-mmap"], [101, 102, 103], { answers: true, format: "html" });
 */
export function problemSet(kinds: readonly ExerciseKind[], seeds: readonly number[], options: ProblemSetOptions = {}): string {
  const where = "exercises.problemSet";
  if (!isArray(kinds) || kinds.length === 0) throw new InvalidArgumentError(`${where}: kinds must be a non-empty array of exercise kinds, got ${describeValue(kinds)}`);
  if (!isArray(seeds) || seeds.length === 0) throw new InvalidArgumentError(`${where}: seeds must be a non-empty array of whole numbers, got ${describeValue(seeds)}`);
  if (options === null || typeof options !== "object") throw new InvalidArgumentError(`${where}: options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw new InvalidArgumentError(`${where}: unknown option ${JSON.stringify(key)}${didYouMean(key, OPTION_KEYS)}; options are ${OPTION_KEYS.join(", ")}`);
  }
  const names = kinds.map((k) => requireKind(where, k));
  const seedList = seeds.map((s) => requireSeed(where, s));
  const difficulty = requireDifficulty(where, options.difficulty);
  const format = options.format ?? "markdown";
  if (format !== "markdown" && format !== "html") throw new InvalidArgumentError(`${where}: format must be "markdown" or "html", got ${describeValue(format)}`);
  const title = options.title ?? "Memory exercises";
  if (typeof title !== "string") throw new InvalidArgumentError(`${where}: title must be a string, got ${describeValue(title)}`);
  const answers = options.answers === true;
  const sheets = seedList.map((seed) => ({ seed, problems: names.map((kind) => exercise(kind, { seed, difficulty })) }));
  const heading = `${title}${answers ? " — answers" : ""}`;
  const sheetTitle = (seed: number) => `Sheet for seed ${seed} (${difficulty})`;
  if (format === "markdown") {
    return [`# ${heading}`, ...sheets.map((s) => [`## ${sheetTitle(s.seed)}`, ...s.problems.map((ex: Exercise) => ex.toMarkdown({ answers }))].join("\n\n"))].join("\n\n") + "\n";
  }
  const charts = options.charts !== false;
  const body = sheets.map((s) =>
    `<section class="sheet">\n<h2>${escapeHtml(sheetTitle(s.seed))}</h2>\n${s.problems.map((ex) => ex.toHTML({ answers, charts })).join("\n")}\n</section>`);
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(heading)}</title>\n<style>\n${STYLE}\n</style>\n</head>\n<body>\n<h1>${escapeHtml(heading)}</h1>\n${body.join("\n")}\n</body>\n</html>\n`;
}
