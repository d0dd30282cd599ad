/** One session's output on its way to the session object: offsets, pacing, flow control, frames. */
import { encodeOutputFrame } from "../protocol/index.ts";
import { FlowControl } from "./flow-control.ts";
import type { Watermarks } from "./flow-control.ts";
import { OutputBuffer } from "./output-buffer.ts";
import type { ResumeResult } from "./output-buffer.ts";
import { OutputPacer } from "./output-pacer.ts";
import type { PacerOptions } from "./output-pacer.ts";

/** What the channel drives: the connection it sends on and the PTY it slows down. */
export interface OutputChannelPeer {
  /** Sends one OUTPUT frame; false when the connection is gone. */
  sendFrame(frame: Uint8Array<ArrayBuffer>): boolean;
  /** Stop / restart reading the PTY. */
  pausePty(): void;
  resumePty(): void;
  /** Called after each flush, when everything sendable was sent (the exit may follow). */
  afterFlush(): void;
}

/**
 * Combines OutputBuffer (what is owed), OutputPacer (when to send) and FlowControl (how much may
 * be owed). It sends only while `live`: between the session's `welcome` (which says where its
 * stored output ends) and the connection's end. Output produced meanwhile waits, bounded by the
 * watermarks.
 */
export class OutputChannel {
  readonly #buffer = new OutputBuffer();
  readonly #flow: FlowControl;
  readonly #pacer: OutputPacer;
  readonly #peer: OutputChannelPeer;
  readonly #frameBytes: number;
  #live = false;

  constructor(options: { pacer: PacerOptions; watermarks: Watermarks }, peer: OutputChannelPeer) {
    this.#peer = peer;
    this.#flow = new FlowControl(options.watermarks);
    this.#frameBytes = options.pacer.frameBytes;
    this.#pacer = new OutputPacer((whole) => this.#flush(whole), options.pacer);
  }

  /** Whether frames are being sent (welcomed on an open connection). */
  get live(): boolean {
    return this.#live;
  }

  /** Total bytes produced: the offset an exit report carries. */
  get end(): number {
    return this.#buffer.end;
  }

  /** Offset one past the last byte sent on the current connection; null while not live. */
  get sentEnd(): number | null {
    return this.#live ? this.#buffer.sendFrom : null;
  }

  /** Bytes produced but not sent on the current connection. */
  get unsentBytes(): number {
    return this.#buffer.unsentBytes;
  }

  /** Counters for stats. */
  get counters(): { unackedBytes: number; highWaterMark: number; paused: boolean } {
    return {
      unackedBytes: this.#buffer.unackedBytes,
      highWaterMark: this.#buffer.highWaterMark,
      paused: this.#flow.paused,
    };
  }

  /** New bytes from the PTY. */
  append(bytes: Uint8Array): void {
    this.#buffer.append(bytes);
    this.#applyFlow();
    if (this.#live) this.#pacer.notify(this.#buffer.unsentBytes);
  }

  /** A connection was welcomed: drop what the session stored, resend the rest now. */
  start(storedEnd: number): ResumeResult {
    const result = this.#buffer.resumeFrom(storedEnd);
    this.#live = true;
    this.#applyFlow();
    this.#pacer.flushNow();
    return result;
  }

  /** The connection is gone (or not yet welcomed): hold output until the next `start`. */
  halt(): void {
    this.#live = false;
    this.#pacer.cancel();
  }

  /** The session stored everything before `offset`; false if it claims more than was sent. */
  ack(offset: number): boolean {
    const ok = this.#buffer.ack(offset);
    this.#applyFlow();
    return ok;
  }

  /** Sends everything now (the exit must follow the last byte). */
  flushNow(): void {
    if (this.#live) this.#pacer.flushNow();
  }

  #applyFlow(): void {
    const action = this.#flow.update(this.#buffer.unackedBytes);
    if (action === "pause") this.#peer.pausePty();
    else if (action === "resume") this.#peer.resumePty();
  }

  #flush(wholeFramesOnly: boolean): void {
    while (this.#live) {
      if (wholeFramesOnly && this.#buffer.unsentBytes < this.#frameBytes) return;
      const slice = this.#buffer.takeSlice(this.#frameBytes);
      if (!slice) break;
      // A failed send needs no undo: the next welcome rewinds to what the session stored.
      if (!this.#peer.sendFrame(encodeOutputFrame(slice.offset, slice.data))) this.halt();
    }
    if (this.#live) this.#peer.afterFlush();
  }
}
