// What an answer looks like, read defensively: a student's answer may be anything (a string, NaN,
// a misspelt field), and reading it never throws. Each field is a whole number, a list of
// choices, or a set of page numbers; two answers agree when every field does.
import { describeValue, didYouMean, isArray } from "../errors";

/** What every answer field has. */
export interface FieldBase {
  /** The field's name in the answer object, e.g. "VmRSS". */
  readonly name: string;
  /** What the field means, in words. */
  readonly description: string;
}

/** A whole number of `unit` (kB, pages, misses), 0 or more. */
export interface CountField extends FieldBase {
  /** Marks a count. */
  readonly type: "count";
  /** The unit, e.g. "kB". */
  readonly unit: string;
}

/** A list of `length` entries, each one of `options` (e.g. "brk" or "mmap" per call), in order. */
export interface ChoicesField extends FieldBase {
  /** Marks a list of choices. */
  readonly type: "choices";
  /** The allowed entries. */
  readonly options: readonly string[];
  /** How many entries. */
  readonly length: number;
}

/** A set of page numbers from 0 to `pages - 1` (order and repeats do not matter). */
export interface PagesField extends FieldBase {
  /** Marks a set of pages. */
  readonly type: "pages";
  /** How many pages there are to choose from. */
  readonly pages: number;
}

/** One field of an exercise's answer: its name, what it holds, and how it is read. */
export type AnswerField = CountField | ChoicesField | PagesField;

/** A field's value: a whole number (count), a list of choices, or page numbers (a set). */
export type AnswerValue = number | readonly string[] | readonly number[];

/** An answer: one value per field, e.g. `{ VmRSS: 268, VmSize: 392 }`. */
export type Answer = Readonly<Record<string, AnswerValue>>;

/** An answer read, or what is wrong with it. */
export type ReadAnswer = { readonly ok: true; readonly answer: Answer } | { readonly ok: false; readonly problem: string };

/** The shape of a valid answer, as a line of code: `{ VmRSS: <kB>, VmSize: <kB> }`. */
export function answerShape(fields: readonly AnswerField[]): string {
  const shape = (f: AnswerField) => {
    if (f.type === "count") return `<${f.unit}>`;
    if (f.type === "pages") return "[<page>, ...]";
    return `[${f.options.map((o) => JSON.stringify(o)).join(" | ")}, ... (${f.length})]`;
  };
  return `{ ${fields.map((f) => `${f.name}: ${shape(f)}`).join(", ")} }`;
}

/** Why a value is not what the field holds, or null when it is. */
function fieldProblem(field: AnswerField, value: unknown): string | null {
  const got = (v: unknown) => (typeof v === "string" ? `the string ${JSON.stringify(v)}` : describeValue(v));
  if (field.type === "count") {
    if (typeof value !== "number") return `${field.name} must be a number (${field.unit}), got ${got(value)}`;
    if (Number.isNaN(value)) return `${field.name} is NaN: give a whole number of ${field.unit}`;
    if (!Number.isFinite(value) || !Number.isInteger(value) || value < 0) {
      return `${field.name} must be a whole number of ${field.unit} (0 or more), got ${describeValue(value)}`;
    }
    return null;
  }
  if (!isArray(value)) return `${field.name} must be an array, got ${got(value)}`;
  if (field.type === "choices") {
    if (value.length !== field.length) {
      return `${field.name} must have ${field.length} entries (one per call), got ${value.length}`;
    }
    const bad = value.findIndex((v) => typeof v !== "string" || !field.options.includes(v));
    if (bad >= 0) return `${field.name}[${bad}] must be one of ${field.options.map((o) => JSON.stringify(o)).join(", ")}, got ${got(value[bad])}`;
    return null;
  }
  const bad = value.findIndex((v) => typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= field.pages);
  if (bad >= 0) return `${field.name}[${bad}] must be a page number from 0 to ${field.pages - 1}, got ${got(value[bad])}`;
  return null;
}

/** Reads an answer against its fields; returns it (copied) or the first thing wrong with it. Never throws. */
export function readAnswer(fields: readonly AnswerField[], answer: unknown): ReadAnswer {
  const shape = answerShape(fields);
  if (answer === null || typeof answer !== "object" || isArray(answer)) {
    return { ok: false, problem: `the answer must be an object ${shape}, got ${answer === null ? "null" : isArray(answer) ? "an array" : describeValue(answer)}` };
  }
  const given = answer as Record<string, unknown>;
  const names = fields.map((f) => f.name);
  for (const key of Object.keys(given)) {
    if (!names.includes(key)) return { ok: false, problem: `unknown field ${JSON.stringify(key)}${didYouMean(key, names)}; the answer is ${shape}` };
  }
  const read: Record<string, AnswerValue> = {};
  for (const field of fields) {
    if (!(field.name in given) || given[field.name] === undefined) {
      return { ok: false, problem: `missing field ${field.name} (${field.description}); the answer is ${shape}` };
    }
    const problem = fieldProblem(field, given[field.name]);
    if (problem !== null) return { ok: false, problem };
    const value = given[field.name] as AnswerValue;
    read[field.name] = typeof value === "number" ? value : [...value] as AnswerValue;
  }
  return { ok: true, answer: read };
}

/** Whether two values of a field agree (page numbers as sets, choices in order). */
export function sameValue(field: AnswerField, expected: AnswerValue, given: AnswerValue): boolean {
  if (field.type === "count") return expected === given;
  const a = expected as readonly (string | number)[];
  const b = given as readonly (string | number)[];
  if (field.type === "choices") return a.length === b.length && a.every((v, i) => v === b[i]);
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((v) => sb.has(v));
}

/** A value as a student would write it: `268 kB`, `brk, mmap`, `pages 0, 3, 7`. */
export function formatValue(field: AnswerField, value: AnswerValue): string {
  if (field.type === "count") return `${value.toLocaleString("en-US")}${field.unit === "" ? "" : ` ${field.unit}`}`;
  if (field.type === "choices") return (value as readonly string[]).join(", ");
  const pages = [...new Set(value as readonly number[])].sort((x, y) => x - y);
  return pages.length === 0 ? "none" : compressRuns(pages);
}

/** Sorted page numbers as runs: `0, 3-5, 9`. */
export function compressRuns(sorted: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    runs.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(", ");
}

/** A deep copy of an answer (solutions are handed out as copies). */
export function copyAnswer(answer: Answer): Answer {
  const copy: Record<string, AnswerValue> = {};
  for (const [key, value] of Object.entries(answer)) copy[key] = typeof value === "number" ? value : [...value] as AnswerValue;
  return copy;
}
