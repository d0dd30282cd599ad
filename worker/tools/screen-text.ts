/** A plain-text rendering of a terminal's current screen, by replaying its output into @xterm/headless. */
import { Terminal } from "@xterm/headless";

/** Replays `bytes` into a headless terminal of the given size and returns its visible lines. */
export async function renderScreen(bytes: Uint8Array, cols: number, rows: number): Promise<string> {
  const terminal = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  try {
    await new Promise<void>((resolve) => terminal.write(bytes, resolve));
    const buffer = terminal.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < rows; y++)
      lines.push(
        buffer
          .getLine(buffer.viewportY + y)
          ?.translateToString(true)
          .trimEnd() ?? "",
      );
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return lines.join("\n");
  } finally {
    terminal.dispose();
  }
}
