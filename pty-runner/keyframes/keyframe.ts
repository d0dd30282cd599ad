/** What a keyframe is: the terminal's whole state after exactly the first `offset` bytes of output. */

/**
 * A terminal's state at byte offset `offset`: written into a fresh xterm of `cols`×`rows` (Unicode 11
 * widths, as the browser panel uses), `data` rebuilds the screen, scrollback, cursor, pen, modes,
 * alternate screen, scroll regions, saved cursors, tab stops, charsets and title that the bytes
 * [0, offset) left. A late joiner writes `data`, then the output from `offset` on.
 */
export interface Keyframe {
  /** Bytes of output the state reflects: exactly [0, offset). */
  offset: number;
  cols: number;
  rows: number;
  /** Escape sequences and text; see keyframe-serializer.ts for what they contain and in which order. */
  data: string;
}

/** Lines of scrollback the tracker keeps and a keyframe carries (besides the screen). */
export { KEYFRAME_SCROLLBACK_LINES } from "../../protocol/limits.ts";

/**
 * Unicode width tables of the tracker: a keyframe reprints every character, so the joiner must
 * measure them as the tracker did. The browser panel uses Unicode 11 (client/src/terminal).
 */
export const KEYFRAME_UNICODE_VERSION = "11";
