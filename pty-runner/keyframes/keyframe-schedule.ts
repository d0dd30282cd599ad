/** One session's tracker and when it takes keyframes: on request, and on its own every N bytes (spaced out in floods), always at the first boundary at or after the point asked for. */
// Kept apart from the worker's message loop so the decisions can be read (and run) on their own.
import type { Keyframe } from "./keyframe.ts";
import { TerminalStateTracker } from "./terminal-state-tracker.ts";

/** What a schedule tells its owner. */
export interface ScheduleEvents {
  /** A keyframe, answering the requests `ids` (empty: taken on its own). */
  keyframe(keyframe: Keyframe, ids: number[], serializeMs: number): void;
  /** The keyframe at `offset` would exceed `maxBytes` even without scrollback: none was taken. */
  oversized(offset: number, ids: number[]): void;
  /** xterm threw at `offset`; no keyframes from here on. Called once. */
  failed(offset: number, error: string): void;
}

/** Options of a schedule. */
export interface ScheduleOptions {
  cols: number;
  rows: number;
  scrollback: number;
  /** A keyframe on its own after this many bytes since the last one (0: only on request). */
  everyBytes: number;
  /** Largest keyframe (UTF-8 bytes); scrollback lines are dropped to fit. */
  maxBytes: number;
  /**
   * Least time between keyframes taken on their own (ms), unless 4 intervals of output passed;
   * default: 20 times the last keyframe's serializing time, at least 100 ms. 0: every interval.
   */
  minAutoGapMs?: number;
  /** The clock the spacing reads (tests give their own). Default: performance.now. */
  now?: () => number;
}

/**
 * In a flood, a keyframe every interval would cost more than parsing (a keyframe with its
 * scrollback takes tens of milliseconds; the flood skip makes parsing a flood almost free), so
 * keyframes taken on their own are spaced to about 5% of the worker's time; a timer only decides
 * how far back the newest keyframe may lie, never what it holds. Past 4 intervals one is taken
 * anyway, so the session's history, which is kept from the newest keyframe on, stays bounded.
 */
const AUTO_DUTY_FACTOR = 20;
const MIN_AUTO_GAP_MS = 100;
const FORCED_AFTER_INTERVALS = 4;

export class KeyframeSchedule {
  readonly #tracker: TerminalStateTracker;
  readonly #events: ScheduleEvents;
  #everyBytes: number;
  readonly #maxBytes: number;
  /** Offset of the last keyframe taken (or skipped as too big). */
  #lastOffset = 0;
  /** Requests waiting for the next boundary. */
  #waiting: number[] = [];
  #autoWanted = false;
  #nextAuto: number;
  #failedReported = false;
  readonly #minAutoGapMs: number | undefined;
  readonly #now: () => number;
  #lastTakenAt = Number.NEGATIVE_INFINITY;
  #lastSerializeMs = 0;
  /** Milliseconds spent parsing and taking keyframes. */
  busyMs = 0;

  constructor(options: ScheduleOptions, events: ScheduleEvents) {
    this.#tracker = new TerminalStateTracker(options);
    this.#events = events;
    this.#everyBytes = options.everyBytes;
    this.#maxBytes = options.maxBytes;
    this.#minAutoGapMs = options.minAutoGapMs;
    this.#now = options.now ?? (() => performance.now());
    this.#nextAuto = options.everyBytes > 0 ? options.everyBytes : Number.POSITIVE_INFINITY;
  }

  /** Bytes parsed so far. */
  get offset(): number {
    return this.#tracker.offset;
  }

  /** The next output bytes. */
  output(bytes: Uint8Array): void {
    const t0 = performance.now();
    let rest = bytes;
    while (rest.length > 0 && !this.#checkFailure()) {
      if (this.#waiting.length > 0 || this.#autoWanted) {
        const used = this.#tracker.writeToBoundary(rest);
        rest = rest.subarray(used);
        if (this.#tracker.atBoundary) this.#take();
        continue;
      }
      // Parse up to the next automatic keyframe, then look for its boundary.
      const untilAuto = Math.max(0, this.#nextAuto - this.#tracker.offset);
      if (untilAuto <= rest.length) {
        this.#tracker.write(rest.subarray(0, untilAuto));
        rest = rest.subarray(untilAuto);
        if (this.#autoDue()) {
          this.#autoWanted = true;
          if (this.#tracker.atBoundary) this.#take();
        } else {
          this.#nextAuto += this.#everyBytes;
        }
      } else {
        this.#tracker.write(rest);
        rest = rest.subarray(rest.length);
      }
    }
    this.busyMs += performance.now() - t0;
  }

  /** The terminal was resized after the bytes so far. */
  resize(cols: number, rows: number): void {
    this.#tracker.resize(cols, rows);
    this.#checkFailure();
  }

  /** From now on, a keyframe on its own every `everyBytes` bytes after the last one (0: never). */
  setInterval(everyBytes: number): void {
    this.#everyBytes = everyBytes;
    this.#nextAuto = everyBytes > 0 ? this.#lastOffset + everyBytes : Number.POSITIVE_INFINITY;
  }

  /** Request `id`: answered at the first boundary at or after the bytes so far (now, usually). */
  request(id: number): void {
    if (this.#checkFailure()) return;
    this.#waiting.push(id);
    if (this.#tracker.atBoundary) this.#take();
  }

  dispose(): void {
    this.#tracker.dispose();
  }

  /** Whether the keyframe due on its own now is taken, or put off to the next interval. */
  #autoDue(): boolean {
    const since = this.#tracker.offset - this.#lastOffset;
    if (since >= FORCED_AFTER_INTERVALS * this.#everyBytes) return true;
    const gap =
      this.#minAutoGapMs ?? Math.max(MIN_AUTO_GAP_MS, AUTO_DUTY_FACTOR * this.#lastSerializeMs);
    return this.#now() - this.#lastTakenAt >= gap;
  }

  #take(): void {
    const t0 = this.#now();
    const keyframe = this.#tracker.keyframeWithin(this.#maxBytes);
    const serializeMs = this.#now() - t0;
    this.#lastTakenAt = this.#now();
    this.#lastSerializeMs = serializeMs;
    const ids = this.#waiting;
    this.#waiting = [];
    this.#autoWanted = false;
    this.#lastOffset = this.#tracker.offset;
    if (this.#everyBytes > 0) this.#nextAuto = this.#lastOffset + this.#everyBytes;
    if (keyframe === null) this.#events.oversized(this.#lastOffset, ids);
    else this.#events.keyframe(keyframe, ids, serializeMs);
  }

  #checkFailure(): boolean {
    const failure = this.#tracker.failure;
    if (failure === null) return false;
    if (!this.#failedReported) {
      this.#failedReported = true;
      this.#events.failed(failure.offset, failure.error);
    }
    return true;
  }
}
