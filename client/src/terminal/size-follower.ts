/** Follows the panel's size: the fit addon proposes cols/rows whenever the element resizes. */
import type { FitAddon } from "@xterm/addon-fit";
import type { TerminalSize } from "../../../protocol/index.ts";

/**
 * What the panel fits and what the terminal shows. A writer says what its panel fits, but shows
 * the session's size (the smallest writer's): a bigger panel shows a margin, never a clipped shell.
 */
export interface PanelSizes {
  /** What the panel fits (null until measured). */
  fits: TerminalSize | null;
  /** What the terminal shows: the session's size. */
  shows: TerminalSize;
}

/** Whether the terminal is smaller than its panel in either direction (a margin shows). */
export function sizedDown(sizes: PanelSizes | null): boolean {
  const { fits, shows } = sizes ?? { fits: null, shows: null };
  return !!fits && !!shows && (shows.cols < fits.cols || shows.rows < fits.rows);
}

/** Resizes are debounced (ms): dragging a window edge fires dozens of observations. */
export const RESIZE_DEBOUNCE_MS = 120;

/** A running size follower. */
export interface SizeFollower {
  /** Proposes a size now, for changes the element does not see (a new font size). */
  measure(): void;
  /** Stops observing. */
  stop(): void;
}

/**
 * Calls `onSize` with the size that fits `element`, debounced, whenever the element changes
 * size (and once at start). The fit addon measures the terminal's parent element (`element`),
 * not the terminal, so a terminal kept smaller than its panel still learns what the panel fits.
 */
export function followSize(
  element: HTMLElement,
  fit: FitAddon,
  onSize: (cols: number, rows: number) => void,
): SizeFollower {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const measure = (): void => {
    timer = null;
    const proposed = fit.proposeDimensions();
    // Hidden (display: none) or not laid out yet: nothing sensible to propose.
    if (!proposed || !Number.isFinite(proposed.cols) || !Number.isFinite(proposed.rows)) return;
    if (proposed.cols < 2 || proposed.rows < 1) return;
    onSize(proposed.cols, proposed.rows);
  };
  const observer = new ResizeObserver(() => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(measure, RESIZE_DEBOUNCE_MS);
  });
  observer.observe(element);
  measure();
  return {
    measure: () => {
      if (timer !== null) clearTimeout(timer);
      measure();
    },
    stop: () => {
      observer.disconnect();
      if (timer !== null) clearTimeout(timer);
    },
  };
}
