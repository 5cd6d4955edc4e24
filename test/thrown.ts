// The error a call throws, for tests that check its class and message in several steps.

/** The error `fn` throws (fails the test when it returns). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}
