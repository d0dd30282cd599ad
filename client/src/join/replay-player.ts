/**
 * Plays a recording's events into a terminal with their timing: at 1×, 2×, … or as fast as the
 * terminal parses ("max"), paused and resumed where it stood. Timing logic only: the clock and the
 * terminal are passed in, so it is tested in Node with a fake clock and a headless xterm.
 */
import type { Recording, ReplayEvent } from "./asciicast-reader.ts";

/** The terminal a replay is written into. */
export interface ReplaySink {
  /** Writes output; `done` is called once the terminal has parsed it. */
  write(text: string, done: () => void): void;
  resize(cols: number, rows: number): void;
  /**
   * Text to write once every event has been parsed, before the replay ends (the exit marker,
   * which depends on where the last output left the cursor); "" for none.
   */
  epilogue?(): string;
}

/** Time for the player: a clock in milliseconds and a one-shot timer. */
export interface ReplayClock {
  now(): number;
  /** Runs `run` after `ms`; returns the function that cancels it. */
  after(ms: number, run: () => void): () => void;
}

/** The page's clock: `performance.now()` (monotonic) and `setTimeout`. */
export const SYSTEM_CLOCK: ReplayClock = {
  now: () => performance.now(),
  after: (ms, run) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/** A multiple of the recorded pace, or "max": each write as soon as the last one is parsed. */
export type ReplaySpeed = number | "max";

/** Where a player stands. */
export type ReplayState = "paused" | "playing" | "ended";

/** Options of a player; DEFAULT_REPLAY has the defaults. */
export interface ReplayOptions {
  speed: ReplaySpeed;
  clock: ReplayClock;
  /**
   * The most characters written at once. Output due together is joined into one write up to this
   * size, so a flood replayed at "max" reaches the terminal in pieces it parses one by one, and a
   * pause takes effect between them.
   */
  batchChars: number;
  /** Called when the state or the speed changes (the position moves on its own: read it). */
  onChange: () => void;
}

/** The defaults: 1×, the page's clock, 256 Ki characters a write. */
export const DEFAULT_REPLAY: ReplayOptions = {
  speed: 1,
  clock: SYSTEM_CLOCK,
  batchChars: 256 * 1024,
  onChange: () => {},
};

/**
 * One playback of one recording, from its start. It starts paused; `play()` starts it. The
 * position is recording time: at speed s it moves s seconds per second of the clock.
 */
export class ReplayPlayer {
  /** The recording's length in seconds (its last event's time). */
  readonly duration: number;
  readonly #events: ReplayEvent[];
  readonly #sink: ReplaySink;
  readonly #options: ReplayOptions;
  #speed: ReplaySpeed;
  #state: ReplayState = "paused";
  /** The next event to hand to the sink. */
  #next = 0;
  /** The position (s) at clock time #anchorAt; while playing at a pace, it runs on from there. */
  #anchor = 0;
  #anchorAt = 0;
  /** A write the sink has not parsed yet: nothing more goes out until it has. */
  #writing = false;
  #cancelTimer: (() => void) | null = null;
  #stepping = false;
  #stepAgain = false;
  #disposed = false;
  #epilogueWritten = false;

  constructor(recording: Recording, sink: ReplaySink, options: Partial<ReplayOptions> = {}) {
    this.#events = recording.events;
    this.duration = recording.duration;
    this.#sink = sink;
    this.#options = { ...DEFAULT_REPLAY, ...options };
    this.#speed = this.#options.speed;
  }

  get state(): ReplayState {
    return this.#state;
  }

  get speed(): ReplaySpeed {
    return this.#speed;
  }

  /** Seconds into the recording. At "max" it is the time of the last event handed out. */
  get position(): number {
    if (this.#state !== "playing" || this.#speed === "max") return this.#anchor;
    const elapsed = (this.#options.clock.now() - this.#anchorAt) / 1000;
    return Math.min(this.duration, this.#anchor + elapsed * this.#speed);
  }

  /** Starts or resumes playing from the position; does nothing once ended. */
  play(): void {
    if (this.#disposed || this.#state !== "paused") return;
    this.#anchorAt = this.#options.clock.now();
    this.#state = "playing";
    this.#options.onChange();
    this.#step();
  }

  /** Stops the position where it is; a write already handed out still lands. */
  pause(): void {
    if (this.#state !== "playing") return;
    this.#anchor = this.position;
    this.#state = "paused";
    this.#cancel();
    this.#options.onChange();
  }

  /** Plays on from the current position at `speed`. */
  setSpeed(speed: ReplaySpeed): void {
    if (speed !== "max" && !(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
    this.#anchor = this.position;
    this.#anchorAt = this.#options.clock.now();
    this.#speed = speed;
    this.#cancel();
    this.#options.onChange();
    this.#step();
  }

  /** Stops for good: no timer, no write and no callback after it. */
  dispose(): void {
    this.#disposed = true;
    this.#cancel();
  }

  // The sink may call back inside write() (xterm parses small writes at once after input): a
  // re-entrant call only asks the running loop for another round, so the stack stays flat.
  #step(): void {
    if (this.#stepping) {
      this.#stepAgain = true;
      return;
    }
    this.#stepping = true;
    try {
      do {
        this.#stepAgain = false;
        this.#advance();
      } while (this.#stepAgain);
    } finally {
      this.#stepping = false;
    }
  }

  // Hands the sink everything due by now, then waits: for the write to be parsed, or until the
  // next event is due.
  #advance(): void {
    this.#cancel();
    if (this.#disposed || this.#state !== "playing" || this.#writing) return;
    const max = this.#speed === "max";
    const due = max ? Infinity : this.position;
    let text = "";
    while (this.#next < this.#events.length) {
      const event = this.#events[this.#next]!;
      if (event.time > due) break;
      if (event.kind === "resize") {
        // Output before a resize is parsed at the old size: it goes out, and is parsed, first.
        if (text !== "") break;
        this.#sink.resize(event.cols, event.rows);
      } else {
        if (text !== "" && text.length + event.text.length > this.#options.batchChars) break;
        text += event.text;
      }
      this.#next++;
      if (max) this.#anchor = event.time;
    }
    if (text !== "") {
      this.#writing = true;
      this.#sink.write(text, () => {
        this.#writing = false;
        if (!this.#disposed) this.#step();
      });
      return;
    }
    const next = this.#events[this.#next];
    if (!next) {
      const epilogue = this.#epilogueWritten ? "" : (this.#sink.epilogue?.() ?? "");
      this.#epilogueWritten = true;
      if (epilogue === "") return this.#end();
      this.#writing = true;
      this.#sink.write(epilogue, () => {
        this.#writing = false;
        if (!this.#disposed) this.#step();
      });
      return;
    }
    const waitMs = ((next.time - due) / (this.#speed as number)) * 1000;
    this.#cancelTimer = this.#options.clock.after(Math.max(0, waitMs), () => {
      this.#cancelTimer = null;
      this.#step();
    });
  }

  #end(): void {
    this.#anchor = this.duration;
    this.#state = "ended";
    this.#options.onChange();
  }

  #cancel(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
  }
}
