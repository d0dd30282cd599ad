/** Measures the columns and rows a terminal panel will have in a given box, before it exists. */
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import type { TerminalSize } from "../../../protocol/index.ts";
import { MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS } from "../../../protocol/index.ts";
import { loadBestRenderer } from "./renderer.ts";
import { fontSizeFor, terminalOptions } from "./terminal-options.ts";
import { testHooks } from "./test-hooks.ts";
import { COARSE_QUERY } from "./coarse-pointer.ts";

/** How the panel will look; the same defaults as the panel's (TerminalDisplay). */
export interface MeasureOptions {
  /** Font size in CSS pixels; by default the panel's (fontSizeFor its width). */
  fontSize?: number;
}

/**
 * The size (cols × rows) a `TerminalPanel` laid out in `area`'s box will fit to, or null when
 * `area` is not laid out (hidden, zero-sized). Pass it as `cols`/`rows` when creating a session
 * whose panel will open there, so the first command runs at the size it is shown at: a program
 * that asks the terminal's size (`tput cols`, `ls`, a progress bar) formats for the real screen,
 * and nothing is re-wrapped when the panel opens.
 *
 * `area` is the element the panel will replace or fill (its placeholder, or an open panel in the
 * same place), for a writer. A hidden copy of the panel's frame (status strip, viewport, xterm
 * host, and on touch screens the extra-keys row) is laid
 * over the same box, a throwaway xterm with the same font, options and renderer as the panel's
 * is opened in it, the fit addon proposes its dimensions, and all of it is removed again.
 */
export function measureTerminalSize(
  area: HTMLElement,
  options: MeasureOptions = {},
): TerminalSize | null {
  const box = area.getBoundingClientRect();
  if (box.width < 1 || box.height < 1) return null;

  // The panel's frame, as TerminalPanel and StatusBar render it, so its CSS applies: the status
  // strip's height and the viewport's padding come out of the box exactly as they will.
  const frame = document.createElement("section");
  frame.className = "terminal-panel";
  frame.setAttribute("aria-hidden", "true");
  Object.assign(frame.style, {
    position: "fixed",
    left: `${box.left}px`,
    top: `${box.top}px`,
    width: `${box.width}px`,
    height: `${box.height}px`,
    boxSizing: "border-box",
    visibility: "hidden",
    pointerEvents: "none",
  });
  const status = document.createElement("div");
  status.className = "terminal-status";
  const label = document.createElement("span");
  label.className = "terminal-status__label";
  label.textContent = "Live";
  status.append(label);
  const viewport = document.createElement("div");
  viewport.className = "terminal-panel__viewport";
  const host = document.createElement("div");
  host.className = "terminal-panel__xterm";
  viewport.append(host);
  frame.append(status, viewport);
  // A writer's panel on a touch screen has the extra-keys row under its viewport
  // (touch-keys-row.tsx); one key gives the row its height.
  if (globalThis.matchMedia?.(COARSE_QUERY).matches) {
    const row = document.createElement("div");
    row.className = "terminal-touch-keys";
    const key = document.createElement("button");
    key.className = "terminal-touch-keys__key";
    key.textContent = "Esc";
    row.append(key);
    frame.append(row);
  }
  document.body.append(frame);

  const terminal = new Terminal(terminalOptions(options.fontSize ?? fontSizeFor(host.clientWidth)));
  const fit = new FitAddon();
  let renderer: { dispose(): void } | null = null;
  try {
    terminal.loadAddon(fit);
    terminal.open(host);
    // The WebGL renderer rounds cells to whole device pixels and the DOM renderer does not, so
    // the measure must use the renderer the panel will use (startTerminal's choice).
    if (!testHooks()?.domRenderer) renderer = loadBestRenderer(terminal);
    const proposed = fit.proposeDimensions();
    if (!proposed || !Number.isFinite(proposed.cols) || !Number.isFinite(proposed.rows)) {
      return null;
    }
    return {
      cols: clamp(proposed.cols, MIN_COLS, MAX_COLS),
      rows: clamp(proposed.rows, MIN_ROWS, MAX_ROWS),
    };
  } finally {
    renderer?.dispose();
    terminal.dispose();
    frame.remove();
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}
