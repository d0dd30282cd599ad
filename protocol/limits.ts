/** Size and rate limits shared by every peer, so both sides refuse the same things. */

/** Largest input frame payload a writer may send (bytes); bigger frames are refused with 1009. */
export const MAX_INPUT_FRAME_BYTES = 64 * 1024;

/** Largest output frame payload a runner may send (bytes). */
export const MAX_OUTPUT_FRAME_BYTES = 256 * 1024;

/**
 * Largest keyframe payload (bytes). A keyframe is stored as one SQLite row (rows are limited to
 * 2 MB) and sent as one WebSocket message; the runner drops scrollback lines from a keyframe that
 * would be larger, and sends none if even the screen alone is.
 */
export const MAX_KEYFRAME_BYTES = 1024 * 1024;

/** Lines of scrollback a keyframe carries (besides the screen); read_output's `lines` at most. */
export const KEYFRAME_SCROLLBACK_LINES = 1000;

/**
 * The runner takes a keyframe on its own each time this much output followed the last one, at
 * most; the session asks for a shorter interval when its history cap is small (see
 * keyframeIntervalFor), so the newest keyframe always lies well inside the retained history.
 */
export const MAX_KEYFRAME_INTERVAL_BYTES = 1024 * 1024;

/** The keyframe interval a session with a history cap of `capBytes` asks its runner for. */
export function keyframeIntervalFor(capBytes: number): number {
  return Math.max(4 * 1024, Math.min(MAX_KEYFRAME_INTERVAL_BYTES, Math.floor(capBytes / 4)));
}

/** Output frame size the runner and the session aim for while output keeps coming (bytes). */
export const OUTPUT_COALESCE_BYTES = 64 * 1024;

/** Largest JSON control message (bytes of UTF-8). */
export const MAX_CONTROL_MESSAGE_BYTES = 8 * 1024;

/** Terminal size bounds: a peer's size outside them is refused (the message schemas); a size measured locally is clamped (checkTerminalSize). */
export const MIN_COLS = 2;
export const MAX_COLS = 1000;
export const MIN_ROWS = 1;
export const MAX_ROWS = 500;

/** Most sockets one join token may hold open in a session: a leaked link cannot take every slot. */
export const MAX_SOCKETS_PER_TOKEN = 8;

/** Viewer slots kept for writers: read-only viewers never fill a session to the last slot. */
export const WRITER_RESERVED_SLOTS = 2;

/** The size a session starts with when none is given. */
export const DEFAULT_COLS = 80;
export const DEFAULT_ROWS = 24;

/** Heartbeat interval of runners and clients (ms); three missed beats mark the peer offline. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/**
 * Heartbeat interval of a runner's session data connection (ms). Short, because the session must
 * know within seconds that its runner froze or vanished: calls fail fast and typed keys are
 * refused instead of lost. The session answers without waking (an auto-response).
 */
export const RUNNER_HEARTBEAT_INTERVAL_MS = 1_000;

/** A runner silent for this long (ms) on its data connection is unresponsive: 4 missed beats. */
export const RUNNER_UNRESPONSIVE_MS = 4 * RUNNER_HEARTBEAT_INTERVAL_MS;

/** Heartbeat text sent by peers; the session answers it with `HEARTBEAT_REPLY` without waking. */
export const HEARTBEAT_REQUEST = '{"type":"ping"}';
export const HEARTBEAT_REPLY = '{"type":"pong"}';

/**
 * A viewer acknowledges processed output (an `ack` message) each time this many more bytes have
 * been processed by its terminal. The session's per-viewer send window must be larger, or a
 * viewer could wait for bytes the session waits to have acknowledged.
 */
export const VIEWER_ACK_INTERVAL_BYTES = 256 * 1024;
