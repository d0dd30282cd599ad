/** Jumping between commands with the keyboard, as in VS Code's terminal: which keys, and which prompt is next. Pure. */

/** Up to the previous command's prompt, or down to the next one. */
export type JumpDirection = "previous" | "next";

/** The parts of a KeyboardEvent the shortcut depends on. */
export interface JumpKey {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** Whether this browser runs on macOS (or iOS), where the shortcut takes Cmd instead of Ctrl. */
export function isMacPlatform(platform: string): boolean {
  return /^(Mac|iPhone|iPad|iPod)/.test(platform);
}

/**
 * The jump a key asks for: Ctrl+Up / Ctrl+Down (Cmd+Up / Cmd+Down on macOS), with no other
 * modifier. Null for any other key.
 */
export function jumpDirection(event: JumpKey, mac: boolean): JumpDirection | null {
  const modifier = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  if (!modifier || event.altKey || event.shiftKey) return null;
  if (event.key === "ArrowUp") return "previous";
  if (event.key === "ArrowDown") return "next";
  return null;
}

/** Where the terminal is scrolled to, in buffer lines. */
export interface ScrollView {
  /** The buffer line at the top of the viewport. */
  viewportY: number;
  /** The top line when scrolled to the bottom. */
  baseY: number;
  /** The cursor's buffer line. */
  cursorLine: number;
  /** The prompt line jumped to last, and the viewport's top right after that jump. */
  lastJump: { line: number; viewportY: number } | null;
}

/**
 * The line a jump counts from: the prompt jumped to last while the viewport still stays where
 * that jump left it (so prompts already on screen are stepped through too); otherwise the
 * viewport's top, or, scrolled to the bottom, the cursor's line going up and the end going down.
 */
export function jumpOrigin(view: ScrollView, direction: JumpDirection): number {
  if (view.lastJump && view.lastJump.viewportY === view.viewportY) return view.lastJump.line;
  if (view.viewportY < view.baseY) return view.viewportY;
  return direction === "previous" ? view.cursorLine : Number.POSITIVE_INFINITY;
}

/**
 * The prompt line to jump to from `origin`: the nearest one above it going up, below it going
 * down; null when there is none (`promptLines` ascending).
 */
export function jumpTarget(
  promptLines: readonly number[],
  origin: number,
  direction: JumpDirection,
): number | null {
  if (direction === "previous") {
    for (let i = promptLines.length - 1; i >= 0; i--) {
      const line = promptLines[i]!;
      if (line < origin) return line;
    }
    return null;
  }
  for (const line of promptLines) if (line > origin) return line;
  return null;
}
