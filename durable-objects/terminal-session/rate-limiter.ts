/** A token bucket per socket, so a flood of tiny frames is refused without harming others. */

/** Messages allowed per second, sustained, and in a burst. */
export const MESSAGES_PER_SECOND = 500;
export const MESSAGE_BURST = 2000;

/** Counts messages per socket; in memory only (a hibernated object starts with full buckets). */
export class RateLimiter {
  #buckets = new WeakMap<WebSocket, { tokens: number; at: number }>();

  /** Takes one token; false when the socket is over its rate. */
  take(ws: WebSocket, now: number): boolean {
    const bucket = this.#buckets.get(ws) ?? { tokens: MESSAGE_BURST, at: now };
    bucket.tokens = Math.min(
      MESSAGE_BURST,
      bucket.tokens + ((now - bucket.at) / 1000) * MESSAGES_PER_SECOND,
    );
    bucket.at = now;
    this.#buckets.set(ws, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
