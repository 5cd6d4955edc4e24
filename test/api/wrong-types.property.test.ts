// Every exported function and every public method, called with random wrong-typed arguments,
// either succeeds or throws a PagelabError subclass: never a TypeError or RangeError from inside,
// never a silent undefined where its declared type promises a value, and a refused call leaves
// the machine as it was. Methods are found by reflection (the prototype chain of each object), so
// a new method is covered without touching this file; TypeScript's view of the public API says
// which of them are public (not private, not @internal) and which may return nothing.
import fc from "fast-check";
import * as ts from "typescript";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as root from "../../src";
import { publicApi } from "./public-api";

const SEED = 20261130;
const RUNS = 12;

/** What TypeScript says of one public member or function. */
interface Declared {
  /** Its declared result admits undefined (void, undefined, any, unknown or a union with one). */
  mayReturnUndefined: boolean;
  /** The most parameters any of its signatures takes. */
  parameters: number;
}

let checker: ts.TypeChecker;
let rootSymbol: ts.Symbol;

beforeAll(() => {
  ({ checker, rootSymbol } = publicApi());
  vi.spyOn(console, "log").mockImplementation(() => undefined); // show() and Claims print; their output is not under test
}, 120_000);

afterAll(() => {
  vi.restoreAllMocks();
});

function admitsUndefined(type: ts.Type): boolean {
  const loose = ts.TypeFlags.Void | ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter;
  if (type.flags & loose) return true;
  return type.isUnion() && type.types.some(admitsUndefined);
}

function declaredOf(signatures: readonly ts.Signature[]): Declared {
  return {
    mayReturnUndefined: signatures.some((s) => admitsUndefined(checker.getReturnTypeOfSignature(s))),
    parameters: Math.max(0, ...signatures.map((s) => s.getParameters().length)),
  };
}

/** The symbol an export path names, e.g. ["Machine"] or ["probe", "compare"]. */
function exportSymbol(names: readonly string[]): ts.Symbol {
  let module = rootSymbol;
  let symbol: ts.Symbol | undefined;
  for (const name of names) {
    symbol = checker.getExportsOfModule(module).find((s) => s.name === name);
    if (symbol === undefined) throw new Error(`no export ${names.join(".")}`);
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    module = symbol;
  }
  return symbol as ts.Symbol;
}

/** The public methods of an exported class or interface (not private, protected or @internal). */
function publicMethods(names: readonly string[]): Map<string, Declared> {
  const type = checker.getDeclaredTypeOfSymbol(exportSymbol(names));
  const methods = new Map<string, Declared>();
  for (const member of checker.getPropertiesOfType(type)) {
    const declaration = member.valueDeclaration ?? member.declarations?.[0];
    if (declaration === undefined) continue;
    const modifiers = ts.getCombinedModifierFlags(declaration);
    if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
    if (member.getJsDocTags(checker).some((t) => t.name === "internal")) continue;
    const signatures = checker.getTypeOfSymbolAtLocation(member, declaration).getCallSignatures();
    if (signatures.length > 0) methods.set(member.name, declaredOf(signatures));
  }
  return methods;
}

/**
 * The signatures of an exported function, or of an exported class's public constructor; null for
 * a constructor marked @internal (its objects are made by a factory, e.g. NDArray by numpy()).
 */
function functionOf(names: readonly string[]): Declared | null {
  const symbol = exportSymbol(names);
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (declaration === undefined) throw new Error(`no declaration for ${names.join(".")}`);
  const type = checker.getTypeOfSymbolAtLocation(symbol, declaration);
  const construct = type.getConstructSignatures();
  if (construct.some((s) => s.getJsDocTags().some((t) => t.name === "internal"))) return null;
  if (construct.length > 0) return { ...declaredOf(construct), mayReturnUndefined: false };
  return declaredOf(type.getCallSignatures());
}

// ---- the world each call runs in ----

interface World {
  machine: root.Machine;
  proc: root.Process;
  np: root.Numpy;
  array: root.NDArray;
  libc: root.Allocator;
  js: root.NodeRuntime;
  claims: root.Claims;
  chart: root.Chart;
}

function world(): World {
  const machine = new root.Machine({ seed: 7, ramBytes: 256 * 2 ** 20 });
  const proc = machine.spawn();
  const np = root.numpy(proc);
  const array = np.zeros(1000);
  array[0] = 1;
  const libc = root.libcOf(proc);
  libc.malloc(100);
  const js = root.node(proc);
  const claims = new root.Claims("wrong-types", () => undefined);
  const chart = root.residencyHeatmapChart(proc, array.address, array.nbytes);
  return { machine, proc, np, array, libc, js, claims, chart };
}

/** What a refused call must not change: the kernel's figures, every live process's, the allocator's. */
function stateOf(w: World): string {
  const m = w.machine;
  return JSON.stringify({
    meminfo: m.meminfo(),
    counters: m.counters,
    events: m.events.length + m.eventsDropped,
    processes: m.processes.map((p) => ({
      pid: p.pid,
      status: p.alive ? p.status() : null,
      vmas: p.alive ? p.vmas() : null,
      counters: p.counters,
      tables: p.alive ? p.pageTableLevels() : null,
    })),
    libc: w.libc.mallinfo(),
    libcCounters: w.libc.counters,
    claims: w.claims.all.length,
  });
}

// ---- the wrong arguments ----

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    "abc", "", "16GiB", "1", NaN, -1, 1.5, -0.5, Infinity, -Infinity, 2 ** 60, Number.MAX_VALUE, 0, 1, 3,
    true, false, null, undefined, Symbol("wrong"), 10n, [], [1, 2], [-1], ["a"], {}, { length: 2 },
    { start: "a", end: 1 }, new Date(0), () => 1, new Uint8Array(2),
  ),
  fc.string({ maxLength: 6 }),
  fc.double({ noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.dictionary(fc.constantFrom("title", "seed", "cpu", "length", "dtype", "version", "x"), fc.constantFrom<unknown>("a", -1, 1.5, null, {})),
);

const argumentsFor = (declared: Declared) => fc.array(wrongValue, { maxLength: declared.parameters + 1 });

function describeArgs(args: readonly unknown[]): string {
  return args.map((a) => (typeof a === "symbol" ? a.toString() : typeof a === "bigint" ? `${a}n` : typeof a === "function" ? "fn" : JSON.stringify(a) ?? String(a))).join(", ");
}

/**
 * Calls `call(args)` in a fresh world: passes when it returns (a value unless undefined is
 * allowed) or throws a PagelabError and leaves the world as it was.
 */
function checkCalls(label: string, declared: Declared, call: (w: World, args: unknown[]) => unknown, runs = RUNS): void {
  fc.assert(
    fc.property(argumentsFor(declared), (args) => {
      const w = world();
      const before = stateOf(w);
      let result: unknown;
      try {
        result = call(w, args);
      } catch (error) {
        const what = `${label}(${describeArgs(args)}) threw ${String(error)}`;
        expect(error, what).toBeInstanceOf(root.PagelabError);
        expect(() => w.machine.check(), `${what}, then machine.check() failed`).not.toThrow();
        expect(stateOf(w), `${what} and changed the machine`).toBe(before);
        return;
      }
      if (!declared.mayReturnUndefined) expect(result, `${label}(${describeArgs(args)}) returned undefined`).not.toBeUndefined();
    }),
    { seed: SEED, numRuns: runs },
  );
}

// ---- what is called ----

/** The objects whose public methods are called: an export path for TypeScript, a getter for the object. */
const SUBJECTS: { type: string[]; of: (w: World) => object }[] = [
  { type: ["Machine"], of: (w) => w.machine },
  { type: ["Process"], of: (w) => w.proc },
  { type: ["Numpy"], of: (w) => w.np },
  { type: ["NDArray"], of: (w) => w.array },
  { type: ["Allocator"], of: (w) => w.libc },
  { type: ["NodeRuntime"], of: (w) => w.js },
  { type: ["Claims"], of: (w) => w.claims },
  { type: ["Chart"], of: (w) => w.chart },
];

/** Methods that must not be called here, and why. */
const SKIPPED_METHODS = new Set([
  // Object's own (toString, valueOf...) take no arguments and come from JavaScript, not pagelab.
  "constructor",
]);

/** Functions of the probe that run on the real machine (read its pages, map memory, start Python). */
const REAL_MACHINE = new Set([
  "supported", "alloc", "residency", "frames", "residencySummary", "status", "minorFaults", "smapsOf",
  "hostFacts", "measureHostBehaviour", "compare", "snapshot", "compareNumpy", "measureLazyFree",
]);

/** Functions whose successful calls are slow (a whole experiment): a few runs suffice. */
const SLOW = new Set(["tlbReachExperiment", "sweepExperiment"]);

/** Every method on the prototype chain of `object`, by reflection (Object.prototype excluded). */
function methodsByReflection(object: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(object) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (descriptor !== undefined && typeof descriptor.value === "function" && !SKIPPED_METHODS.has(name)) names.add(name);
    }
  }
  return [...names].sort();
}

/** Functions of the capture namespace that run a real program. */
const RUNS_A_PROGRAM = new Set(["capture", "main"]);

/** The namespaces whose functions are called, besides the root. */
const NAMESPACES = ["probe", "hardware", "kernel", "libc", "charts", "capture", "exercises"] as const;

/** Exported functions (classes count by their constructor) of the root (`namespace` null) or of one namespace. */
function exportedFunctions(namespace: (typeof NAMESPACES)[number] | null): { path: string[]; fn: (...args: unknown[]) => unknown; isClass: boolean }[] {
  const out: { path: string[]; fn: (...args: unknown[]) => unknown; isClass: boolean }[] = [];
  const module = (namespace === null ? root : root[namespace]) as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(module)) {
    if (typeof value !== "function") continue;
    if (namespace === "probe" && REAL_MACHINE.has(name)) continue;
    if (namespace === "capture" && RUNS_A_PROGRAM.has(name)) continue;
    const isClass = /^class\b/.test(Function.prototype.toString.call(value));
    out.push({ path: namespace === null ? [name] : [namespace, name], fn: value as (...args: unknown[]) => unknown, isClass });
  }
  return out;
}

/** Runs one property; returns [] when it holds, else its counterexample's message (all failures are listed at once). */
function failureOf(run: () => void): string[] {
  try {
    run();
    return [];
  } catch (error) {
    const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const message = inner instanceof Error ? inner.message : String(inner);
    const cause = /(\S+\(.*?\) (?:threw|returned undefined).*)/.exec(message);
    return [(cause?.[1] ?? message).split("\n")[0].slice(0, 400)];
  }
}

describe("wrong-typed arguments: a PagelabError or a result, never a crash, never a changed machine", () => {
  for (const subject of SUBJECTS) {
    it(`every public method of ${subject.type.join(".")}`, () => {
      const declared = publicMethods(subject.type);
      const found = methodsByReflection(subject.of(world()));
      const called = found.filter((name) => declared.has(name));
      expect(called.length).toBeGreaterThan(0);
      const failures = called.flatMap((name) =>
        failureOf(() => checkCalls(`${subject.type.join(".")}.${name}`, declared.get(name) as Declared, (w, args) => {
          const object = subject.of(w) as Record<string, (...a: unknown[]) => unknown>;
          return object[name](...args);
        })));
      expect(failures).toEqual([]);
    }, 300_000);
  }

  for (const namespace of [null, ...NAMESPACES]) {
    it(`every exported function and constructor of ${namespace ?? "the root"} (calls that touch the real machine aside)`, () => {
      const failures = exportedFunctions(namespace).flatMap(({ path: names, fn, isClass }) => {
        const declared = functionOf(names);
        if (declared === null) return [];
        return failureOf(() => checkCalls(names.join("."), declared, (_w, args) => (isClass ? Reflect.construct(fn, args) : fn(...args)),
          SLOW.has(names[names.length - 1]) ? 3 : RUNS));
      });
      expect(failures).toEqual([]);
    }, 600_000);
  }
});
