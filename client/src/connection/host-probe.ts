/**
 * Round trips to the shell's host: `host-ping`s go through the session to the runner and come
 * back as `host-pong`s with the same id. Unlike the edge heartbeat (latency-probe.ts), an answer
 * proves the runner is alive and has every key sent before the ping; pings left unanswered for
 * several intervals are the fact "Host not responding" rests on.
 */

/** How often to ping the host, and after how many intervals without an answer it counts as silent. */
export interface HostProbeTiming {
  /** Milliseconds between pings. */
  intervalMs: number;
  /** Intervals an unanswered ping may wait before the host counts as not responding. */
  silentAfterProbes: number;
}

/** Pings every 2 s; a ping unanswered for 6 s means the host is not responding. */
export const DEFAULT_HOST_PROBE: HostProbeTiming = { intervalMs: 2_000, silentAfterProbes: 3 };

/** Options of a HostProbe. */
export interface HostProbeOptions extends HostProbeTiming {
  /** Sends one `host-ping` with `id`; false when the socket could not take it. */
  send: (id: number) => boolean;
  /** The host answered ping `id` after `ms` milliseconds. */
  onRoundTrip: (ms: number) => void;
  /** The session answered for a host that is not connected: no round trip to show. */
  onNoHost: () => void;
  /** Whether the oldest unanswered ping has waited past the limit; called when that changes. */
  onSilent: (silent: boolean) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/** Pings pending at most; answers come in order, so older ones are forgotten first. */
const MAX_PENDING = 64;

/** Pings the host on an open socket and measures the answers. */
export class HostProbe {
  #options: HostProbeOptions;
  #timer: ReturnType<typeof setInterval> | null = null;
  #nextId = 1;
  /** Ping id -> when it was sent, oldest first. */
  #pending = new Map<number, number>();
  #silent = false;

  constructor(options: HostProbeOptions) {
    this.#options = options;
  }

  /** Pings at once, then every interval, until stop(). */
  start(): void {
    this.stop();
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
  }

  /** Stops pinging and forgets the pings in flight (their socket is gone). */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#pending.clear();
    this.#setSilent(false);
  }

  /** A `host-pong` arrived. The runner answers in order: every earlier ping is settled too. */
  pong(id: number, from: "host" | "session"): void {
    const sentAt = this.#pending.get(id);
    if (sentAt === undefined) return;
    for (const pending of [...this.#pending.keys()]) {
      this.#pending.delete(pending);
      if (pending === id) break;
    }
    this.#setSilent(this.#oldestWaitedTooLong());
    if (from === "host") this.#options.onRoundTrip(this.#now() - sentAt);
    else this.#options.onNoHost();
  }

  #tick(): void {
    this.#setSilent(this.#oldestWaitedTooLong());
    const id = this.#nextId++;
    if (!this.#options.send(id)) return;
    this.#pending.set(id, this.#now());
    if (this.#pending.size > MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value!);
  }

  #oldestWaitedTooLong(): boolean {
    const oldest = this.#pending.values().next();
    if (oldest.done) return false;
    const limit = this.#options.intervalMs * this.#options.silentAfterProbes;
    return this.#now() - oldest.value >= limit;
  }

  #setSilent(silent: boolean): void {
    if (silent === this.#silent) return;
    this.#silent = silent;
    this.#options.onSilent(silent);
  }

  #now(): number {
    return this.#options.now ? this.#options.now() : performance.now();
  }
}
