// An exercise: a problem drawn from a seed, its question, the truth computed by running the
// simulator, and the checking of a student's answer against it (OSTEP's homework simulators:
// `-s SEED` draws the problem, `-c` prints the answers).
import { inspect } from "util";
import type { Chart } from "../charts";
import { JUPYTER_DISPLAY, TEXT_MIME, type MimeBundle } from "../display-protocol";
import { type Answer, type AnswerField, answerShape, copyAnswer, formatValue, readAnswer, sameValue } from "./answers";
import { type Block, code, escapeHtml, list, text, toHtml, toMarkdown, toText } from "./document";
import type { Random } from "./random";

/** How hard a problem is drawn: more steps, sizes that need care, the mechanisms' corner cases. */
export type Difficulty = "easy" | "medium" | "hard";

/** The difficulty levels, easiest first. */
export const DIFFICULTIES: readonly Difficulty[] = ["easy", "medium", "hard"];

/** Markdown, which notebook frontends render for an exercise's text. */
const MARKDOWN_MIME = "text/markdown";

/** The truth of a problem, from running it on the simulator. */
export interface Solved {
  readonly answer: Answer;
  /** Why the answer is what it is, from what the run counted. */
  readonly explanation: readonly Block[];
  /** Draws the chart of the truth (called on demand: rendering costs more than solving). */
  readonly chart: () => Chart | null;
}

/** One kind of exercise: how its problems are drawn, asked, solved and answered. */
export interface KindDefinition<P> {
  /** The kind's name, e.g. "tlb-misses". */
  readonly kind: string;
  /** The title every problem of the kind shows. */
  readonly title: string;
  /** Draws a problem's parameters: cheap, no simulation of the steps asked about. */
  generate(random: Random, difficulty: Difficulty, seed: number): P;
  /** The answer's fields, the same for every problem or drawn with it. */
  readonly fields: readonly AnswerField[] | ((problem: P) => readonly AnswerField[]);
  /** The question: the setting, the program, what to find (the answer's shape is added after it). */
  question(problem: P): readonly Block[];
  /** A chart that helps with the question (the heatmap to fill in); kinds without one leave it out. */
  questionChart?(problem: P): Chart;
  /** Runs the problem on the simulator. */
  solve(problem: P): Solved;
}

/** How one field of an answer compared with the truth. */
export interface FieldVerdict {
  /** The field's name, e.g. "VmRSS". */
  readonly field: string;
  /** The right value, as written for a reader ("268 kB"). */
  readonly expected: string;
  /** The value given, written the same way. */
  readonly given: string;
  /** Whether the two agree. */
  readonly correct: boolean;
}

/** What to include when an exercise is written out. */
export interface WriteOptions {
  /** Add the solution and its explanation after the question (OSTEP's `-c`). Default false. */
  answers?: boolean;
}

function bundleOf(markdown: string, plain: string): MimeBundle {
  return { [MARKDOWN_MIME]: markdown, [TEXT_MIME]: plain };
}

/**
 * The verdict on one answer: right or wrong, per field, why (from the run), and the chart of the
 * truth. An answer that cannot be read (wrong type, NaN, a missing or misspelt field) is not
 * right, and `problem` says what is wrong with it; nothing of the solution is revealed then.
 * `show(result)` displays the verdict and the explanation; `show(result.chart)` the truth.
 */
export class CheckResult {
  /** @internal */
  constructor(
    /** The answer is right. */
    readonly correct: boolean,
    /** What is wrong with an answer that could not be read, else null. */
    readonly problem: string | null,
    /** Each field: the expected value, the given one, and whether they agree (empty when `problem`). */
    readonly fields: readonly FieldVerdict[],
    private readonly why: readonly Block[],
    private readonly drawTruth: () => Chart | null,
  ) {}

  /** One line: ✓ or ✗ and, for a wrong answer, which fields are wrong. */
  get message(): string {
    if (this.problem !== null) return `✗ Cannot check this answer: ${this.problem}.`;
    if (this.correct) return `✓ Right: ${this.fields.map((f) => `${f.field} ${f.expected}`).join(", ")}.`;
    const parts = this.fields.map((f) => (f.correct ? `${f.field} ${f.given} is right` : `${f.field} is ${f.expected}, not ${f.given}`));
    return `✗ Not right: ${parts.join("; ")}.`;
  }

  /** Why the answer is what it is (Markdown), from what the simulator counted; empty when the answer could not be read. */
  get explanation(): string {
    return this.problem === null ? toMarkdown(this.why) : "";
  }

  /** The chart of the truth (drawn once, on first use), or null for an answer that could not be read. */
  get chart(): Chart | null {
    return this.problem === null ? this.drawTruth() : null;
  }

  /** The verdict and its explanation as Markdown. */
  toMarkdown(): string {
    return this.problem === null ? `**${this.message}**\n\n${this.explanation}` : `**${this.message}**`;
  }

  /** The verdict and its explanation as plain text. */
  toString(): string {
    return this.problem === null ? `${this.message}\n\n${toText(this.why)}` : this.message;
  }

  /** The Jupyter display: the verdict and the explanation as Markdown. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return bundleOf(this.toMarkdown(), this.toString());
  }

  /** IJavascript's display convention. */
  _toMime(): MimeBundle {
    return this[JUPYTER_DISPLAY]();
  }

  /** Short text for util.inspect. */
  [inspect.custom](): string {
    return this.message;
  }
}

/**
 * One problem, drawn from (kind, seed, difficulty): the same three always give the same problem.
 * `question` and `chart` pose it, `check(answer)` grades an answer, `solution()` gives the answer
 * (computed by running the simulator, once, on first use). `show(ex)` displays the question;
 * `show(ex.chart)` its chart, when it has one.
 *
 * @example
 * const ex = exercises.exercise("memory-after-steps", { seed: 7 });
 * show(ex);                                   // the question
 * ex.check({ VmRSS: 140, VmSize: 392 });      // ✓ or ✗, why, and the truth's chart
 * ex.solution();                              // { VmRSS: ..., VmSize: ... }
 */
export class Exercise {
  private solved: Solved | null = null;
  private questionDrawn: Chart | null | undefined = undefined;
  private truthDrawn: Chart | null | undefined = undefined;
  /** The answer's fields: names, types and units. */
  readonly fields: readonly AnswerField[];
  private readonly blocks: readonly Block[];

  /** @internal */
  constructor(
    private readonly definition: KindDefinition<unknown>,
    private readonly problem: unknown,
    /** The exercise kind, e.g. "memory-after-steps". */
    readonly kind: string,
    /** The seed it was drawn from. */
    readonly seed: number,
    /** The difficulty it was drawn at. */
    readonly difficulty: Difficulty,
  ) {
    this.fields = typeof definition.fields === "function" ? definition.fields(problem) : definition.fields;
    this.blocks = definition.question(problem);
  }

  /** The exercise's title, e.g. "VmRSS and VmSize after a few steps". */
  get title(): string {
    return this.definition.title;
  }

  /** The shape of an answer, e.g. `{ VmRSS: <kB>, VmSize: <kB> }`. */
  get answerFormat(): string {
    return answerShape(this.fields);
  }

  /** The question as Markdown: the setting, the steps, what to answer and in which shape. */
  get question(): string {
    return toMarkdown(this.questionBlocks());
  }

  /** The chart that goes with the question (e.g. the heatmap to fill in), or null; drawn once. */
  get chart(): Chart | null {
    if (this.questionDrawn === undefined) this.questionDrawn = this.definition.questionChart?.(this.problem) ?? null;
    return this.questionDrawn;
  }

  /** The right answer, computed by running the problem on the simulator (a copy: change it freely). */
  solution(): Answer {
    return copyAnswer(this.truth().answer);
  }

  /**
   * Grades an answer: right or wrong per field, why, and the chart of the truth. Never throws:
   * an answer of the wrong shape gets a result whose `problem` says what is wrong.
   */
  check(answer: unknown): CheckResult {
    const read = readAnswer(this.fields, answer);
    if (!read.ok) return new CheckResult(false, read.problem, [], [], () => null);
    const truth = this.truth();
    const fields = this.fields.map((field): FieldVerdict => ({
      field: field.name,
      expected: formatValue(field, truth.answer[field.name]),
      given: formatValue(field, read.answer[field.name]),
      correct: sameValue(field, truth.answer[field.name], read.answer[field.name]),
    }));
    return new CheckResult(fields.every((f) => f.correct), null, fields, truth.explanation, () => this.truthChart());
  }

  /** The exercise as Markdown: a heading, the question and, with `answers`, the solution and why. */
  toMarkdown(options: WriteOptions = {}): string {
    const parts = [`### ${this.heading()}`, this.question];
    if (options.answers === true) parts.push(toMarkdown(this.answerBlocks()));
    return parts.join("\n\n");
  }

  /** The exercise as an HTML fragment (a `<section>`); `charts` embeds the PNG charts as images (default true). */
  toHTML(options: WriteOptions & { charts?: boolean } = {}): string {
    const charts = options.charts !== false;
    const image = (chart: Chart | null, alt: string) =>
      chart === null ? "" : `\n<img alt="${escapeHtml(alt)}" src="data:image/png;base64,${Buffer.from(chart.toPNG()).toString("base64")}">`;
    let html = `<section class="exercise">\n<h3>${escapeHtml(this.heading())}</h3>\n${toHtml(this.questionBlocks())}`;
    if (charts) html += image(this.chart, this.chart?.title ?? "");
    if (options.answers === true) {
      html += `\n<div class="answer">\n${toHtml(this.answerBlocks())}`;
      if (charts) html += image(this.truthChart(), this.truthChart()?.title ?? "");
      html += "\n</div>";
    }
    return `${html}\n</section>`;
  }

  /** The question as plain text. */
  toString(): string {
    return `${this.heading()}\n\n${toText(this.questionBlocks())}`;
  }

  /** The Jupyter display: the question as Markdown. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return bundleOf(this.toMarkdown(), this.toString());
  }

  /** IJavascript's display convention. */
  _toMime(): MimeBundle {
    return this[JUPYTER_DISPLAY]();
  }

  /** Short text for util.inspect. */
  [inspect.custom](): string {
    return `Exercise(${this.kind}, seed ${this.seed}, ${this.difficulty}): ${this.title}`;
  }

  private heading(): string {
    return `${this.title} (${this.kind}, seed ${this.seed}, ${this.difficulty})`;
  }

  private questionBlocks(): Block[] {
    return [...this.blocks, text("Answer with:"), code([this.answerFormat], "ts")];
  }

  private answerBlocks(): Block[] {
    const answer = this.truth().answer;
    return [
      text("**Answer.**"),
      list(this.fields.map((f) => `${f.name}: **${formatValue(f, answer[f.name])}**`)),
      ...this.truth().explanation,
    ];
  }

  private truth(): Solved {
    if (this.solved === null) this.solved = this.definition.solve(this.problem);
    return this.solved;
  }

  private truthChart(): Chart | null {
    if (this.truthDrawn === undefined) this.truthDrawn = this.truth().chart();
    return this.truthDrawn;
  }
}
