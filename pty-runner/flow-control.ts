/** Flow control: stop reading the PTY while too much output waits for the session's ack. */

/** Watermarks in bytes of unacked output. */
export interface Watermarks {
  /** Above this, stop reading the PTY: the program then blocks on its next write. */
  highBytes: number;
  /** Below this, read again. The gap avoids pausing and resuming on every PTY read. */
  lowBytes: number;
}

/**
 * Defaults: 2 MiB in flight covers about 50 ms of a 40 MB/s flood, enough to keep the link to
 * the session busy, while 100 flooding sessions still stay near 200 MiB in the worst case.
 */
export const DEFAULT_WATERMARKS: Watermarks = {
  highBytes: 2 * 1024 * 1024,
  lowBytes: 512 * 1024,
};

/** What the owner must do to the PTY after a change in unacked bytes. */
export type FlowAction = "pause" | "resume" | null;

/**
 * Hysteresis between the watermarks. Pausing the PTY is the only thing that bounds memory when
 * the session stores slower than the program writes (or the connection is down): the kernel's
 * PTY buffer fills and the program's write() blocks. Input still flows while paused, so Ctrl-C
 * reaches the program at once.
 */
export class FlowControl {
  readonly #marks: Watermarks;
  #paused = false;

  constructor(marks: Watermarks = DEFAULT_WATERMARKS) {
    if (!(marks.lowBytes < marks.highBytes)) throw new RangeError("low watermark must be < high");
    this.#marks = marks;
  }

  /** Whether the PTY should currently be paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Call after every append or ack with the unacked byte count. */
  update(unackedBytes: number): FlowAction {
    if (!this.#paused && unackedBytes > this.#marks.highBytes) {
      this.#paused = true;
      return "pause";
    }
    if (this.#paused && unackedBytes < this.#marks.lowBytes) {
      this.#paused = false;
      return "resume";
    }
    return null;
  }
}
