/** Rebuilds a terminal from a keyframe, in order with its output, as if the keyframe were written into a fresh terminal. */
import type { TerminalSize } from "../../../protocol/index.ts";
import type { KeyframeChunk } from "../connection/terminal-connection.ts";
import type { OutputWriter } from "./output-writer.ts";

/** The parts of an xterm (browser or headless) a keyframe needs. */
export interface KeyframeTerminal {
  readonly cols: number;
  readonly rows: number;
  options: { convertEol?: boolean; cursorBlink?: boolean };
  reset(): void;
  resize(cols: number, rows: number): void;
  write(data: string | Uint8Array): void;
}

// xterm's reset() clears the buffers (scrollback and alternate screen included), modes, pen,
// charsets, tab stops and mouse modes, but keeps what this undoes:
//  - the parser's state: a sequence the old output left unfinished would swallow the keyframe's
//    start. CAN cancels it (so would the ESC after it: ESC aborts a sequence in any state); sent
//    as bytes, it also drops a UTF-8 character left half-decoded;
//  - OSC 104/110/111/112: colours the old output changed (a keyframe sets only the ones changed
//    at its offset);
//  - OSC 0 with nothing: the title and icon name (a keyframe sets them only if set).
// LNM (mode 20) and ?12 (cursor blink) live in options, which reset() keeps too: restored below.
const CLEAN_SLATE = new TextEncoder().encode(
  "\x18\x1b]104\x07\x1b]110\x07\x1b]111\x07\x1b]112\x07\x1b]0;\x07",
);

/** Resizes only when the size differs (xterm redraws on every resize). */
export function resizeTerminal(terminal: KeyframeTerminal, size: TerminalSize): void {
  if (terminal.cols !== size.cols || terminal.rows !== size.rows) {
    terminal.resize(size.cols, size.rows);
  }
}

/**
 * Queues `keyframe` on the writer: after the output queued before it is parsed, the terminal is
 * reset (as `fresh`: the options it started with), resized to the keyframe's size and given the
 * keyframe; then it takes `sizeAfter`, the size it should have now (the keyframe has the size at
 * its offset), before the output queued after it. `onReset` runs right after the reset, for what
 * the terminal's reset does not clear by itself (command decorations' markers).
 */
export function queueKeyframe(
  writer: OutputWriter,
  terminal: KeyframeTerminal,
  keyframe: KeyframeChunk,
  fresh: { convertEol: boolean; cursorBlink: boolean },
  sizeAfter: TerminalSize | null,
  onReset?: () => void,
): void {
  const text = new TextDecoder().decode(keyframe.data);
  writer.keyframe({ offset: keyframe.offset, text }, () => {
    terminal.reset();
    onReset?.();
    const { options } = terminal;
    if (options.convertEol !== fresh.convertEol) options.convertEol = fresh.convertEol;
    if (options.cursorBlink !== fresh.cursorBlink) options.cursorBlink = fresh.cursorBlink;
    resizeTerminal(terminal, keyframe);
    // Parsed before the keyframe: xterm parses its writes in order.
    terminal.write(CLEAN_SLATE);
  });
  if (sizeAfter) writer.afterOutput(() => resizeTerminal(terminal, sizeAfter));
}
