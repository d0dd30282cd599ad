/** Validation and clamping of terminal sizes, shared by the session, the runner and the client. */
import { MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS } from "./limits.ts";

/** A terminal size in character cells. */
export interface TerminalSize {
  cols: number;
  rows: number;
}

/** The result of checking a size a peer sent. */
export type SizeCheck =
  { ok: true; size: TerminalSize; clamped: boolean } | { ok: false; error: string };

/**
 * Checks a size from an untrusted peer. Non-numbers and non-finite numbers are errors
 * (node-pty throws on NaN and would kill the runner); finite numbers are rounded and
 * clamped into bounds, because a too-large window is a user's reality, not an attack.
 */
export function checkTerminalSize(cols: unknown, rows: unknown): SizeCheck {
  if (typeof cols !== "number" || !Number.isFinite(cols)) {
    return { ok: false, error: `cols must be a finite number, got ${describe(cols)}` };
  }
  if (typeof rows !== "number" || !Number.isFinite(rows)) {
    return { ok: false, error: `rows must be a finite number, got ${describe(rows)}` };
  }
  const size = {
    cols: clamp(Math.round(cols), MIN_COLS, MAX_COLS),
    rows: clamp(Math.round(rows), MIN_ROWS, MAX_ROWS),
  };
  return { ok: true, size, clamped: size.cols !== cols || size.rows !== rows };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function describe(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 20))}`;
  return String(value);
}
