/**
 * Round-trip latency and dead-link detection. The client sends HEARTBEAT_REQUEST; the session
 * answers HEARTBEAT_REPLY (as a runtime auto-response, so probing never wakes a hibernated
 * object). Replies carry no id, so one probe is outstanding at a time.
 */

/** Options of a LatencyProbe. */
export interface LatencyProbeOptions extends ProbeTiming {
  /** Sends one HEARTBEAT_REQUEST; false when the socket could not take it. */
  send: () => boolean;
  /** A reply came back after `ms` milliseconds. */
  onRoundTrip: (ms: number) => void;
  /** No reply for `silentAfterProbes` intervals: the link is probably dead. */
  onSilent: () => void;
  /** Clock, for tests. */
  now?: () => number;
}

/** How often to probe, and how many unanswered intervals mean the link is dead. */
export interface ProbeTiming {
  /** Milliseconds between probes. */
  intervalMs: number;
  /** Intervals without a reply before the link counts as dead. */
  silentAfterProbes: number;
}

/** Probes every 5 s; 15 s without a reply reconnects. */
export const DEFAULT_PROBE: ProbeTiming = { intervalMs: 5_000, silentAfterProbes: 3 };

/** Sends heartbeats on an open socket and measures their round trips. */
export class LatencyProbe {
  #options: LatencyProbeOptions;
  #timer: ReturnType<typeof setInterval> | null = null;
  #sentAt: number | null = null;

  constructor(options: LatencyProbeOptions) {
    this.#options = options;
  }

  /** Probes at once, then every interval, until stop(). */
  start(): void {
    this.stop();
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
  }

  /** Stops probing and forgets the outstanding probe. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#sentAt = null;
  }

  /** A HEARTBEAT_REPLY arrived. */
  reply(): void {
    if (this.#sentAt === null) return;
    const ms = this.#now() - this.#sentAt;
    this.#sentAt = null;
    this.#options.onRoundTrip(ms);
  }

  #tick(): void {
    if (this.#sentAt !== null) {
      const waited = this.#now() - this.#sentAt;
      if (waited >= this.#options.intervalMs * this.#options.silentAfterProbes) {
        this.stop();
        this.#options.onSilent();
      }
      return;
    }
    if (this.#options.send()) this.#sentAt = this.#now();
  }

  #now(): number {
    return this.#options.now ? this.#options.now() : performance.now();
  }
}
