/**
 * Flow control between the connection and xterm. Output is queued here and handed to xterm only
 * while fewer than a high watermark of bytes wait inside xterm's parser; above it, feeding pauses
 * until xterm's write callbacks bring the backlog under the low watermark. Processed offsets are
 * reported so the connection acknowledges only what xterm has really parsed: a flood stops being
 * acknowledged, the session stops sending past its window, and the tab never freezes.
 */

/** The part of xterm the writer drives. */
export interface WriteTarget {
  write(data: Uint8Array, callback: () => void): void;
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

type Queued = { kind: "output"; entry: OutputEntry } | { kind: "action"; run: () => void };

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

  /** Bytes written to xterm and not parsed yet. */
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
      if (next.kind === "action") {
        if (this.#inFlight.length > 0) return; // Wait until the output before it is parsed.
        this.#queue.shift();
        next.run();
        continue;
      }
      this.#queue.shift();
      const { entry } = next;
      const bytes = entry.data.byteLength;
      this.#queuedBytes -= bytes;
      const flight: InFlight = { end: entry.offset + bytes, bytes, live: entry.live };
      this.#inFlight.push(flight);
      this.#inFlightBytes += bytes;
      if (this.#inFlightBytes >= this.#flow.highWatermarkBytes) this.#paused = true;
      this.#target.write(entry.data, () => this.#written(flight));
    }
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
