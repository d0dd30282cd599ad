/** What a terminal shows for some output: the text a person reads, with wrapped rows joined back into lines. */
import { Terminal } from "@xterm/headless";
import { DEFAULT_COLS, DEFAULT_ROWS } from "../../protocol/index.ts";

/**
 * Renders `raw` (a session's output, escapes and all) in a headless xterm of the session's size and
 * returns every line, scrollback included (a row filled to the margin is joined with the next one). A line editor that redraws a long line (zsh wrapping
 * past the right margin, readline's `\b` and `\r`) shows up as what the person sees, so tests can
 * look for a typed command on screen instead of in the raw bytes.
 */
export async function screenText(
  raw: string,
  size: { cols: number; rows: number } = { cols: DEFAULT_COLS, rows: DEFAULT_ROWS },
): Promise<string> {
  const terminal = new Terminal({ ...size, scrollback: 100_000, allowProposedApi: true });
  try {
    await new Promise<void>((resolve) => terminal.write(raw, resolve));
    const buffer = terminal.buffer.active;
    const lines: string[] = [];
    let previousFull = false;
    for (let y = 0; y < buffer.length; y++) {
      const row = buffer.getLine(y);
      if (!row) continue;
      const text = row.translateToString(true);
      // xterm forgets a wrap once the new row is erased, and zle erases it to redraw it (" \r" then
      // ESC[K): a row that the one above fills to the margin continues it.
      if ((row.isWrapped || previousFull) && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
      previousFull = text.length === size.cols;
    }
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return lines.join("\n");
  } finally {
    terminal.dispose();
  }
}
