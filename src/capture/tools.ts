// Finding the recorders: strace on PATH, heaptrack's preload library where Debian puts it.
import * as fs from "fs";
import * as path from "path";
import { CaptureToolMissingError } from "./errors";

/** Where Debian and other distributions install heaptrack's malloc hooks. */
const HEAPTRACK_PRELOADS = [
  "/usr/lib/heaptrack/libheaptrack_preload.so",
  "/usr/lib/x86_64-linux-gnu/heaptrack/libheaptrack_preload.so",
  "/usr/lib/aarch64-linux-gnu/heaptrack/libheaptrack_preload.so",
  "/usr/lib64/heaptrack/libheaptrack_preload.so",
];

/** The install command for the recorders, for error messages. */
export const INSTALL_COMMAND = "apt-get install heaptrack strace";

/** The first executable file named `name` on PATH, or null. */
export function onPath(name: string): string | null {
  if (name.includes("/")) return fs.existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The recorders capture runs with. */
export interface Recorders {
  strace: string;
  heaptrackPreload: string;
}

/** Finds strace and heaptrack's preload library (PAGELAB_HEAPTRACK_PRELOAD overrides); throws CaptureToolMissingError naming the install command. */
export function findRecorders(): Recorders {
  const strace = onPath(process.env.PAGELAB_STRACE ?? "strace");
  if (strace === null) throw new CaptureToolMissingError("strace", "apt-get install strace");
  const override = process.env.PAGELAB_HEAPTRACK_PRELOAD;
  const heaptrackPreload = override !== undefined && override !== "" ? (fs.existsSync(override) ? override : null) : HEAPTRACK_PRELOADS.find((p) => fs.existsSync(p)) ?? null;
  if (heaptrackPreload === null) throw new CaptureToolMissingError("heaptrack (its libheaptrack_preload.so)", "apt-get install heaptrack");
  return { strace, heaptrackPreload };
}

/** Why capture cannot run here, or null when it can: for tests and notebooks that skip. */
export function captureUnavailable(): string | null {
  if (process.platform !== "linux") return `capture needs Linux (this is ${process.platform})`;
  try {
    findRecorders();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
