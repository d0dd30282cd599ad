/** Binary frames: terminal bytes, never JSON. Output frames carry the absolute offset of their first byte. */

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
} as const;

/** Bytes before the payload of an output frame. */
export const OUTPUT_HEADER_BYTES = 9;
/** Bytes before the payload of an input frame. */
export const INPUT_HEADER_BYTES = 1;

/** A decoded binary frame. `data` is a view into the frame, not a copy. */
export type BinaryFrame =
  | { kind: typeof FrameKind.OUTPUT; offset: number; data: Uint8Array }
  | { kind: typeof FrameKind.INPUT | typeof FrameKind.REPLY; data: Uint8Array };

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
