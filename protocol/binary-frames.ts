/** Binary frames: terminal bytes, never JSON. Output frames carry the absolute offset of their first byte. */
import { MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS } from "./limits.ts";

/** First byte of every binary frame: what the rest of it is. */
export const FrameKind = {
  /** Terminal output: kind (1 byte), offset (8 bytes, unsigned big-endian), payload. */
  OUTPUT: 0x01,
  /** Keyboard or paste input for the shell: kind (1 byte), payload. */
  INPUT: 0x02,
  /**
   * A terminal's automatic answer to a query in the output (cursor position, device attributes,
   * colours): kind (1 byte), payload. Every connected xterm answers; the session forwards the
   * answers of one writer only, so the shell gets one reply per query.
   */
  REPLY: 0x03,
  /**
   * The terminal's whole state after the first `offset` bytes of output: kind (1 byte), offset
   * (8 bytes), cols (2), rows (2), then escape sequences and text (UTF-8) that rebuild it in a
   * fresh terminal of cols×rows. Runner -> session (taken by the runner's keyframe engine) and
   * session -> viewer (instead of the output before `offset`).
   */
  KEYFRAME: 0x04,
} as const;

/** Bytes before the payload of an output frame. */
export const OUTPUT_HEADER_BYTES = 9;
/** Bytes before the payload of a keyframe frame. */
export const KEYFRAME_HEADER_BYTES = 13;
/** Bytes before the payload of an input frame. */
export const INPUT_HEADER_BYTES = 1;

/** A decoded binary frame. `data` is a view into the frame, not a copy. */
export type BinaryFrame =
  | { kind: typeof FrameKind.OUTPUT; offset: number; data: Uint8Array }
  | { kind: typeof FrameKind.INPUT | typeof FrameKind.REPLY; data: Uint8Array }
  | {
      kind: typeof FrameKind.KEYFRAME;
      offset: number;
      cols: number;
      rows: number;
      data: Uint8Array;
    };

/** The result of decoding an untrusted binary frame. */
export type FrameDecodeResult = { ok: true; frame: BinaryFrame } | { ok: false; error: string };

/** Encodes output bytes that start at `offset` in the session's output stream. */
export function encodeOutputFrame(offset: number, data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`bad offset ${offset}`);
  const frame = new Uint8Array(OUTPUT_HEADER_BYTES + data.byteLength);
  frame[0] = FrameKind.OUTPUT;
  writeOffset(frame, 1, offset);
  frame.set(data, OUTPUT_HEADER_BYTES);
  return frame;
}

/** Encodes a keyframe: the state after `offset` bytes, rebuilt by `data` in a cols×rows terminal. */
export function encodeKeyframeFrame(
  offset: number,
  cols: number,
  rows: number,
  data: Uint8Array,
): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`bad offset ${offset}`);
  const frame = new Uint8Array(KEYFRAME_HEADER_BYTES + data.byteLength);
  frame[0] = FrameKind.KEYFRAME;
  writeOffset(frame, 1, offset);
  const view = new DataView(frame.buffer);
  view.setUint16(9, cols);
  view.setUint16(11, rows);
  frame.set(data, KEYFRAME_HEADER_BYTES);
  return frame;
}

/** Encodes input bytes for the shell (or, with `kind` REPLY, a terminal's automatic answer). */
export function encodeInputFrame(
  data: Uint8Array,
  kind: typeof FrameKind.INPUT | typeof FrameKind.REPLY = FrameKind.INPUT,
): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(INPUT_HEADER_BYTES + data.byteLength);
  frame[0] = kind;
  frame.set(data, INPUT_HEADER_BYTES);
  return frame;
}

/** Decodes a binary frame from a peer; never throws. */
export function decodeBinaryFrame(buffer: ArrayBuffer | Uint8Array): FrameDecodeResult {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.byteLength === 0) return { ok: false, error: "empty binary frame" };
  const kind = bytes[0];
  if (kind === FrameKind.OUTPUT) {
    if (bytes.byteLength < OUTPUT_HEADER_BYTES) {
      return { ok: false, error: "output frame shorter than its 9-byte header" };
    }
    const offset = readOffset(bytes, 1);
    if (offset === null) return { ok: false, error: "output frame offset beyond 2^53" };
    return { ok: true, frame: { kind, offset, data: bytes.subarray(OUTPUT_HEADER_BYTES) } };
  }
  if (kind === FrameKind.KEYFRAME) {
    if (bytes.byteLength < KEYFRAME_HEADER_BYTES) {
      return { ok: false, error: "keyframe frame shorter than its 13-byte header" };
    }
    const offset = readOffset(bytes, 1);
    if (offset === null) return { ok: false, error: "keyframe frame offset beyond 2^53" };
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const cols = view.getUint16(9);
    const rows = view.getUint16(11);
    if (cols < MIN_COLS || cols > MAX_COLS || rows < MIN_ROWS || rows > MAX_ROWS) {
      const bounds = `${MIN_COLS}-${MAX_COLS} columns and ${MIN_ROWS}-${MAX_ROWS} rows`;
      return { ok: false, error: `keyframe frame size ${cols}x${rows} is outside ${bounds}` };
    }
    const data = bytes.subarray(KEYFRAME_HEADER_BYTES);
    return { ok: true, frame: { kind, offset, cols, rows, data } };
  }
  if (kind === FrameKind.INPUT || kind === FrameKind.REPLY) {
    return { ok: true, frame: { kind, data: bytes.subarray(INPUT_HEADER_BYTES) } };
  }
  return { ok: false, error: `unknown binary frame kind 0x${(kind ?? 0).toString(16)}` };
}

// Offsets are u64 on the wire but JavaScript numbers here: 2^53 bytes is 8 PiB of output,
// far beyond any session, and numbers keep every side free of BigInt.
function writeOffset(target: Uint8Array, at: number, offset: number): void {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setUint32(at, Math.floor(offset / 2 ** 32));
  view.setUint32(at + 4, offset >>> 0);
}

function readOffset(source: Uint8Array, at: number): number | null {
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const high = view.getUint32(at);
  if (high >= 2 ** 21) return null;
  return high * 2 ** 32 + view.getUint32(at + 4);
}
