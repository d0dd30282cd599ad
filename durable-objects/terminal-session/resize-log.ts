/** The terminal's resizes, with the output offset and time of each, kept in SQLite: a recording replays them as "r" events. */
import type { TerminalSize } from "../../protocol/index.ts";
import type { Resize } from "../../worker/sessions/asciicast.ts";

/** Resizes kept; older ones are deleted (a recording of the retained output rarely reaches them). */
const KEPT_RESIZES = 1000;

/** The session's resize log. */
export class ResizeLog {
  readonly #sql: SqlStorage;
  /** The newest row: a resize at the same offset replaces it. */
  #last: { id: number; offset: number } | null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(
      `CREATE TABLE IF NOT EXISTS resizes (id INTEGER PRIMARY KEY AUTOINCREMENT,
        offset INTEGER NOT NULL, at INTEGER NOT NULL, cols INTEGER NOT NULL, rows INTEGER NOT NULL)`,
    );
    this.#last =
      sql
        .exec<{ id: number; offset: number }>(
          "SELECT id, offset FROM resizes ORDER BY id DESC LIMIT 1",
        )
        .toArray()[0] ?? null;
  }

  /**
   * The terminal became `size` when the output had reached `offset`. Resizes with no output
   * between them (a person dragging a window edge) leave one row: only the last size shows.
   */
  record(offset: number, at: number, size: TerminalSize): void {
    if (this.#last?.offset === offset) {
      this.#sql.exec(
        "UPDATE resizes SET at = ?, cols = ?, rows = ? WHERE id = ?",
        at,
        size.cols,
        size.rows,
        this.#last.id,
      );
      return;
    }
    const row = this.#sql
      .exec<{ id: number }>(
        "INSERT INTO resizes (offset, at, cols, rows) VALUES (?, ?, ?, ?) RETURNING id",
        offset,
        at,
        size.cols,
        size.rows,
      )
      .toArray()[0]!;
    this.#last = { id: row.id, offset };
    this.#sql.exec("DELETE FROM resizes WHERE id <= ?", row.id - KEPT_RESIZES);
  }

  /** The resizes at offsets in [from, to), in the order they happened. */
  between(from: number, to: number): Resize[] {
    return this.#sql
      .exec<{ offset: number; at: number; cols: number; rows: number }>(
        "SELECT offset, at, cols, rows FROM resizes WHERE offset >= ? AND offset < ? ORDER BY id",
        from,
        to,
      )
      .toArray()
      .map((row) => ({ offset: row.offset, at: row.at, cols: row.cols, rows: row.rows }));
  }

  /** The size set last at or before `offset`, or null if the log has none (the starting size held). */
  sizeAt(offset: number): TerminalSize | null {
    const row = this.#sql
      .exec<{ cols: number; rows: number }>(
        "SELECT cols, rows FROM resizes WHERE offset <= ? ORDER BY id DESC LIMIT 1",
        offset,
      )
      .toArray()[0];
    return row ? { cols: row.cols, rows: row.rows } : null;
  }
}
