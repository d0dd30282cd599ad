/** A recorded output stream (bytes and resizes at their offsets), replayed into a watcher from the start and into a late joiner from a keyframe. */
import {
  createHeadlessTerminal,
  type HeadlessTerminal,
} from "../../pty-runner/keyframes/headless-terminal.ts";
import type { Keyframe } from "../../pty-runner/keyframes/keyframe.ts";
import { TerminalStateTracker } from "../../pty-runner/keyframes/terminal-state-tracker.ts";
import { Utf8Carry } from "../../protocol/utf8-whole.ts";
import { coreOf } from "../../pty-runner/keyframes/xterm-internals.ts";
import { type CompareOptions, firstDifference } from "./terminal-compare.ts";

/** What happened to a terminal's output: bytes, or a resize between two bytes. */
export type StreamEvent =
  { kind: "data"; bytes: Uint8Array } | { kind: "resize"; cols: number; rows: number };

/** A session's output as it happened, with offsets. */
export class Recording {
  readonly events: StreamEvent[] = [];
  #length = 0;

  readonly cols: number;
  readonly rows: number;

  constructor(cols: number, rows: number) {
    this.cols = cols;
    this.rows = rows;
  }

  /** Bytes recorded so far: the offset of the next byte. */
  get length(): number {
    return this.#length;
  }

  data(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.events.push({ kind: "data", bytes: new Uint8Array(bytes) });
    this.#length += bytes.length;
  }

  resize(cols: number, rows: number): void {
    this.events.push({ kind: "resize", cols, rows });
  }

  /** The recording as it was when it had `offset` bytes (resizes up to then included). */
  until(offset: number): Recording {
    const out = new Recording(this.cols, this.rows);
    let at = 0;
    for (const event of this.events) {
      if (event.kind === "resize") {
        if (at <= offset) out.resize(event.cols, event.rows);
        continue;
      }
      if (at >= offset) break;
      out.data(event.bytes.subarray(0, offset - at));
      at += event.bytes.length;
    }
    return out;
  }

  /** All bytes, concatenated. */
  bytes(): Buffer {
    return Buffer.concat(this.events.flatMap((e) => (e.kind === "data" ? [e.bytes] : [])));
  }

  /**
   * The events from byte `offset` on: a chunk that straddles it is cut, and a resize exactly at
   * `offset` is kept (a keyframe at K is taken before anything that happened at K).
   */
  from(offset: number): StreamEvent[] {
    const out: StreamEvent[] = [];
    let at = 0;
    for (const event of this.events) {
      if (event.kind === "resize") {
        if (at >= offset) out.push(event);
        continue;
      }
      const end = at + event.bytes.length;
      if (end > offset)
        out.push({ kind: "data", bytes: event.bytes.subarray(Math.max(0, offset - at)) });
      at = end;
    }
    return out;
  }
}

const carries = new WeakMap<HeadlessTerminal, Utf8Carry>();

/**
 * Writes events into a terminal synchronously (resizes in their place), as a viewer that passes
 * xterm whole UTF-8 characters (xterm 6.0 drops some split ones: see protocol/utf8-whole.ts).
 */
export function play(terminal: HeadlessTerminal, events: StreamEvent[]): void {
  const core = coreOf(terminal);
  let carry = carries.get(terminal);
  if (!carry) carries.set(terminal, (carry = new Utf8Carry()));
  for (const event of events) {
    if (event.kind === "data") {
      const whole = carry.take(event.bytes);
      if (whole.length > 0) core._writeBuffer.writeSync(whole);
    } else terminal.resize(event.cols, event.rows);
  }
}

/** Writes text (a keyframe, or further output) into a terminal synchronously. */
export function playText(terminal: HeadlessTerminal, text: string | Uint8Array): void {
  coreOf(terminal)._writeBuffer.writeSync(text);
}

/** A watcher that saw everything: a headless terminal fed the whole recording from byte 0. */
export function watcherOf(recording: Recording, scrollback: number): HeadlessTerminal {
  const watcher = createHeadlessTerminal({
    cols: recording.cols,
    rows: recording.rows,
    scrollback,
  });
  play(watcher, recording.events);
  return watcher;
}

/**
 * The keyframe a tracker fed the recording takes at the first boundary at or after byte `at`
 * (a resize exactly at a boundary is applied before the keyframe, as it happened before the bytes after it).
 */
export function keyframeAt(recording: Recording, at: number, scrollback: number): Keyframe {
  const tracker = new TerminalStateTracker({
    cols: recording.cols,
    rows: recording.rows,
    scrollback,
  });
  try {
    let keyframe: Keyframe | null = null;
    for (const event of recording.events) {
      if (event.kind === "resize") {
        tracker.resize(event.cols, event.rows);
        continue;
      }
      let bytes = event.bytes;
      if (keyframe === null && tracker.offset + bytes.length >= at) {
        const before = Math.max(0, at - tracker.offset);
        tracker.write(bytes.subarray(0, before));
        bytes = bytes.subarray(before);
        const used = tracker.writeToBoundary(bytes);
        bytes = bytes.subarray(used);
        if (tracker.atBoundary) keyframe = tracker.keyframe();
      }
      tracker.write(bytes);
    }
    if (keyframe === null) {
      if (!tracker.atBoundary) throw new Error(`no keyframe boundary after byte ${at}`);
      keyframe = tracker.keyframe();
    }
    return keyframe;
  } finally {
    tracker.dispose();
  }
}

/** A late joiner: a fresh terminal given only the keyframe and the bytes (and resizes) after it. */
export function joinerFrom(
  keyframe: Keyframe,
  recording: Recording,
  scrollback: number,
): HeadlessTerminal {
  const joiner = createHeadlessTerminal({ cols: keyframe.cols, rows: keyframe.rows, scrollback });
  playText(joiner, keyframe.data);
  play(joiner, recording.from(keyframe.offset));
  return joiner;
}

/** Result of `checkJoin`. */
export interface JoinCheck {
  keyframe: Keyframe;
  watcher: HeadlessTerminal;
  joiner: HeadlessTerminal;
  /** First difference between watcher and joiner, or null. */
  difference: string | null;
}

/** Keyframe at `at`, joiner from it, watcher from the start; compared. Dispose both terminals after. */
export function checkJoin(
  recording: Recording,
  at: number,
  scrollback = 1000,
  options: CompareOptions = {},
): JoinCheck {
  const keyframe = keyframeAt(recording, at, scrollback);
  const watcher = watcherOf(recording, scrollback);
  const joiner = joinerFrom(keyframe, recording, scrollback);
  return { keyframe, watcher, joiner, difference: firstDifference(watcher, joiner, options) };
}

/**
 * Joins at several points: for each fraction f of the recording, a keyframe at the first boundary
 * from f × length, a joiner from it, compared with the watcher. Returns the differences found, each
 * naming its keyframe offset (empty: all joiners ended exactly like the watcher).
 */
export function joinDifferences(
  recording: Recording,
  fractions: number[],
  scrollback = 1000,
): string[] {
  const differences: string[] = [];
  for (const fraction of fractions) {
    const at = Math.floor(recording.length * fraction);
    const check = checkJoin(recording, at, scrollback);
    if (check.difference) {
      differences.push(
        `keyframe at ${check.keyframe.offset} of ${recording.length} (${fraction}): ${check.difference}`,
      );
    }
    check.watcher.dispose();
    check.joiner.dispose();
  }
  return differences;
}

/** Whether a joiner given only the bytes from `at` (no keyframe: today's trimmed history) ends unlike the watcher. */
export function tailAloneDiffers(recording: Recording, at: number, scrollback = 1000): boolean {
  const watcher = watcherOf(recording, scrollback);
  const joiner = createHeadlessTerminal({ cols: recording.cols, rows: recording.rows, scrollback });
  // The size at `at`, as a joiner would be told it.
  let size = { cols: recording.cols, rows: recording.rows };
  let offset = 0;
  for (const event of recording.events) {
    if (event.kind === "resize") {
      if (offset < at) size = { cols: event.cols, rows: event.rows };
    } else offset += event.bytes.length;
  }
  joiner.resize(size.cols, size.rows);
  play(joiner, recording.from(at));
  const differs = firstDifference(watcher, joiner) !== null;
  watcher.dispose();
  joiner.dispose();
  return differs;
}
