/** Who typed into the shell, and when: runs of input by one source (an agent call or a writer), kept in SQLite. */

import type { InputSource } from "./input-source.ts";

export type { InputSource };

/** One run of input from one source. */
export interface InputRun {
  source: InputSource;
  /** The history's end when the run began: its effect shows from this offset on. */
  offset: number;
  bytes: number;
  firstAt: string;
  lastAt: string;
}

/** Runs kept; older ones are deleted. */
const KEPT_RUNS = 1000;

/**
 * Consecutive input from the same source extends one row, so a person typing a command costs
 * one row, not one per key, and the log still says who typed what at which output offset.
 */
export class InputLog {
  readonly #sql: SqlStorage;
  #last: { id: number; key: string } | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(
      `CREATE TABLE IF NOT EXISTS input_log (id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL, offset INTEGER NOT NULL, bytes INTEGER NOT NULL,
        first_at INTEGER NOT NULL, last_at INTEGER NOT NULL)`,
    );
    const last = sql
      .exec<{ id: number; source: string }>(
        "SELECT id, source FROM input_log ORDER BY id DESC LIMIT 1",
      )
      .toArray()[0];
    if (last) this.#last = { id: last.id, key: last.source };
  }

  /** Records `bytes` of input from `source`, typed when the output ended at `offset`. */
  record(source: InputSource, offset: number, bytes: number, now: number): void {
    const key = JSON.stringify(source);
    if (this.#last?.key === key) {
      this.#sql.exec(
        "UPDATE input_log SET bytes = bytes + ?, last_at = ? WHERE id = ?",
        bytes,
        now,
        this.#last.id,
      );
      return;
    }
    const row = this.#sql
      .exec<{ id: number }>(
        "INSERT INTO input_log (source, offset, bytes, first_at, last_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        key,
        offset,
        bytes,
        now,
        now,
      )
      .toArray()[0]!;
    this.#last = { id: row.id, key };
    this.#sql.exec("DELETE FROM input_log WHERE id <= ?", row.id - KEPT_RUNS);
  }

  /**
   * Who was typing when the output had reached `offset`: the source of the newest run that began
   * there or before (a command's line is typed before the shell prints its C mark). Null if none.
   */
  sourceAt(offset: number): InputSource | null {
    const row = this.#sql
      .exec<{ source: string }>(
        "SELECT source FROM input_log WHERE offset <= ? ORDER BY id DESC LIMIT 1",
        offset,
      )
      .toArray()[0];
    return row ? (JSON.parse(row.source) as InputSource) : null;
  }

  /** The most recent runs, oldest first. */
  recent(limit: number): InputRun[] {
    const rows = this.#sql
      .exec<{ source: string; offset: number; bytes: number; first_at: number; last_at: number }>(
        "SELECT source, offset, bytes, first_at, last_at FROM input_log ORDER BY id DESC LIMIT ?",
        limit,
      )
      .toArray();
    return rows.reverse().map((row) => ({
      source: JSON.parse(row.source) as InputSource,
      offset: row.offset,
      bytes: row.bytes,
      firstAt: new Date(row.first_at).toISOString(),
      lastAt: new Date(row.last_at).toISOString(),
    }));
  }
}
