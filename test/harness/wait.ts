/** Waiting for a condition with a deadline, instead of sleeping and hoping. */

/** Options of `waitFor`. */
export interface WaitOptions {
  timeoutMs?: number;
  /** How often to check (ms). */
  everyMs?: number;
  /** What is awaited, for the timeout message (a function is called only on timeout). */
  what?: string | (() => string);
}

/**
 * Resolves with the first truthy value `check` returns; rejects after `timeoutMs` saying what was
 * awaited and, if `check` threw last, why.
 */
export async function waitFor<T>(
  check: () => T | null | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = check();
      if (value) return value;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() > deadline) {
      const why = lastError ? `: ${(lastError as Error).message}` : "";
      const what = typeof options.what === "function" ? options.what() : options.what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what ?? "a condition"}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 10));
  }
}
