/** Time for benchmarks: a monotonic clock in ms, and an epoch clock comparable across processes. */

/** Monotonic milliseconds, sub-millisecond resolution (within one process). */
export function now(): number {
  return performance.now();
}

/**
 * Milliseconds since the Unix epoch with sub-millisecond resolution. Every process derives it
 * from the same system clock, so a child's timestamps compare with the parent's (to ~0.1 ms).
 */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with "timed out …" if `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
