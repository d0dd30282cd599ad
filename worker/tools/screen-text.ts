/** A plain-text rendering of a terminal's current screen (and recent lines), rebuilt in @xterm/headless from the session's newest keyframe and the output after it. */
// Cost is bounded by the keyframe (at most 1 MiB) and the output after it (the runner takes one at
// least every MiB, and at quiet moments), not by the history's size. Without a keyframe (a runner
// started with --no-keyframes, or none yet) the retained history is replayed, as before.
import { Unicode11Addon } from "@xterm/addon-unicode11";
import { Terminal } from "@xterm/headless";
import type { TerminalSize } from "../../protocol/index.ts";

/** What a screen is rebuilt from. */
export interface ScreenSource {
  /** The newest keyframe, or null: then `tail` is all retained output. */
  keyframe: { cols: number; rows: number; data: Uint8Array } | null;
  /** Output after the keyframe (or the retained history). */
  tail: Uint8Array;
  /** The terminal's size now. */
  size: TerminalSize;
}

/** The visible screen, and the last `lines` lines (scrollback and screen) if asked. */
export interface RenderedScreen {
  screen: string;
  lines: string | null;
}

/** Rebuilds the terminal and reads its screen; `lines` (≥ 1) also reads that many recent lines. */
export async function renderScreen(source: ScreenSource, lines = 0): Promise<RenderedScreen> {
  const { keyframe, size } = source;
  const terminal = new Terminal({
    cols: keyframe?.cols ?? size.cols,
    rows: keyframe?.rows ?? size.rows,
    allowProposedApi: true,
    scrollback: lines,
    logLevel: "off",
  });
  // Keyframes reprint every character: measure widths as the runner and the panel do.
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = "11";
  try {
    if (keyframe) {
      await write(terminal, keyframe.data);
      if (keyframe.cols !== size.cols || keyframe.rows !== size.rows) {
        terminal.resize(size.cols, size.rows);
      }
    }
    await write(terminal, source.tail);
    const buffer = terminal.buffer.active;
    const text = (y: number) => buffer.getLine(y)?.translateToString(true).trimEnd() ?? "";
    const screen: string[] = [];
    for (let y = 0; y < terminal.rows; y++) screen.push(text(buffer.viewportY + y));
    dropTrailingBlanks(screen);
    let recent: string | null = null;
    if (lines > 0) {
      const all: string[] = [];
      for (let y = 0; y < buffer.viewportY + terminal.rows; y++) all.push(text(y));
      dropTrailingBlanks(all);
      recent = all.slice(-lines).join("\n");
    }
    return { screen: screen.join("\n"), lines: recent };
  } finally {
    terminal.dispose();
  }
}

function write(terminal: Terminal, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => terminal.write(bytes, resolve));
}

function dropTrailingBlanks(lines: string[]): void {
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
}
