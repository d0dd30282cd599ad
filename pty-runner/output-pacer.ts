/** When to send output: at once when it is sparse (an echo), in big frames when it floods. */

/** Timer functions, injectable so the pacing policy is tested without real time. */
export interface PacerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Tuning of the pacer. */
export interface PacerOptions {
  /** Output arriving when nothing was sent for this long goes out at once (ms). */
  sparseGapMs: number;
  /** While output keeps coming, send what accumulated at most this often (ms). */
  intervalMs: number;
  /** Send at once whenever this many bytes wait, without waiting for the interval. */
  frameBytes: number;
  /**
   * Output this small goes out at once even right after a send (fast typing echoes one key at a
   * time), up to `smallBurst` sends per interval; past that it is a stream and is coalesced.
   */
  smallBytes?: number;
  smallBurst?: number;
}

/**
 * Defaults: 5 ms tells a keystroke echo (sent at once) from a flood; an 8 ms interval makes a
 * flood of 20–48 MB/s travel in 64 KiB frames (the session object handles ~170 MB/s in 64 KiB
 * frames but only ~28 MB/s in 4 KiB ones, see PLATFORM-NOTES) while adding at most 8 ms of
 * latency to a stream.
 */
export const DEFAULT_PACER_OPTIONS: PacerOptions = {
  sparseGapMs: 5,
  intervalMs: 8,
  frameBytes: 64 * 1024,
  smallBytes: 1024,
  smallBurst: 8,
};

/** The system clock. */
export const SYSTEM_CLOCK: PacerClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Decides when the session flushes. The owner calls `notify(unsentBytes)` after each PTY read;
 * the pacer calls `flush(wholeFramesOnly)`, which sends slices and returns. `wholeFramesOnly`
 * asks to keep a partial tail for the next timer so floods never degrade into small frames.
 */
export class OutputPacer {
  readonly #flush: (wholeFramesOnly: boolean) => void;
  readonly #options: PacerOptions;
  readonly #clock: PacerClock;
  #lastSendAt = Number.NEGATIVE_INFINITY;
  #timer: unknown = null;
  #smallWindowStart = Number.NEGATIVE_INFINITY;
  #smallSends = 0;

  constructor(
    flush: (wholeFramesOnly: boolean) => void,
    options: PacerOptions = DEFAULT_PACER_OPTIONS,
    clock: PacerClock = SYSTEM_CLOCK,
  ) {
    this.#flush = flush;
    this.#options = options;
    this.#clock = clock;
  }

  /** Whether a flush is scheduled. */
  get pending(): boolean {
    return this.#timer !== null;
  }

  /** New output is waiting; `unsentBytes` is everything not sent yet. */
  notify(unsentBytes: number): void {
    if (unsentBytes <= 0) return;
    const now = this.#clock.now();
    if (this.#timer === null && now - this.#lastSendAt >= this.#options.sparseGapMs) {
      this.#send(false, now);
      return;
    }
    if (this.#timer === null && this.#takeSmallSend(unsentBytes, now)) {
      this.#send(false, now);
      return;
    }
    if (unsentBytes >= this.#options.frameBytes) {
      this.#send(true, now);
    }
    if (this.#timer === null) {
      const due = Math.max(1, this.#lastSendAt + this.#options.intervalMs - now);
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = null;
        this.#send(false, this.#clock.now());
      }, due);
    }
  }

  /** Sends everything now (a reconnect's resend, or the exit that must follow the last byte). */
  flushNow(): void {
    this.cancel();
    this.#send(false, this.#clock.now());
  }

  /** Drops a scheduled flush (the connection went away; the resend happens on the next welcome). */
  cancel(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  // Back-to-back keystroke echoes: each is tiny; sending them at once costs little, and
  // coalescing them would add up to `intervalMs` to every key typed quickly.
  #takeSmallSend(unsentBytes: number, now: number): boolean {
    const { smallBytes = 0, smallBurst = 0, intervalMs } = this.#options;
    if (unsentBytes > smallBytes) return false;
    if (now - this.#smallWindowStart >= intervalMs) {
      this.#smallWindowStart = now;
      this.#smallSends = 0;
    }
    if (this.#smallSends >= smallBurst) return false;
    this.#smallSends += 1;
    return true;
  }

  #send(wholeFramesOnly: boolean, now: number): void {
    this.#lastSendAt = now;
    this.#flush(wholeFramesOnly);
  }
}
