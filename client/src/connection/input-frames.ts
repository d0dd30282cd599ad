/** Turning keystrokes, pastes and automatic answers into the binary frames the session accepts. */
import { encodeInputFrame, FrameKind, MAX_INPUT_FRAME_BYTES } from "../../../protocol/index.ts";

/**
 * Largest single input (a paste) the client sends, in bytes (4 MiB = 64 frames). Bigger pastes
 * are refused locally: a shell rarely wants them, and they would trip the session's rate limit.
 */
export const MAX_PASTE_BYTES = 4 * 1024 * 1024;

/** INPUT for what the person typed or pasted; REPLY for xterm's automatic answer to a query. */
export type InputFrameKind = typeof FrameKind.INPUT | typeof FrameKind.REPLY;

const encoder = new TextEncoder();

/** Input as bytes: text is encoded as UTF-8. */
export function inputBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === "string" ? encoder.encode(input) : input;
}

/** Splits bytes into frames of `kind` with at most MAX_INPUT_FRAME_BYTES of payload each. */
export function encodeInputFrames(
  bytes: Uint8Array,
  kind: InputFrameKind = FrameKind.INPUT,
): Uint8Array<ArrayBuffer>[] {
  const frames: Uint8Array<ArrayBuffer>[] = [];
  // Splitting inside a UTF-8 sequence is harmless: the runner writes the frames to the PTY in
  // order, so the shell reads the same byte stream.
  for (let at = 0; at < bytes.byteLength; at += MAX_INPUT_FRAME_BYTES) {
    frames.push(encodeInputFrame(bytes.subarray(at, at + MAX_INPUT_FRAME_BYTES), kind));
  }
  return frames;
}
