/** Follows the panel's size: the fit addon proposes cols/rows whenever the element resizes. */
import type { FitAddon } from "@xterm/addon-fit";

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
 * size (and once at start).
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
