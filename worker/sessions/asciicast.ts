/**
 * A session's output as an asciicast v2 recording (https://docs.asciinema.org/manual/asciicast/v2/):
 * a header line, then one `[seconds, "o", text]` event per stored write and `[seconds, "r",
 * "COLSxROWS"]` per resize, built page by page from what the session object stores.
 */
import type { TerminalSize } from "../../protocol/index.ts";

/** One resize: the size from output offset `offset` on, set at `at` (ms). */
export interface Resize {
  offset: number;
  at: number;
  cols: number;
  rows: number;
}

/** One page of stored output with its times and the resizes among it (the session's RPC answer). */
export interface RecordingPage {
  ok: true;
  /** When the session was created (ms): time 0 of the recording and the header's timestamp. */
  createdAt: number;
  /** The terminal's size at `start`. */
  size: TerminalSize;
  /** First offset of the page (later than asked when the history was trimmed meanwhile). */
  start: number;
  /** One past the page's last byte. */
  end: number;
  /** The history's end when the page was read. */
  historyEnd: number;
  /**
   * Stored chunks covering [start, end) with their ChunkTimes (plain arrays once they crossed
   * RPC); `times` is null for rows stored before chunks had times.
   */
  chunks: { start: number; data: Uint8Array; times: number[][] | null }[];
  /** Resizes at offsets in [start, end). */
  resizes: Resize[];
}

/** Turns pages, in order, into asciicast lines. UTF-8 split across writes is carried to the next. */
export class AsciicastWriter {
  readonly #createdAt: number;
  readonly #decoder = new TextDecoder();
  /** The last event's time (s): events never go back in time. */
  #last = 0;
  /** The time of the bytes being written (ms), for chunks stored without times. */
  #at: number;

  constructor(createdAt: number) {
    this.#createdAt = createdAt;
    this.#at = createdAt;
  }

  /** The header line: the size at the recording's start, and when the session was created. */
  header(size: TerminalSize): string {
    return JSON.stringify({
      version: 2,
      width: size.cols,
      height: size.rows,
      timestamp: Math.floor(this.#createdAt / 1000),
      env: { TERM: "xterm-256color" },
    });
  }

  /** The event lines of one page. */
  page(page: RecordingPage): string[] {
    const lines: string[] = [];
    const resizes = [...page.resizes];
    for (const chunk of page.chunks) {
      // Cut points: where the chunk's times change, and where a resize falls.
      const times = chunk.times ?? [];
      const cuts = new Set<number>([0, chunk.data.byteLength]);
      for (const [offset] of times) cuts.add(Math.min(offset!, chunk.data.byteLength));
      for (const resize of resizes) {
        const at = resize.offset - chunk.start;
        if (at > 0 && at < chunk.data.byteLength) cuts.add(at);
      }
      const points = [...cuts].sort((a, b) => a - b);
      let t = 0;
      for (let i = 0; i + 1 < points.length; i++) {
        const from = points[i]!;
        while (resizes.length > 0 && resizes[0]!.offset <= chunk.start + from) {
          lines.push(this.#resize(resizes.shift()!));
        }
        while (t < times.length && times[t]![0]! <= from) this.#at = times[t++]![1]!;
        const text = this.#decoder.decode(chunk.data.subarray(from, points[i + 1]), {
          stream: true,
        });
        if (text !== "") lines.push(this.#event("o", text));
      }
    }
    for (const resize of resizes) lines.push(this.#resize(resize));
    return lines;
  }

  /** What the decoder still holds (a character cut at the very end), as a last event. */
  finish(): string[] {
    const text = this.#decoder.decode();
    return text === "" ? [] : [this.#event("o", text)];
  }

  #resize(resize: Resize): string {
    this.#at = Math.max(this.#at, resize.at);
    return this.#event("r", `${resize.cols}x${resize.rows}`);
  }

  #event(kind: "o" | "r", data: string): string {
    const seconds = Math.max(this.#last, Math.round(this.#at - this.#createdAt) / 1000);
    this.#last = seconds;
    return JSON.stringify([seconds, kind, data]);
  }
}
