// The chart specs of the committed notebooks: every display output carrying Vega-Lite v5, in
// notebook order, named "NN-name.ipynb cell C, chart K". Read by the legibility test and the
// browser test; re-executed notebooks bring their new specs with them.
import { readFileSync, readdirSync } from "fs";
import * as path from "path";

/** The MIME type of a Vega-Lite 5 chart output. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** One chart output of a notebook. */
export interface NotebookSpec {
  name: string;
  spec: Record<string, unknown>;
}

const NOTEBOOKS = path.join(__dirname, "..", "..", "notebooks");

/** Every Vega-Lite spec in notebooks/*.ipynb outputs. */
export function notebookSpecs(): NotebookSpec[] {
  const specs: NotebookSpec[] = [];
  for (const file of readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort()) {
    const nb = JSON.parse(readFileSync(path.join(NOTEBOOKS, file), "utf8")) as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
    let k = 0;
    nb.cells.forEach((cell, c) => {
      for (const output of cell.outputs ?? []) {
        const spec = output.data?.[VEGA_LITE_MIME];
        if (spec !== undefined) specs.push({ name: `${file} cell ${c}, chart ${k++}`, spec: spec as Record<string, unknown> });
      }
    });
  }
  return specs;
}
