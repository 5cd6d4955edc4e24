// The package's public API as TypeScript sees it: a program over src/index.ts, its type checker
// and the root module's symbol. Shared by the tests that read the exports' declarations.
import * as path from "path";
import * as ts from "typescript";

/** src/index.ts, the package root. */
const INDEX = path.join(__dirname, "..", "..", "src", "index.ts");

/** The type checker of a program over src/index.ts and the root module's symbol. */
export interface PublicApi {
  /** The checker of the program. */
  checker: ts.TypeChecker;
  /** The symbol of src/index.ts's module. */
  rootSymbol: ts.Symbol;
}

/** Builds the program (a few seconds: call it once, in beforeAll). */
export function publicApi(): PublicApi {
  const program = ts.createProgram([INDEX], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(INDEX);
  if (source === undefined) throw new Error("src/index.ts not in the program");
  const rootSymbol = checker.getSymbolAtLocation(source);
  if (rootSymbol === undefined) throw new Error("src/index.ts has no module symbol");
  return { checker, rootSymbol };
}
