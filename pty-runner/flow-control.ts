/** Flow control: stop reading the PTY while too much output waits for the session's ack. */

/** Watermarks in bytes of unacked output. */
export interface Watermarks {
  /** Above this, stop reading the PTY: the program then blocks on its next write. */
  highBytes: number;
  /** Below this, read again. The gap avoids pausing and resuming on every PTY read. */
  lowBytes: number;
}

/**
 * Defaults: 256 KiB in flight (four 64 KiB frames). More does not go faster: the session object
 * handles one message at a time, and with 2 MiB queued on the runner's socket a viewer's acks
 * waited behind the flood for half a second, until the viewer fell out of the history and had to
 * resume (docs/benchmarks.md, finding 1). 100 flooding sessions stay near 25 MiB.
 */
export const DEFAULT_WATERMARKS: Watermarks = {
  highBytes: 256 * 1024,
  lowBytes: 64 * 1024,
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
