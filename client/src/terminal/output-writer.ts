/**
 * Flow control between the connection and xterm. Output is queued here and handed to xterm only
 * while fewer than a high watermark of bytes wait inside xterm's parser; above it, feeding pauses
 * until xterm's write callbacks bring the backlog under the low watermark. Processed offsets are
 * reported so the connection acknowledges only what xterm has really parsed: a flood stops being
 * acknowledged, the session stops sending past its window, and the tab never freezes. A keyframe
 * takes its place in the same queue, so output that came before it is written before the reset.
 * xterm gets output in whole UTF-8 characters (see protocol/utf8-whole.ts).
 */
import { Utf8Carry, wholeSlices } from "../../../protocol/utf8-whole.ts";

/** The part of xterm the writer drives. */
export interface WriteTarget {
  /** Output as bytes; a keyframe as a string (see KeyframeEntry). */
  write(data: Uint8Array | string, callback: () => void): void;
}

/** Watermarks, in bytes of output written to xterm and not yet parsed. */
export interface FlowOptions {
  highWatermarkBytes: number;
  lowWatermarkBytes: number;
}

/** xterm parses roughly 20–30 MB/s: 512 KiB is a few frames' work, never a visible stall. */
export const DEFAULT_FLOW: FlowOptions = {
  highWatermarkBytes: 512 * 1024,
  lowWatermarkBytes: 128 * 1024,
};

/** A chunk of output and where it ends, as the connection numbers bytes. */
export interface OutputEntry {
  offset: number;
  data: Uint8Array;
  /** Arrived after the session's `live` message. */
  live: boolean;
}

/**
 * A keyframe: `text` rebuilds the terminal's state after the first `offset` bytes of output. It
 * goes to xterm as a string, not bytes: xterm parses long writes in 128 Ki-unit slices, and its
 * UTF-8 decoder loses some characters cut at a slice boundary, while its string decoder keeps
 * surrogate pairs cut there.
 */
export interface KeyframeEntry {
  offset: number;
  text: string;
}

type Queued =
  | { kind: "output"; entry: OutputEntry }
  | { kind: "keyframe"; entry: KeyframeEntry; prepare: () => void }
  | { kind: "action"; run: () => void };

interface InFlight {
  end: number;
  bytes: number;
  live: boolean;
}

/** Feeds xterm with watermarks and reports processed offsets. */
export class OutputWriter {
  #target: WriteTarget;
  #onProcessed: (end: number) => void;
  #flow: FlowOptions;
  #queue: Queued[] = [];
  #queuedBytes = 0;
  #inFlight: InFlight[] = [];
  #inFlightBytes = 0;
  #carry = new Utf8Carry();
  /** The offset just past the bytes the carry holds. */
  #carryEnd = 0;
  #paused = false;
  #pumping = false;
  #pumpAgain = false;
  #disposed = false;

  constructor(
    target: WriteTarget,
    onProcessed: (end: number) => void,
    flow: Partial<FlowOptions> = {},
  ) {
    this.#target = target;
    this.#onProcessed = onProcessed;
    this.#flow = { ...DEFAULT_FLOW, ...flow };
  }

  /** Bytes written to xterm and not parsed yet (a keyframe counts its UTF-16 units). */
  get pendingBytes(): number {
    return this.#inFlightBytes;
  }

  /** Bytes waiting here because xterm is above its watermark. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Whether the chunk xterm is parsing right now arrived live (false when idle). */
  parsingLive(): boolean {
    return this.#inFlight[0]?.live ?? false;
  }

  /** Queues output for xterm. */
  push(entry: OutputEntry): void {
    if (this.#disposed || entry.data.byteLength === 0) return;
    this.#queue.push({ kind: "output", entry });
    this.#queuedBytes += entry.data.byteLength;
    this.#pump();
  }

  /**
   * Queues a keyframe: once every byte queued before it has been parsed, runs `prepare` (the
   * caller resets and resizes the terminal there), then writes the keyframe's text. Its processed
   * offset is `entry.offset`, the end of the output it stands for.
   */
  keyframe(entry: KeyframeEntry, prepare: () => void): void {
    if (this.#disposed) return;
    this.#queue.push({ kind: "keyframe", entry, prepare });
    this.#queuedBytes += entry.text.length;
    this.#pump();
  }

  /**
   * Runs `run` once every byte queued before it has been parsed; used for resizes, which must
   * apply between the output written before and after them.
   */
  afterOutput(run: () => void): void {
    if (this.#disposed) return;
    this.#queue.push({ kind: "action", run });
    this.#pump();
  }

  /** Drops the queue and ignores callbacks still to come. */
  dispose(): void {
    this.#disposed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #pump(): void {
    // xterm may parse synchronously inside write() and call back at once (it does right after
    // user input): a re-entrant call only asks the running loop for another round.
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#drain();
      } while (this.#pumpAgain && !this.#disposed);
    } finally {
      this.#pumping = false;
    }
  }

  #drain(): void {
    while (!this.#paused && !this.#disposed) {
      const next = this.#queue[0];
      if (!next) return;
      // Wait until the output before it is parsed.
      if (next.kind !== "output" && this.#inFlight.length > 0) return;
      this.#queue.shift();
      if (next.kind === "action") {
        next.run();
        continue;
      }
      if (next.kind === "keyframe") {
        const { entry } = next;
        this.#queuedBytes -= entry.text.length;
        // A character left unfinished before the keyframe is not finished by what follows it.
        this.#carry.clear();
        next.prepare();
        // Replayed, never live: queries rebuilt by a keyframe are not answered.
        this.#send(entry.text, entry.text.length, entry.offset, false);
        continue;
      }
      const { entry } = next;
      this.#queuedBytes -= entry.data.byteLength;
      // Output after a jump (history trimmed away) does not finish a character from before it.
      if (entry.offset !== this.#carryEnd) this.#carry.clear();
      this.#carryEnd = entry.offset + entry.data.byteLength;
      // Each piece's processed offset is its own end: held bytes are not parsed yet.
      let end = entry.offset - this.#carry.held;
      for (const piece of wholeSlices(this.#carry.take(entry.data))) {
        end += piece.byteLength;
        this.#send(piece, piece.byteLength, end, entry.live);
      }
    }
  }

  #send(data: Uint8Array | string, bytes: number, end: number, live: boolean): void {
    const flight: InFlight = { end, bytes, live };
    this.#inFlight.push(flight);
    this.#inFlightBytes += bytes;
    if (this.#inFlightBytes >= this.#flow.highWatermarkBytes) this.#paused = true;
    this.#target.write(data, () => this.#written(flight));
  }

  #written(flight: InFlight): void {
    if (this.#disposed) return;
    // xterm calls back in write order, so the finished chunk is the oldest one.
    if (this.#inFlight[0] === flight) this.#inFlight.shift();
    else this.#inFlight = this.#inFlight.filter((f) => f !== flight);
    this.#inFlightBytes -= flight.bytes;
    if (this.#paused && this.#inFlightBytes <= this.#flow.lowWatermarkBytes) this.#paused = false;
    this.#onProcessed(flight.end);
    this.#pump();
  }
}
