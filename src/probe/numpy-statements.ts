// The numpy statements compareNumpy runs, parsed into typed operations. The grammar itself lives in
// assets/python/numpy_statements.json, which the Python child reads too: one vocabulary, written
// once, checked by both runners (the child refuses whatever this parser would refuse).
import * as fs from "fs";
import { InvalidArgumentError, describeValue, isArray } from "../errors";
import { pythonAsset } from "./python";

/** The numpy functions a statement may create an array with: np.zeros, np.empty, np.ones. */
export type ArrayCreator = "zeros" | "empty" | "ones";

/** One accepted statement, as an operation on a named float64 array. */
export type NumpyOp =
  | {
      /** `a = np.zeros(n)` (or empty, ones). */
      kind: "create";
      /** The array's variable name. */
      name: string;
      /** The creation function. */
      fn: ArrayCreator;
      /** Elements of the new array. */
      length: number;
    }
  | {
      /** `a[i] = v`. */
      kind: "setItem";
      /** The array's variable name. */
      name: string;
      /** The element written (negative counts from the end). */
      index: number;
      /** The value stored. */
      value: number;
    }
  | {
      /** `a[start:stop] = v`. */
      kind: "setSlice";
      /** The array's variable name. */
      name: string;
      /** The slice's start, null when left out. */
      start: number | null;
      /** The slice's stop (exclusive), null when left out. */
      stop: number | null;
      /** The value stored in every element of the slice. */
      value: number;
    }
  | {
      /** `a[i]`: one element read. */
      kind: "getItem";
      /** The array's variable name. */
      name: string;
      /** The element read (negative counts from the end). */
      index: number;
    }
  | {
      /** `for i in range(start, stop): a[i] = v`: one store per element. */
      kind: "setEach";
      /** The array's variable name. */
      name: string;
      /** The loop variable. */
      variable: string;
      /** The first index written. */
      start: number;
      /** The index the loop stops before. */
      stop: number;
      /** The value stored. */
      value: number;
    }
  | {
      /** `a.sum()`: every element read. */
      kind: "sum";
      /** The array's variable name. */
      name: string;
    }
  | {
      /** `np.add(a, v, out=a)`: every element read and written. */
      kind: "addInPlace";
      /** The array's variable name. */
      name: string;
      /** The value added. */
      value: number;
    }
  | {
      /** `del a`: the array's memory is freed. */
      kind: "delete";
      /** The array's variable name. */
      name: string;
    }
  | {
      /** `pass`: nothing happens (a step that measures only the interpreter). */
      kind: "pass";
    };

/** The kinds of operation a statement can be. */
export type NumpyOpKind = NumpyOp["kind"];

/** A statement of a program: its position, its text and what it does. */
export interface NumpyStatement {
  /** The statement's position in the program, from 0. */
  index: number;
  /** The statement as written. */
  text: string;
  /** What it does. */
  op: NumpyOp;
}

/** The most items a `for` loop may write: each is a separate store on both sides. */
export const MAX_LOOP_ITEMS = 2 ** 20;
/** Integer expressions stay exact doubles (the Python side refuses the same). */
const SAFE = 2n ** 53n;
const MAX_EXPONENT = 64n;

const GRAMMAR_FILE = pythonAsset("numpy_statements.json");

interface GrammarFile {
  tokens: Record<string, string>;
  reserved: string[];
  forms: { kind: NumpyOpKind; shape: string; pattern: string }[];
}

interface Grammar {
  forms: { kind: NumpyOpKind; shape: string; pattern: RegExp }[];
  reserved: ReadonlySet<string>;
}

let grammar: Grammar | null = null;

function loadGrammar(): Grammar {
  if (grammar !== null) return grammar;
  const spec = JSON.parse(fs.readFileSync(GRAMMAR_FILE, "utf8")) as GrammarFile;
  const forms = spec.forms.map((form) => {
    let source = form.pattern;
    for (const [token, body] of Object.entries(spec.tokens)) source = source.split(token).join(`(?:${body})`);
    return { kind: form.kind, shape: form.shape, pattern: new RegExp(source) };
  });
  grammar = { forms, reserved: new Set(spec.reserved) };
  return grammar;
}

/** The statement shapes accepted, one per line, for messages and docs. */
export function acceptedForms(): string[] {
  return loadGrammar().forms.map((f) => f.shape);
}

function refuse(where: string, text: string, why: string): never {
  throw new InvalidArgumentError(`${where} ${JSON.stringify(text)}: ${why}`);
}

/** Floor division as Python does it (towards minus infinity). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/**
 * Evaluates an integer expression of the grammar with Python's precedence: ** binds tightest and
 * to the right, unary minus next, then * and // from the left. Throws on values beyond 2**53.
 */
export function intValue(expr: string, where = "integer", statement = expr): number {
  const tokens = expr.replace(/_/g, "").match(/\d+|\*\*|\*|\/\/|-/g) ?? [];
  let at = 0;
  const fail = (why: string): never => refuse(where, statement, statement === expr ? why : `${why} (in ${expr})`);
  const bounded = (v: bigint): bigint => (v > SAFE || v < -SAFE ? fail("the value is beyond 2**53") : v);
  const atom = (): bigint => {
    const t = tokens[at++];
    if (t === undefined || !/^\d+$/.test(t)) return fail("an integer literal is missing");
    if (/^0\d*[1-9]/.test(t)) fail("leading zeros in an integer literal are not Python");
    return BigInt(t);
  };
  const power = (): bigint => {
    const base = atom();
    if (tokens[at] !== "**") return base;
    at++;
    const exponent = unary();
    if (exponent < 0n || exponent > MAX_EXPONENT) fail(`an exponent must be in 0..${MAX_EXPONENT}`);
    return bounded(base ** exponent);
  };
  const unary = (): bigint => {
    if (tokens[at] === "-") {
      at++;
      return -unary();
    }
    return power();
  };
  let value = unary();
  while (tokens[at] === "*" || tokens[at] === "//") {
    const op = tokens[at++];
    const right = unary();
    if (op === "//" && right === 0n) fail("floor division by zero");
    value = bounded(op === "*" ? value * right : floorDiv(value, right));
  }
  if (at !== tokens.length) fail("unexpected text after the integer");
  return Number(value);
}

function numberValue(text: string, where: string, statement: string): number {
  if (/^-?0\d*[1-9]\d*$/.test(text.replace(/_/g, ""))) refuse(where, statement, `leading zeros in an integer literal are not Python (in ${text})`);
  const value = Number(text.replace(/_/g, ""));
  if (!Number.isFinite(value)) refuse(where, statement, `the value must be a finite number (in ${text})`);
  return value;
}

/** Parses one statement into its operation; throws InvalidArgumentError naming it otherwise. */
export function parseNumpyStatement(text: string, where = "statement"): NumpyOp {
  if (typeof where !== "string") throw new InvalidArgumentError(`parseNumpyStatement(text, where): where must be a string, got ${describeValue(where)}`);
  if (typeof text !== "string") throw new InvalidArgumentError(`${where} must be a string, got ${describeValue(text)}`);
  const { forms, reserved } = loadGrammar();
  const source = text.trim();
  for (const form of forms) {
    const m = form.pattern.exec(source);
    if (m === null) continue;
    const g = m.groups ?? {};
    for (const key of ["name", "var", "out"]) {
      if (g[key] !== undefined && reserved.has(g[key])) refuse(where, text, `${JSON.stringify(g[key])} is a reserved name`);
    }
    const int = (key: string) => intValue(g[key], where, text);
    const optionalInt = (key: string) => (g[key] === undefined ? null : int(key));
    const value = () => numberValue(g.value, where, text);
    switch (form.kind) {
      case "create": {
        const length = int("n");
        if (length < 0) refuse(where, text, "negative dimensions are not allowed");
        return { kind: "create", name: g.name, fn: g.fn as ArrayCreator, length };
      }
      case "setItem":
        return { kind: "setItem", name: g.name, index: int("index"), value: value() };
      case "setSlice":
        return { kind: "setSlice", name: g.name, start: optionalInt("start"), stop: optionalInt("stop"), value: value() };
      case "getItem":
        return { kind: "getItem", name: g.name, index: int("index") };
      case "setEach": {
        if (g.var !== g.index) refuse(where, text, `the loop must index with its own variable ${JSON.stringify(g.var)}`);
        if (g.var === g.name) refuse(where, text, `the loop variable cannot be the array ${JSON.stringify(g.name)}`);
        return { kind: "setEach", name: g.name, variable: g.var, start: optionalInt("start") ?? 0, stop: int("stop"), value: value() };
      }
      case "sum":
        return { kind: "sum", name: g.name };
      case "addInPlace":
        if (g.name !== g.out) refuse(where, text, "out= must be the array being added to");
        return { kind: "addInPlace", name: g.name, value: value() };
      case "delete":
        return { kind: "delete", name: g.name };
      case "pass":
        return { kind: "pass" };
    }
  }
  return refuse(where, text, `not an accepted statement; accepted: ${acceptedForms().join("; ")}`);
}

/** The array an operation names, or null for `pass`. */
export function arrayNameOf(op: NumpyOp): string | null {
  return op.kind === "pass" ? null : op.name;
}

/** numpy's own wording for an index outside the array. */
function checkIndex(where: string, text: string, index: number, length: number): void {
  if (index < -length || index >= length) refuse(where, text, `index ${index} is out of bounds for axis 0 with size ${length}`);
}

/**
 * Parses a program: every statement must be accepted, every array it names must exist at that
 * point (created before, not deleted since) and every index must lie inside it. Errors name the
 * step as statements[k].
 */
export function parseNumpyProgram(statements: readonly string[]): NumpyStatement[] {
  if (!isArray(statements) || statements.length === 0) {
    throw new InvalidArgumentError(`compareNumpy(statements): statements must be a non-empty array of strings, got ${describeValue(statements)}`);
  }
  const lengths = new Map<string, number>();
  return statements.map((text, index) => {
    const where = `statements[${index}]`;
    const op = parseNumpyStatement(text, where);
    if (op.kind === "create") {
      lengths.set(op.name, op.length);
      return { index, text, op };
    }
    const name = arrayNameOf(op);
    if (name === null) return { index, text, op };
    const length = lengths.get(name);
    if (length === undefined) refuse(where, text, `name ${JSON.stringify(name)} is not defined (no array of that name exists at this step)`);
    if (op.kind === "setItem" || op.kind === "getItem") checkIndex(where, text, op.index, length);
    if (op.kind === "setEach") {
      // Python binds the loop variable after the loop: it must not drop a live array
      if (lengths.has(op.variable)) refuse(where, text, `the loop variable ${JSON.stringify(op.variable)} would replace the array of that name`);
      const items = Math.max(0, op.stop - op.start);
      if (items > MAX_LOOP_ITEMS) refuse(where, text, `the loop writes ${items} items, more than ${MAX_LOOP_ITEMS} (2**20)`);
      if (items > 0) {
        checkIndex(where, text, op.start, length);
        checkIndex(where, text, op.stop - 1, length);
      }
    }
    if (op.kind === "delete") lengths.delete(name);
    return { index, text, op };
  });
}
