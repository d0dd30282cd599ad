/** A token bucket per join token, shared by every socket that token opened, so a flood of tiny frames over several sockets is refused without harming others. */

/** Messages allowed per second, sustained, and in a burst (per join token). */
export const MESSAGES_PER_SECOND = 500;
export const MESSAGE_BURST = 2000;

/** Buckets idle this long (ms) are forgotten (full again). */
const IDLE_BUCKET_MS = 60_000;

/** Counts messages per key; in memory only (a hibernated object starts with full buckets). */
export class RateLimiter {
  #buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one token from `key`'s bucket; false when the key is over its rate. */
  take(key: string, now: number): boolean {
    const bucket = this.#buckets.get(key) ?? { tokens: MESSAGE_BURST, at: now };
    bucket.tokens = Math.min(
      MESSAGE_BURST,
      bucket.tokens + ((now - bucket.at) / 1000) * MESSAGES_PER_SECOND,
    );
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 1000) this.#forgetIdle(now);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  #forgetIdle(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.at > IDLE_BUCKET_MS) this.#buckets.delete(key);
    }
  }
}
