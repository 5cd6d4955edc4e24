// Claims: the statements a notebook makes, checked where they are made. Each check prints a
// ✓/✗ line; a false claim throws at once so the failing cell is the one that shows it; summary()
// prints the one line the notebook runner greps.
import { InvalidArgumentError, PagelabError, describeValue } from "../errors";
import { checkOptions, optionalBoolean } from "../validate";

/** How a claim is recorded: about the real machine or the simulator, with evidence. @inline */
export interface ClaimOptions {
  /** The claim is about the real machine (the probe), not the simulator. */
  real?: boolean;
  /** Evidence printed after the claim, e.g. the measured values. */
  detail?: string;
}

/** One claim as recorded: its text, where it was checked, and whether it held. @inline */
export interface ClaimRecord {
  /** The claim as stated. */
  text: string;
  /** True when the claim is about the real machine. */
  real: boolean;
  /** true held, false failed, null skipped. */
  held: boolean | null;
  /** The evidence printed with it, or why it was skipped. */
  detail?: string;
}

/** Raised by Claims.check when a claim does not hold (a PagelabError of kind "claim-failed"). */
export class ClaimError extends PagelabError {
  /**
   * @param notebook - The name of the Claims the claim was made in.
   * @param claim - The claim that did not hold.
   * @param detail - The evidence printed with it, if any.
   */
  constructor(readonly notebook: string, readonly claim: string, detail: string | undefined) {
    const text = (v: unknown) => (typeof v === "string" ? v : describeValue(v));
    super("claim-failed", `claim failed in ${text(notebook)}: ${text(claim)}${detail === undefined ? "" : ` (${text(detail)})`}`);
  }
}

/**
 * The statements a notebook makes, checked where they are made: each check prints a ✓ or ✗ line, a
 * false claim throws a {@link ClaimError} at once (so the failing cell is the one that shows it),
 * and summary() prints the one line the notebook runner reads.
 * @example
 * ```ts
 * const claims = new Claims("my-notebook");
 * const p = new Machine().spawn();
 * const a = numpy(p).zeros(1 << 20);
 * claims.check("np.zeros costs no RSS", p.status().VmRSS < 1024, { detail: `VmRSS ${p.status().VmRSS} kB` });
 * claims.summary(); // CLAIMS my-notebook: 1 checked, 1 held (simulated 1/1, real 0/0, skipped 0)
 * ```
 */
export class Claims {
  private readonly records: ClaimRecord[] = [];

  /**
   * `print` receives each line (console.log by default).
   * @param name - The notebook's name, shown in every failure and in the summary line.
   */
  constructor(readonly name: string, private readonly print: (line: string) => void = console.log) {
    if (typeof name !== "string" || name.trim() === "") {
      throw new InvalidArgumentError(`Claims: name must be a non-empty string, got ${describeValue(name)}`);
    }
    if (typeof print !== "function") throw new InvalidArgumentError(`Claims: print must be a function (line: string) => void, got ${describeValue(print)}`);
  }

  /**
   * Records and prints a claim; throws ClaimError at once if it does not hold. A condition given
   * as a function that throws, or returns anything but true or false, counts as not holding (the
   * failure says what it returned); one that returns a Promise is refused: conditions are
   * synchronous. Returns nothing.
   */
  check(text: string, condition: boolean | (() => boolean), options: ClaimOptions = {}): void {
    requireText("check", text);
    if (typeof condition !== "boolean" && typeof condition !== "function") {
      throw new InvalidArgumentError(`Claims.check: condition must be a boolean or a function, got ${describeValue(condition)}`);
    }
    if (typeof options === "string") {
      throw new InvalidArgumentError(`Claims.check: options must be an object, got the string ${JSON.stringify(options)}; pass { detail: ${JSON.stringify(options)} }`);
    }
    checkOptions<ClaimOptions>("Claims.check", options, ["real", "detail"]);
    const real = optionalBoolean("Claims.check", "options.real", options.real) ?? false;
    if (options.detail !== undefined && typeof options.detail !== "string") {
      throw new InvalidArgumentError(`Claims.check: options.detail must be a string, got ${describeValue(options.detail)}`);
    }
    let detail = options.detail;
    const addDetail = (more: string): void => {
      detail = `${detail === undefined ? "" : `${detail}; `}${more}`;
    };
    let result: unknown = false;
    try {
      result = typeof condition === "function" ? condition() : condition;
    } catch (error) {
      addDetail(`threw ${error instanceof Error ? error.message : String(error)}`);
    }
    if (isThenable(result)) {
      result.then(undefined, () => undefined); // nobody awaits it: its rejection must not surface as unhandled
      throw new InvalidArgumentError(
        `Claims.check: the condition of ${JSON.stringify(text)} returned a Promise; conditions must be synchronous (await the value first, then check it)`,
      );
    }
    const held = result === true;
    // 1, undefined (a forgotten return), "yes": not a claim that holds, and the failure says why
    if (typeof result !== "boolean") addDetail(`the condition returned ${describeValue(result)}, not true or false`);
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as { then?: unknown }).then === "function";
}

function requireText(method: string, value: unknown, argument = "text"): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidArgumentError(`Claims.${method}: ${argument} must be a non-empty string, got ${describeValue(value)}`);
  }
}
