/** xterm options for the panel: dark and light themes, local fonts only, long scrollback. */
import type { ITerminalOptions, ITheme } from "@xterm/xterm";
import type { ResolvedColorScheme } from "./color-scheme.ts";

/** Lines kept above the screen. */
export const SCROLLBACK_LINES = 10_000;

/**
 * Monospace fonts the viewer's system already has: the bundle must work offline, so no web
 * fonts. "Noto Color Emoji"/"Apple Color Emoji" give wide emoji glyphs where installed.
 */
export const FONT_FAMILY = [
  "ui-monospace",
  "SFMono-Regular",
  "Menlo",
  "Consolas",
  '"Cascadia Mono"',
  '"DejaVu Sans Mono"',
  '"Liberation Mono"',
  '"Noto Sans Mono"',
  "monospace",
  '"Apple Color Emoji"',
  '"Noto Color Emoji"',
].join(", ");

/** A dark palette matching the page (One Dark-like ANSI colours). */
export const THEME: ITheme = {
  background: "#0d1117",
  foreground: "#d6deeb",
  cursor: "#7ee787",
  cursorAccent: "#0d1117",
  selectionBackground: "#264f78",
  black: "#1b1f27",
  red: "#ff6b6b",
  green: "#7ee787",
  yellow: "#e3b341",
  blue: "#58a6ff",
  magenta: "#d2a8ff",
  cyan: "#56d4dd",
  white: "#c9d1d9",
  brightBlack: "#6e7681",
  brightRed: "#ffa198",
  brightGreen: "#aff5b4",
  brightYellow: "#f8e3a1",
  brightBlue: "#a5d6ff",
  brightMagenta: "#e2c5ff",
  brightCyan: "#b3f0ff",
  brightWhite: "#f0f6fc",
  // The overview ruler's edge (command-decorations.ts), as quiet as the panel's borders.
  overviewRulerBorder: "#30363d",
};

/** A light palette for light pages (GitHub Light-like ANSI colours, readable on white). */
export const LIGHT_THEME: ITheme = {
  background: "#ffffff",
  foreground: "#1f2328",
  cursor: "#1a7f37",
  cursorAccent: "#ffffff",
  selectionBackground: "#add6ff",
  black: "#24292f",
  red: "#cf222e",
  green: "#116329",
  yellow: "#7d4e00",
  blue: "#0969da",
  magenta: "#8250df",
  cyan: "#1b7c83",
  white: "#6e7781",
  brightBlack: "#57606a",
  brightRed: "#a40e26",
  brightGreen: "#1a7f37",
  brightYellow: "#633c01",
  brightBlue: "#218bff",
  brightMagenta: "#a475f9",
  brightCyan: "#3192aa",
  brightWhite: "#8c959f",
  overviewRulerBorder: "#d0d7de",
};

/** The palette of a scheme: THEME (dark) or LIGHT_THEME. */
export function themeFor(scheme: ResolvedColorScheme): ITheme {
  return scheme === "light" ? LIGHT_THEME : THEME;
}

/** Options every panel terminal starts with. */
export function terminalOptions(fontSize: number): ITerminalOptions {
  return {
    fontFamily: FONT_FAMILY,
    fontSize,
    lineHeight: 1.15,
    scrollback: SCROLLBACK_LINES,
    theme: THEME,
    cursorBlink: true,
    // A solid block while focused, an outline while not: the cursor is always drawn.
    cursorStyle: "block",
    cursorInactiveStyle: "outline",
    // Window reports (CSI t) stay off: they answer with pixel sizes of this viewer's screen.
    windowOptions: {},
    // The shell turns bracketed paste on (DECSET 2004); xterm then wraps pastes by itself.
    ignoreBracketedPasteMode: false,
    // xterm keeps `terminal.unicode` (which the Unicode 11 width tables register with) behind
    // this flag. It gates API stability for our own code, not anything the output can do.
    allowProposedApi: true,
    // Output comes from a PTY, which already turns \n into \r\n.
    convertEol: false,
    // Right-click copies a selection or pastes (clipboard-keys.ts), as VS Code's "copyPaste":
    // selecting the word under the pointer first would make every right-click a copy.
    rightClickSelectsWord: false,
    macOptionIsMeta: true,
    smoothScrollDuration: 0,
    // Under the scrollbar, a map of the commands in the scrollback: green succeeded, red failed
    // (command-decorations.ts). It takes the scrollbar's place, so its width is the scrollbar's.
    overviewRuler: { width: 10 },
  };
}

/** Smaller text on narrow (phone) screens, so more columns fit. */
export function fontSizeFor(width: number): number {
  return width < 600 ? 12 : 14;
}
