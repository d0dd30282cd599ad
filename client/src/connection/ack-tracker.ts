/**
 * When to send `ack`: every VIEWER_ACK_INTERVAL_BYTES of output the terminal has processed, and
 * never an offset the session would refuse (below its last ack, or beyond what this socket sent).
 */
import { VIEWER_ACK_INTERVAL_BYTES } from "../../../protocol/index.ts";

/** Tracks processed output and the acknowledgements owed for it on the current socket. */
export class AckTracker {
  #interval: number;
  #processed = 0;
  #serverSent = 0;
  #lastAck = 0;
  #open = false;

  constructor(intervalBytes = VIEWER_ACK_INTERVAL_BYTES) {
    this.#interval = intervalBytes;
  }

  /** A new socket was welcomed; the session counts acks from its replay start. */
  welcome(replayFrom: number): void {
    this.#open = true;
    this.#serverSent = replayFrom;
    this.#lastAck = replayFrom;
  }

  /** The socket closed: nothing is owed until the next welcome. */
  closed(): void {
    this.#open = false;
  }

  /** The session sent output up to `end` on this socket (duplicates included). */
  sent(end: number): void {
    if (end > this.#serverSent) this.#serverSent = end;
  }

  /** The terminal processed output up to `end`. Returns the offset to acknowledge now, or null. */
  processed(end: number): number | null {
    if (end > this.#processed) this.#processed = end;
    if (!this.#open) return null;
    const offset = Math.min(this.#processed, this.#serverSent);
    return offset - this.#lastAck >= this.#interval ? offset : null;
  }

  /** The ack for `offset` went out. */
  acked(offset: number): void {
    this.#lastAck = offset;
  }
}
