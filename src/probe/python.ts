// Finding a Python interpreter and the helper programs pagelab ships in assets/python. The probe
// uses Python where Node cannot act on its own memory (madvise) and to run real numpy.
import * as fs from "fs";
import * as path from "path";

/** The assets/python folder: the same relative place from src/probe (tests) and dist/probe. */
export function pythonAsset(name: string): string {
  return path.resolve(__dirname, "..", "..", "assets", "python", name);
}

/** Debian's interpreter when present (its python3-numpy is installed there), else python3 on PATH. */
export function systemPython(): string {
  return fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}
