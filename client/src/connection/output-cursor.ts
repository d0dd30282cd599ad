/**
 * Where a viewer stands in the session's output stream. Output frames carry the absolute offset
 * of their first byte; the cursor keeps the end of what was accepted, drops what it already has
 * (a resumed replay may overlap) and refuses a frame that would leave a hole, unless the session
 * said beforehand that the bytes in between were trimmed from its history. A keyframe moves it
 * to the keyframe's offset: the keyframe stands for every byte before it.
 */

/** What to do with one output frame. */
export type FrameVerdict =
  /** New bytes: hand `data` (the part after the old end) to the terminal. `skipped` bytes were trimmed away. */
  | { kind: "append"; offset: number; data: Uint8Array; skipped: number }
  /** Every byte was already accepted. */
  | { kind: "duplicate" }
  /** The frame starts after the end and no trim was announced: bytes are missing. */
  | { kind: "gap"; expected: number; offset: number };

/** Tracks the end offset of the output accepted so far. */
export class OutputCursor {
  #end: number;
  #gapAllowedTo: number | null = null;

  constructor(end = 0) {
    this.#end = end;
  }

  /** The absolute offset just past the last accepted byte: where a resume starts. */
  get end(): number {
    return this.#end;
  }

  /**
   * After `history-trimmed { start }` the next frame may begin as late as `start`; the bytes
   * before it are gone for good. `null` withdraws the allowance (a new connection starts clean).
   */
  allowGapTo(start: number | null): void {
    this.#gapAllowedTo = start;
  }

  /**
   * A keyframe rebuilt the terminal's state after the first `offset` bytes: output continues from
   * `offset`, whatever was accepted before (the terminal was reset, so the old end means nothing).
   */
  restartAt(offset: number): void {
    this.#end = offset;
    this.#gapAllowedTo = null;
  }

  /** Judges a frame whose first byte is at `offset`. */
  accept(offset: number, data: Uint8Array): FrameVerdict {
    const frameEnd = offset + data.byteLength;
    if (offset > this.#end) {
      if (this.#gapAllowedTo === null || offset > this.#gapAllowedTo) {
        return { kind: "gap", expected: this.#end, offset };
      }
      const skipped = offset - this.#end;
      this.#end = frameEnd;
      this.#gapAllowedTo = null;
      return { kind: "append", offset, data, skipped };
    }
    if (frameEnd <= this.#end) return { kind: "duplicate" };
    const at = this.#end;
    this.#end = frameEnd;
    this.#gapAllowedTo = null;
    return { kind: "append", offset: at, data: data.subarray(at - offset), skipped: 0 };
  }
}
