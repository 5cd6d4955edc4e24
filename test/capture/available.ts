// Whether this machine can capture (heaptrack and strace): tests that capture skip without them,
// unless PAGELAB_REQUIRE_CAPTURE=1 (CI with the recorders installed), where their absence fails.
import { captureUnavailable } from "../../src/capture";

const unavailable = captureUnavailable();
const required = process.env.PAGELAB_REQUIRE_CAPTURE === "1";

/** Skips the test (`ctx` is vitest's) where capture cannot run, or fails it where it must. */
export function skipUnlessAvailable(ctx: { skip: (why: string) => void }): void {
  if (unavailable !== null && !required) ctx.skip(unavailable);
  if (unavailable !== null) throw new Error(`PAGELAB_REQUIRE_CAPTURE=1 but ${unavailable}`);
}
