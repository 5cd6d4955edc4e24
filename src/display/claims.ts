// Claims: the statements a notebook makes, checked where they are made. Each check prints a
// ✓/✗ line; a false claim throws at once so the failing cell is the one that shows it; summary()
// prints the one line the notebook runner greps.
import { InvalidArgumentError, describeValue } from "../errors";

export interface ClaimOptions {
  /** The claim is about the real machine (the probe), not the simulator. */
  real?: boolean;
  /** Evidence printed after the claim, e.g. the measured values. */
  detail?: string;
}

export interface ClaimRecord {
  text: string;
  real: boolean;
  /** true held, false failed, null skipped. */
  held: boolean | null;
  detail?: string;
}

/** Raised by Claims.check when a claim does not hold. */
export class ClaimError extends Error {
  constructor(readonly notebook: string, readonly claim: string, detail: string | undefined) {
    super(`claim failed in ${notebook}: ${claim}${detail === undefined ? "" : ` (${detail})`}`);
    this.name = "ClaimError";
  }
}

export class Claims {
  private readonly records: ClaimRecord[] = [];

  /** `print` receives each line (console.log by default). */
  constructor(readonly name: string, private readonly print: (line: string) => void = console.log) {
    if (typeof name !== "string" || name.trim() === "") {
      throw new InvalidArgumentError(`Claims: name must be a non-empty string, got ${describeValue(name)}`);
    }
  }

  /**
   * Records and prints a claim; throws ClaimError at once if it does not hold. A condition given
   * as a function that throws counts as not holding. Returns nothing.
   */
  check(text: string, condition: boolean | (() => boolean), options: ClaimOptions = {}): void {
    requireText("check", text);
    if (typeof condition !== "boolean" && typeof condition !== "function") {
      throw new InvalidArgumentError(`Claims.check: condition must be a boolean or a function, got ${describeValue(condition)}`);
    }
    let held: boolean;
    let detail = options.detail;
    try {
      held = typeof condition === "function" ? condition() === true : condition;
    } catch (error) {
      held = false;
      detail = `${detail === undefined ? "" : `${detail}; `}threw ${error instanceof Error ? error.message : String(error)}`;
    }
    const real = options.real === true;
    this.records.push({ text, real, held, detail });
    const where = real ? "[real] " : "";
    this.print(`${held ? "✓" : "✗"} ${where}${text}${detail === undefined ? "" : ` — ${detail}`}`);
    if (!held) throw new ClaimError(this.name, text, detail);
  }

  /** Records a real-machine claim that cannot be checked here, with the reason. Returns nothing. */
  skip(text: string, reason: string): void {
    requireText("skip", text);
    requireText("skip", reason, "reason");
    this.records.push({ text, real: true, held: null, detail: reason });
    this.print(`– [real] ${text} — skipped: ${reason}`);
  }

  /** Every claim so far, in order. */
  get all(): readonly ClaimRecord[] {
    return this.records.slice();
  }

  /**
   * Prints the one line the notebook runner greps:
   * `CLAIMS <name>: <n> checked, <n> held (simulated <a>/<b>, real <c>/<d>, skipped <s>)`.
   * Returns nothing, so a cell ending in summary() prints the line once.
   */
  summary(): void {
    const checked = this.records.filter((r) => r.held !== null);
    const held = checked.filter((r) => r.held === true);
    const simulated = checked.filter((r) => !r.real);
    const real = checked.filter((r) => r.real);
    const skipped = this.records.length - checked.length;
    const line =
      `CLAIMS ${this.name}: ${checked.length} checked, ${held.length} held ` +
      `(simulated ${simulated.filter((r) => r.held).length}/${simulated.length}, ` +
      `real ${real.filter((r) => r.held).length}/${real.length}, skipped ${skipped})`;
    this.print(line);
  }
}

function requireText(method: string, value: unknown, argument = "text"): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidArgumentError(`Claims.${method}: ${argument} must be a non-empty string, got ${describeValue(value)}`);
  }
}
