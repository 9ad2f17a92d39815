/** Helpers the approval suites share. */

/** Runs `fn`, which must throw; returns the error. */
export function assertThrows(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`Expected an Error, got ${String(error)}`);
  }
  throw new Error("Expected a throw, got none");
}
