/** Follows a session's output in a headless xterm, byte for byte and resize for resize, and takes keyframes at exact offsets. */
// Synchronous on purpose: `write` parses before it returns (xterm's writeSync, not its timer-driven
// write queue), so after writing bytes [0, K) the state is exactly that of [0, K) and a keyframe
// taken then is at offset K, whatever the timing. Run it where a slow parse cannot hold up the PTY:
// keyframe-worker.ts puts it in a worker thread.
import { type Keyframe, KEYFRAME_SCROLLBACK_LINES } from "./keyframe.ts";
import { serializeTerminal, type TrackedExtras } from "./keyframe-serializer.ts";
import { createHeadlessTerminal, type HeadlessTerminal } from "./headless-terminal.ts";
import {
  type FloodPrefix,
  floodPrefixes,
  PlainTail,
  plainPrefix,
  trailingPlainStart,
} from "./flood-skip.ts";
import { fromXterm, nextBoundary } from "./sequence-scanner.ts";
import { Utf8Carry } from "../../protocol/utf8-whole.ts";
import { checkInternals, coreOf, PARSER_GROUND } from "./xterm-internals.ts";

/** Options of a tracker. */
export interface TrackerOptions {
  cols: number;
  rows: number;
  /** Lines kept above the screen, and carried by keyframes. Default KEYFRAME_SCROLLBACK_LINES. */
  scrollback?: number;
}

// Scanner guesses tried per call before parsing the rest whole (a guess can only be wrong on odd
// input, such as C1 controls written as UTF-8; the bound keeps such input from costing a write per byte).
const MAX_GUESSES = 64;

export class TerminalStateTracker {
  readonly #terminal: HeadlessTerminal;
  readonly #core;
  readonly #scrollback: number;
  readonly #extras: TrackedExtras = { colors: new Map(), blinkMode: undefined };
  #offset = 0;
  readonly #carry = new Utf8Carry();
  #failure: { offset: number; error: string } | null = null;

  constructor(options: TrackerOptions) {
    this.#scrollback = options.scrollback ?? KEYFRAME_SCROLLBACK_LINES;
    this.#terminal = createHeadlessTerminal({
      cols: options.cols,
      rows: options.rows,
      scrollback: this.#scrollback,
    });
    checkInternals(this.#terminal);
    this.#core = coreOf(this.#terminal);
    this.#trackExtras();
  }

  /** Bytes parsed so far: the state is exactly that of output [0, offset). */
  get offset(): number {
    return this.#offset;
  }

  get cols(): number {
    return this.#terminal.cols;
  }

  get rows(): number {
    return this.#terminal.rows;
  }

  /** The tracker's terminal, to read (tests and benchmarks); writing to it directly breaks the offsets. */
  get terminal(): HeadlessTerminal {
    this.#flush();
    return this.#terminal;
  }

  /**
   * Where xterm threw while parsing, if it did (it has bugs that some output reaches, e.g. erasing
   * after certain resizes). Its state is undefined from there on, so the tracker stops: no more
   * keyframes, and the session keeps its history as if there were no tracker.
   */
  get failure(): { offset: number; error: string } | null {
    return this.#failure;
  }

  /** Parses the next output bytes (any split: mid-escape and mid-character are fine). */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.#failure === null) {
      try {
        const whole = this.#carry.take(bytes);
        if (whole.length > 0) this.#feed(whole);
      } catch (error) {
        this.#failure = {
          offset: this.#offset,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    }
    this.#offset += bytes.length;
  }

  /** Whether the tracker writes CR LF instead of flood lines no keyframe can show (flood-skip.ts). */
  skipFloods = true;
  /** Bytes of output replaced that way so far (for tests and measurements). */
  skippedBytes = 0;

  /** Plain lines written and not parsed yet: a flood's end (flood-skip.ts). */
  readonly #plain = new PlainTail();

  /** Lines after a flood's prefix that push it out: to the bottom row, then a screen and the scrollback. */
  #keepLines(): number {
    return 2 * this.#terminal.rows + this.#scrollback + 1;
  }

  /**
   * Parses whole characters, but holds a trailing run of plain lines back until it is clear
   * whether later lines push it out of every keyframe; a flood's lines that are pushed out are
   * replaced by CR LFs that leave the cursor where they would (#parse).
   */
  #feed(data: Uint8Array): void {
    if (!this.skipFloods) return this.#parse(data, []);
    const tail = trailingPlainStart(data, this.#plain.bytes > 0);
    if (tail > 0) this.#parseWithFloods(this.#plain.takeAll(data.subarray(0, tail)));
    this.#plain.push(data.subarray(tail));
    const keep = this.#keepLines();
    if (this.#plain.lineFeeds >= 2 * keep) {
      // Parse (skipping) all but the last `keep` lines; hold those back for the next write.
      const all = this.#plain.takeAll();
      const flood = plainPrefix(all, keep);
      if (flood) {
        this.#parse(all.subarray(0, flood.end), [flood]);
        this.#plain.push(all.subarray(flood.end));
      } else this.#parseWithFloods(all);
    } else if (this.#plain.bytes > MAX_HELD_BYTES) {
      this.#parseWithFloods(this.#plain.takeAll());
    }
  }

  /** Parses what is held back: before anything reads the state, resizes, or takes a keyframe. */
  #flush(): void {
    if (this.#plain.bytes === 0 || this.#failure !== null) return;
    const held = this.#plain.takeAll();
    try {
      this.#parseWithFloods(held);
    } catch (error) {
      this.#failure = {
        offset: this.#offset - held.length,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }

  #parseWithFloods(data: Uint8Array): void {
    this.#parse(data, this.skipFloods ? floodPrefixes(data, this.#keepLines()) : []);
  }

  /** Writes `data` to xterm, each of `floods` (plain lines pushed out later in `data`) as CR LFs. */
  #parse(data: Uint8Array, floods: FloodPrefix[]): void {
    const write = (bytes: Uint8Array) => {
      if (bytes.length > 0) this.#core._writeBuffer.writeSync(bytes);
    };
    const rows = this.#terminal.rows;
    let at = 0;
    for (const flood of floods) {
      write(data.subarray(at, flood.start));
      // A run found by bytes alone may begin inside a sequence ("ESC [31m" ends in plain bytes):
      // parse it line by line until the parser is back between sequences, then skip the rest.
      let from = flood.start;
      let lineFeeds = flood.lineFeeds;
      while (from < flood.end && !this.#plainLinesScroll()) {
        const line = data.indexOf(0x0a, from) + 1;
        write(data.subarray(from, line));
        from = line;
        lineFeeds--;
      }
      if (from < flood.end) {
        write(crlf(Math.min(lineFeeds, rows)));
        this.skippedBytes += flood.end - from;
      }
      at = flood.end;
    }
    write(at === 0 ? data : data.subarray(at));
  }

  /**
   * Whether plain lines written now would only print and scroll the whole screen: the parser is
   * between sequences, the scroll region is the whole screen and origin mode is off.
   */
  #plainLinesScroll(): boolean {
    const input = this.#core._inputHandler;
    const buffer = this.#core._bufferService.buffers.active;
    return (
      input._parser.currentState === PARSER_GROUND &&
      input._utf8Decoder.interim[0] === 0 &&
      !input._parseStack.paused &&
      buffer.scrollTop === 0 &&
      buffer.scrollBottom === this.#terminal.rows - 1 &&
      !input._coreService.decPrivateModes.origin
    );
  }

  /** The terminal was resized here, after the bytes written so far and before the next ones. */
  resize(cols: number, rows: number): void {
    this.#flush();
    if (this.#failure !== null || (cols === this.#terminal.cols && rows === this.#terminal.rows))
      return;
    try {
      this.#terminal.resize(cols, rows);
    } catch (error) {
      this.#failure = {
        offset: this.#offset,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }

  /** Whether a keyframe can be taken now: the parser is between sequences and characters. */
  get atBoundary(): boolean {
    this.#flush();
    if (this.#failure !== null) return false;
    const input = this.#core._inputHandler;
    return (
      input._parser.currentState === PARSER_GROUND &&
      this.#carry.held === 0 &&
      input._utf8Decoder.interim[0] === 0 &&
      !input._parseStack.paused
    );
  }

  /**
   * Parses `bytes` only up to the first keyframe boundary in them and returns how many it parsed
   * (all of them if none came; `atBoundary` then says whether their end is one). The caller takes
   * the keyframe, then writes the rest.
   */
  writeToBoundary(bytes: Uint8Array): number {
    if (this.atBoundary) return 0;
    if (this.#failure !== null) {
      this.write(bytes);
      return bytes.length;
    }
    let position = 0;
    for (let guess = 0; guess < MAX_GUESSES && position < bytes.length; guess++) {
      const input = this.#core._inputHandler;
      const state = fromXterm(input._parser.currentState, input._utf8Decoder.interim);
      const end = nextBoundary(bytes, position, {
        state: state.state,
        utf8Due: state.utf8Due || this.#carry.due,
      });
      if (end < 0) break;
      this.write(bytes.subarray(position, end));
      position = end;
      if (this.atBoundary) return position;
    }
    this.write(bytes.subarray(position));
    return bytes.length;
  }

  /** The keyframe at the current offset, with all its scrollback. Throws unless `atBoundary`. */
  keyframe(): Keyframe {
    return this.keyframeWithin(Number.POSITIVE_INFINITY)!;
  }

  /**
   * The keyframe at the current offset, with as many of its scrollback lines as fit in `maxBytes`
   * of UTF-8 (halving them until it fits); null if even the screen alone does not. Throws unless
   * `atBoundary`.
   */
  keyframeWithin(maxBytes: number): Keyframe | null {
    this.#flush();
    if (this.#failure !== null) {
      throw new Error(
        `no keyframe: xterm failed at offset ${this.#failure.offset} (${this.#failure.error})`,
      );
    }
    if (!this.atBoundary) {
      throw new Error(
        `no keyframe at offset ${this.#offset}: the parser is inside an escape sequence or character`,
      );
    }
    let lines = this.#scrollback;
    for (;;) {
      const data = serializeTerminal(this.#terminal, this.#extras, lines);
      // A UTF-8 byte is at most 3 per UTF-16 unit: most keyframes need no exact count.
      if (data.length * 3 <= maxBytes || Buffer.byteLength(data, "utf8") <= maxBytes) {
        return { offset: this.#offset, cols: this.#terminal.cols, rows: this.#terminal.rows, data };
      }
      if (lines === 0) return null;
      lines = Math.floor(lines / 2);
    }
  }

  dispose(): void {
    this.#terminal.dispose();
  }

  /** State xterm does not keep (headless ignores colours) or keeps only as an option (?12 blink). */
  #trackExtras(): void {
    const extras = this.#extras;
    this.#core._inputHandler.onColor((requests) => {
      for (const request of requests) {
        if (request.type === 1 && request.index !== undefined && request.color) {
          extras.colors.set(request.index, request.color);
        } else if (request.type === 2) {
          if (request.index !== undefined) extras.colors.delete(request.index);
          else
            for (const index of [...extras.colors.keys()])
              if (index < 256) extras.colors.delete(index);
        }
      }
    });
    const blink = (set: boolean) => (params: (number | number[])[]) => {
      if (params.includes(12)) extras.blinkMode = set;
      return false; // xterm still handles the sequence
    };
    this.#terminal.parser.registerCsiHandler({ prefix: "?", final: "h" }, blink(true));
    this.#terminal.parser.registerCsiHandler({ prefix: "?", final: "l" }, blink(false));
    // RIS: xterm resets its state; the colours go with it.
    this.#terminal.parser.registerEscHandler({ final: "c" }, () => {
      extras.colors.clear();
      return false;
    });
  }
}

const CRLF_CACHE = new Map<number, Uint8Array>();

/** `count` CR LF pairs. */
function crlf(count: number): Uint8Array {
  let bytes = CRLF_CACHE.get(count);
  if (!bytes) {
    bytes = new Uint8Array(count * 2);
    for (let i = 0; i < count; i++) bytes.set([0x0d, 0x0a], i * 2);
    CRLF_CACHE.set(count, bytes);
  }
  return bytes;
}

/** Most plain bytes held back without enough line feeds to skip any (very long lines): then parsed. */
const MAX_HELD_BYTES = 1024 * 1024;
