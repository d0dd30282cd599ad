/**
 * Opt-in hooks for browser tests. Nothing here runs unless the page defined
 * `window.__webtermTest` before the bundle loaded (Playwright's addInitScript does), so real
 * pages expose no terminal internals.
 */
import type { IBufferCell, IModes, Terminal } from "@xterm/xterm";
import type { CommandProbe } from "./command-decorations.ts";

/** What a test can read of one terminal. */
export interface TerminalProbe {
  sessionId: string;
  /** Every line of xterm's buffer, scrollback included, soft-wrapped lines joined. */
  lines(): string[];
  /** The end of the output handed to xterm: the offset a reconnect resumes from. */
  offset(): number;
  /** Bytes handed to xterm or queued for it that it has not parsed yet. */
  unparsedBytes(): number;
  /** What is on screen, cell attributes and cursor included. */
  screen(): ScreenState;
  /** The commands the shell's marks outlined (command-decorations.ts), oldest first. */
  commands(): CommandProbe[];
  /** Where the terminal is scrolled to. */
  scroll(): ScrollState;
}

/** What a test can read of the join page's replay (client/src/join/replay-terminal.ts). */
export interface ReplayProbe {
  /** Every line of the replay terminal's buffer, as `TerminalProbe.lines`. */
  lines(): string[];
  screen(): ScreenState;
  /** The player: its state, position and length in recording seconds, and its speed. */
  player(): { state: string; position: number; duration: number; speed: number | "max" };
}

/** Where a terminal is scrolled to, in buffer lines (0 is the oldest line of the scrollback). */
export interface ScrollState {
  /** The line at the top of the viewport. */
  viewportY: number;
  /** The top line when scrolled to the bottom. */
  baseY: number;
  rows: number;
  /** The prompt line a jump highlights right now, or null. */
  highlightedLine: number | null;
}

/** The screen as two terminals showing the same thing would agree on it. */
export interface ScreenState {
  cols: number;
  rows: number;
  /** The active buffer: full-screen programs switch to the alternate one. */
  buffer: "normal" | "alternate";
  /** The cursor, on the screen (row 0 is the screen's top). */
  cursor: { x: number; y: number };
  /** Each screen row's text, trailing blanks trimmed. */
  text: string[];
  /** Each screen row's cells as runs of one look: `3×fg=p256:0 bg=p16:11 bold`, joined by ` | `. */
  attrs: string[];
  modes: IModes;
}

/** The registry a test defines on `window` before the page loads. */
export interface WebtermTestHooks {
  /**
   * Use xterm's DOM renderer: the rows on screen are then text in the DOM that a test can read,
   * as a person would, instead of pixels in a WebGL canvas.
   */
  domRenderer?: boolean;
  /** Filled by the page: one probe per open terminal. */
  terminals?: TerminalProbe[];
  /** Filled by the join page: one probe per open replay. */
  replays?: ReplayProbe[];
  /**
   * A token provider for the join page, which otherwise has only its link's token: lets a test
   * drive the panel's real renewal path (TerminalConnection's getToken) with short-lived tokens.
   */
  getToken?: () => Promise<string>;
}

/** The global a test defines before the page loads. */
export const TEST_HOOKS_GLOBAL = "__webtermTest";

/** The test registry, or null on a normal page. */
export function testHooks(): WebtermTestHooks | null {
  const hooks = (globalThis as { [TEST_HOOKS_GLOBAL]?: WebtermTestHooks })[TEST_HOOKS_GLOBAL];
  return hooks ?? null;
}

/** Registers a probe while a test is watching; returns the function that removes it. */
export function registerProbe(probe: TerminalProbe): () => void {
  return register("terminals", probe);
}

/** Registers a replay's probe while a test is watching; returns the function that removes it. */
export function registerReplayProbe(probe: ReplayProbe): () => void {
  return register("replays", probe);
}

function register<K extends "terminals" | "replays">(
  key: K,
  probe: NonNullable<WebtermTestHooks[K]>[number],
): () => void {
  const hooks = testHooks();
  if (!hooks) return () => {};
  const list = (hooks[key] ??= []) as (typeof probe)[];
  list.push(probe);
  return () => {
    const at = list.indexOf(probe);
    if (at !== -1) list.splice(at, 1);
  };
}

/** Every line of the active buffer, with soft-wrapped rows joined into their logical line. */
export function bufferLines(terminal: Terminal): string[] {
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    const text = line.translateToString(false);
    if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  return lines.map((line) => line.trimEnd());
}

/** The screen of `terminal` (its active buffer's bottom `rows` lines, whatever is scrolled to). */
export function screenState(terminal: Terminal): ScreenState {
  const buffer = terminal.buffer.active;
  const cell = buffer.getNullCell();
  const text: string[] = [];
  const attrs: string[] = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.baseY + y);
    text.push(line?.translateToString(true) ?? "");
    const runs: string[] = [];
    let look = "";
    let count = 0;
    for (let x = 0; x < terminal.cols; x++) {
      const here = line?.getCell(x, cell);
      const next = here ? lookOf(here) : "missing";
      if (next === look) count++;
      else {
        if (count > 0) runs.push(`${count}×${look}`);
        look = next;
        count = 1;
      }
    }
    if (count > 0) runs.push(`${count}×${look}`);
    attrs.push(runs.join(" | "));
  }
  return {
    cols: terminal.cols,
    rows: terminal.rows,
    buffer: buffer.type,
    cursor: { x: buffer.cursorX, y: buffer.cursorY },
    text,
    attrs,
    modes: { ...terminal.modes },
  };
}

/** Where `terminal` is scrolled to. */
export function scrollState(terminal: Terminal, highlightedLine: number | null): ScrollState {
  const buffer = terminal.buffer.active;
  return { viewportY: buffer.viewportY, baseY: buffer.baseY, rows: terminal.rows, highlightedLine };
}

// Colour modes as xterm numbers them (getFgColorMode() >> 24): default, 16 colours, 256, RGB.
const COLOUR_MODES = ["default", "p16", "p256", "rgb"];

function colourOf(mode: number, value: number): string {
  const name = COLOUR_MODES[(mode >>> 24) & 3] ?? "default";
  return name === "default" ? name : `${name}:${value}`;
}

function lookOf(cell: IBufferCell): string {
  const flags = [
    cell.isBold() && "bold",
    cell.isDim() && "dim",
    cell.isItalic() && "italic",
    cell.isUnderline() && "underline",
    cell.isBlink() && "blink",
    cell.isInverse() && "inverse",
    cell.isInvisible() && "invisible",
    cell.isStrikethrough() && "strikethrough",
    cell.isOverline() && "overline",
  ].filter(Boolean);
  const fg = colourOf(cell.getFgColorMode(), cell.getFgColor());
  const bg = colourOf(cell.getBgColorMode(), cell.getBgColor());
  return [`fg=${fg}`, `bg=${bg}`, ...flags].join(" ");
}
