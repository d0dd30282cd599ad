/** When a session asks for keyframes: every N bytes (the worker does that), and once output goes quiet; a timer only decides when to ask, never where the keyframe is. */
// Why both: a keyframe every 1 MiB bounds what a joiner replays in a flood (and how far the
// session's history may be trimmed), but a program that prints a screenful and then waits (vim,
// less, htop between refreshes, a shell prompt) may never reach the next MiB; a keyframe taken
// once it has been quiet for a moment makes the joiner's tail tiny there. The offset of either
// comes from the worker, which cuts at the first point between sequences at or after the bytes
// written before the request.
import type { SessionKeyframes } from "./keyframe-workers.ts";

/** Options of the quiet-moment trigger. */
export interface QuietKeyframeOptions {
  /** Output must have been quiet this long (default 250 ms). */
  quietMs?: number;
  /** And at least this many bytes must have come since the newest keyframe (default 16 KiB). */
  minBytes?: number;
}

/**
 * Asks `session` for a keyframe when output has been quiet for `quietMs` and at least `minBytes`
 * came since the newest keyframe. Call `output()` after every `session.write`.
 */
export class QuietKeyframes {
  readonly #session: SessionKeyframes;
  readonly #quietMs: number;
  readonly #minBytes: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #asking = false;
  /** When output last came (performance.now()). */
  #lastOutputAt = 0;

  constructor(session: SessionKeyframes, options: QuietKeyframeOptions = {}) {
    this.#session = session;
    this.#quietMs = options.quietMs ?? 250;
    this.#minBytes = options.minBytes ?? 16 * 1024;
  }

  /**
   * Output just went to the session's keyframes: the quiet period starts again. Called for every
   * PTY read, so it only notes the time; the one timer re-arms itself until output has stopped
   * (a new timer per read cost the runner more than parsing a flood).
   */
  output(): void {
    this.#lastOutputAt = performance.now();
    if (this.#timer === null) this.#arm(this.#quietMs);
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const left = this.#lastOutputAt + this.#quietMs - performance.now();
      if (left > 0) this.#arm(left);
      else this.#quiet();
    }, ms);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #quiet(): void {
    const session = this.#session;
    const since = session.posted - (session.latest?.offset ?? 0);
    if (this.#asking || since < this.#minBytes || session.failure !== null) return;
    this.#asking = true;
    session.requestKeyframe().then(
      () => (this.#asking = false),
      () => (this.#asking = false),
    );
  }
}
