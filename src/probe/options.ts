// Where the probe looks for the kernel's files, and the one answer every probe call gives when
// it cannot look: `{ ok: false, reason }`. Tests point procRoot/sysRoot at a fake or empty folder.
import * as fs from "fs";
import * as path from "path";
import { InvalidArgumentError, describeValue } from "../errors";
import { checkOptions } from "../validate";

/** Where the probe reads from: the procfs and sysfs mounts and the platform (tests point them at recorded folders). */
export interface ProbeOptions {
  /** The procfs mount to read (default "/proc"). */
  procRoot?: string;
  /** The sysfs mount to read (default "/sys"), for the THP mode. */
  sysRoot?: string;
  /** The platform to assume (default process.platform); anything but "linux" is unsupported. */
  platform?: string;
}

export interface ResolvedOptions {
  procRoot: string;
  sysRoot: string;
  platform: string;
}

/** What every probe call returns instead of throwing when the host cannot be probed. */
export interface Unsupported {
  /** The probe could not answer here. */
  ok: false;
  /** Why, in plain words. */
  reason: string;
}

/** The keys of {@link ProbeOptions}, for the calls whose options extend it. */
export const PROBE_OPTION_KEYS = ["procRoot", "sysRoot", "platform"] as const;

/**
 * Fills in the defaults of a probe options object; throws InvalidArgumentError naming `where` on
 * an unknown key (a typo such as `procroot` would otherwise read the real /proc) or a bad field.
 * `name` is how the caller spells the argument (compareNumpy's is options.probe).
 */
export function resolveOptions(where: string, options: ProbeOptions | undefined, name = "options"): ResolvedOptions {
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new InvalidArgumentError(`${where}: ${name} must be an object, got ${describeValue(options)}`);
  }
  checkOptions(where, options, PROBE_OPTION_KEYS);
  return probeFields(where, options, name);
}

/**
 * Checks and fills in the ProbeOptions fields of `options` (its other keys are the caller's to
 * check, as measureLazyFree's pages and python are).
 */
export function probeFields(where: string, options: ProbeOptions | undefined, name = "options"): ResolvedOptions {
  for (const key of PROBE_OPTION_KEYS) {
    const value = options?.[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new InvalidArgumentError(`${where}: ${name}.${key} must be a non-empty string, got ${describeValue(value)}`);
    }
  }
  return {
    procRoot: options?.procRoot ?? "/proc",
    sysRoot: options?.sysRoot ?? "/sys",
    platform: options?.platform ?? process.platform,
  };
}

/** Builds the "unsupported" answer. */
export function unsupported(reason: string): Unsupported {
  return { ok: false, reason };
}

/**
 * Checks the preconditions shared by every probe call: Linux, and a readable <procRoot>/self/maps.
 * Returns null when they hold, else the reason they do not.
 */
export function whyUnsupported(opts: ResolvedOptions): string | null {
  if (opts.platform !== "linux") {
    return `the probe reads Linux's /proc; this platform is ${JSON.stringify(opts.platform)}`;
  }
  const maps = path.join(opts.procRoot, "self", "maps");
  try {
    fs.accessSync(maps, fs.constants.R_OK);
  } catch (error) {
    return `${maps} is not readable (${errorCode(error)}): /proc is not mounted or is hidden here`;
  }
  return null;
}

/** The errno code (ENOENT, EACCES, ...) of a failed fs call, or its message. */
export function errorCode(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") return error.code;
  return error instanceof Error ? error.message : String(error);
}
