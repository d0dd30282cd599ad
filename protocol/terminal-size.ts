/** Terminal sizes: the schema every peer checks sizes with, and clamping of sizes measured locally. */
import * as z from "zod/mini";
import { MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS } from "./limits.ts";
import { integer } from "./schemas/fields.ts";

/** Columns: an integer from MIN_COLS to MAX_COLS. */
export const ColsSchema = integer(MIN_COLS, MAX_COLS);
/** Rows: an integer from MIN_ROWS to MAX_ROWS. */
export const RowsSchema = integer(MIN_ROWS, MAX_ROWS);

export const TerminalSizeSchema = z.object({ cols: ColsSchema, rows: RowsSchema });
/** A terminal size in character cells. */
export type TerminalSize = z.infer<typeof TerminalSizeSchema>;

/** The result of clamping a size. */
export type SizeCheck =
  { ok: true; size: TerminalSize; clamped: boolean } | { ok: false; error: string };

/**
 * Clamps a size this side measured or was configured with (a browser's fitted terminal, a
 * runner's plan): non-numbers and non-finite numbers are errors (node-pty throws on NaN);
 * finite numbers are rounded and clamped into bounds, because a too-large window is a user's
 * reality. Sizes a peer sends are not clamped: the message schemas refuse them.
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
