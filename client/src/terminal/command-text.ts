/** The text between two places of a terminal buffer, as the terminal shows it: what "Copy output" copies. */

/** A cell position in a buffer: `line` counts from the top of the scrollback, `x` is a column. */
export interface BufferPosition {
  line: number;
  x: number;
}

/** The part of an xterm buffer (browser or headless) this reads. */
export interface TextBuffer {
  getLine(y: number):
    | {
        isWrapped: boolean;
        translateToString(trimRight?: boolean, start?: number, end?: number): string;
      }
    | undefined;
}

/**
 * The text from `from` (included) to `to` (excluded): rows joined with `\n`, a row soft-wrapped
 * into the next joined to it without one, the cells nothing was printed in at a row's end dropped
 * (spaces the program printed stay, as in the agent API's output). An end at the start of a row (a
 * command whose output ended with a line break) gives a trailing `\n`, as the agent API's has.
 */
export function textBetween(buffer: TextBuffer, from: BufferPosition, to: BufferPosition): string {
  if (to.line < from.line || (to.line === from.line && to.x <= from.x)) return "";
  let text = "";
  for (let y = from.line; y <= to.line; y++) {
    const line = buffer.getLine(y);
    const next = y < to.line ? buffer.getLine(y + 1) : undefined;
    const wrapsOn = next?.isWrapped ?? false;
    if (line) {
      const start = y === from.line ? from.x : 0;
      const end = y === to.line ? to.x : undefined;
      // A row that wraps on keeps its blank cells: they are part of the text, not padding.
      text += line.translateToString(!wrapsOn, start, end);
    }
    if (y < to.line && !wrapsOn) text += "\n";
  }
  return text;
}
