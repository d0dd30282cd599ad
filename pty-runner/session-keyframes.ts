/** One session's keyframes on the wire: feeds the keyframe engine its output and resizes, asks for keyframes at quiet moments and after resizes, and sends each one once the output before it is sent. */
// Why the session object gets keyframes only after the output before them: it keeps a keyframe
// only if its offset is inside the history it stored (a joiner gets keyframe + the contiguous
// tail), and one connection delivers in order, so "sent after its bytes" means "stored before it
// arrives". The newest keyframe is sent again on every new connection; the session ignores one it
// already has.
import { MAX_KEYFRAME_INTERVAL_BYTES, encodeKeyframeFrame } from "../protocol/index.ts";
// Imported file by file: the index also exports the tracker, which would pull xterm into the
// runner's main bundle (it runs only in the worker thread).
import type { Keyframe } from "./keyframes/keyframe.ts";
import { QuietKeyframes } from "./keyframes/keyframe-policy.ts";
import type { SessionKeyframes } from "./keyframes/keyframe-workers.ts";
import type { OnceLogger } from "./log.ts";

/**
 * Bytes posted to the worker and not yet parsed above which the PTY is paused, and below which it
 * reads again: a flood faster than the worker parses slows the shell (as flow control does)
 * instead of growing the worker's queue until keyframes are given up for the session.
 */
export const KEYFRAME_BACKLOG_WATERMARKS = { high: 4 * 1024 * 1024, low: 1024 * 1024 };

/**
 * The brake's high watermark for a session whose keyframe interval is `everyBytes`: at most 4
 * intervals, so the newest keyframe never falls further behind the output than the session's
 * history keeps behind it (4 × its cap; the interval is a quarter of the cap).
 */
export function brakeHighFor(everyBytes: number): number {
  return Math.min(KEYFRAME_BACKLOG_WATERMARKS.high, 4 * everyBytes);
}

/** A keyframe is asked for once the terminal has kept its size this long (ms) after a resize. */
export const RESIZE_SETTLE_MS = 100;

/** Pauses and resumes the PTY for the feed (the session combines it with flow control). */
export interface KeyframeBrake {
  pause(): void;
  resume(): void;
}

/** What the feed needs from the session's connection. */
export interface KeyframeLink {
  /** Offset one past the last output byte sent on the current connection; null when not live. */
  sentEnd(): number | null;
  /** Sends one KEYFRAME frame; false when the connection is gone. */
  send(frame: Uint8Array<ArrayBuffer>): boolean;
}

const encoder = new TextEncoder();

export class SessionKeyframeFeed {
  readonly #engine: SessionKeyframes;
  readonly #quiet: QuietKeyframes;
  readonly #link: KeyframeLink;
  /** The newest keyframe not yet sent on the current connection. */
  #pending: Keyframe | null = null;
  #closed = false;
  readonly #unsubscribe: (() => void)[];
  readonly #brake: KeyframeBrake;
  #braking = false;
  #brakeHigh = KEYFRAME_BACKLOG_WATERMARKS.high;
  readonly #sessionId: string;
  readonly #once: OnceLogger;

  constructor(
    engine: SessionKeyframes,
    link: KeyframeLink,
    brake: KeyframeBrake,
    sessionId: string,
    once: OnceLogger,
  ) {
    this.#engine = engine;
    this.#link = link;
    this.#brake = brake;
    this.#sessionId = sessionId;
    this.#once = once;
    this.#quiet = new QuietKeyframes(engine);
    this.#unsubscribe = [
      engine.onKeyframe((keyframe) => {
        // Same offset, newer state: a resize changes the terminal without output.
        if (this.#pending === null || keyframe.offset >= this.#pending.offset) {
          this.#pending = keyframe;
        }
        this.trySend();
      }),
      engine.onProgress(() => this.#release()),
      engine.onOversized((offset) =>
        once.warn(
          "keyframe-size",
          `session ${sessionId}: the terminal's state at ${offset} is too big for a keyframe even without scrollback; late joiners may replay from the middle of the output`,
        ),
      ),
    ];
  }

  /** New output from the PTY, in order. */
  output(bytes: Uint8Array): void {
    this.#engine.write(bytes);
    this.#quiet.output();
    if (!this.#braking && this.#engine.backlog > this.#brakeHigh) {
      this.#braking = true;
      this.#brake.pause();
    }
  }

  /** Whether the PTY is paused until the worker catches up. */
  get braking(): boolean {
    return this.#braking;
  }

  #release(): void {
    const failure = this.#engine.failure;
    const stopped = failure !== null;
    if (failure !== null && !this.#closed) {
      this.#once.warn(
        "keyframes-stopped",
        `session ${this.#sessionId}: keyframes stopped at ${failure.offset} (${failure.error}); late joiners after trimming will replay from the middle of the output`,
      );
    }
    if (this.#braking && (stopped || this.#engine.backlog < this.#brakeHigh / 4)) {
      this.#braking = false;
      this.#brake.resume();
    }
  }

  /**
   * The PTY was resized after the output so far: a keyframe once the resizes stop makes the
   * joiner's tail (written at the session's current size) start after the last one. A window
   * dragged by its corner resizes hundreds of times a second; a keyframe for each (tens of
   * milliseconds of the worker, and a row rewritten by the session object) slowed everything.
   */
  resized(cols: number, rows: number): void {
    this.#engine.resize(cols, rows);
    if (this.#resizeTimer !== null) clearTimeout(this.#resizeTimer);
    this.#resizeTimer = setTimeout(() => {
      this.#resizeTimer = null;
      this.#engine.requestKeyframe().catch(() => {
        // Stopped (or too big): the engine has said why already.
      });
    }, RESIZE_SETTLE_MS);
    this.#resizeTimer.unref();
  }

  #resizeTimer: ReturnType<typeof setTimeout> | null = null;

  /** A connection was welcomed; `everyBytes` is the interval its session object asked for. */
  welcomed(everyBytes: number | undefined): void {
    // At least 4 KiB between keyframes whatever the edge asks: a keyframe costs milliseconds.
    if (everyBytes !== undefined) {
      const interval = Math.min(MAX_KEYFRAME_INTERVAL_BYTES, Math.max(4096, everyBytes));
      this.#engine.setInterval(interval);
      this.#brakeHigh = brakeHighFor(interval);
    }
    const latest = this.#engine.latest;
    if (latest !== null && (this.#pending === null || latest.offset > this.#pending.offset)) {
      this.#pending = latest;
    }
    this.trySend();
  }

  /** Sends the pending keyframe if the output before it has been sent. */
  trySend(): void {
    const keyframe = this.#pending;
    if (keyframe === null) return;
    const sent = this.#link.sentEnd();
    if (sent === null || sent < keyframe.offset) return;
    const data = encoder.encode(keyframe.data);
    if (this.#link.send(encodeKeyframeFrame(keyframe.offset, keyframe.cols, keyframe.rows, data))) {
      this.#pending = null;
    }
  }

  /** The session is over. */
  close(): void {
    this.#closed = true;
    if (this.#resizeTimer !== null) clearTimeout(this.#resizeTimer);
    this.#quiet.stop();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#engine.close();
    this.#release();
  }
}
