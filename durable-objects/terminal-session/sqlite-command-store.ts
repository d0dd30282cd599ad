/** The session's CommandStore in the Durable Object's SQLite storage: one row per command. */
import type { CommandStore, StoredCommand } from "./command-log.ts";
import type { InputSource } from "./input-source.ts";

/** Creates the command table if needed; called only for sessions that exist. */
export function createCommandTable(sql: SqlStorage): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS commands (number INTEGER PRIMARY KEY, text TEXT, cwd TEXT,
      source TEXT, start_offset INTEGER NOT NULL, end_offset INTEGER,
      started_at INTEGER NOT NULL, ended_at INTEGER, exit_code INTEGER)`,
  );
}

type Row = {
  number: number;
  text: string | null;
  cwd: string | null;
  source: string | null;
  start_offset: number;
  end_offset: number | null;
  started_at: number;
  ended_at: number | null;
  exit_code: number | null;
};

const COLUMNS =
  "number, text, cwd, source, start_offset, end_offset, started_at, ended_at, exit_code";

/** CommandStore backed by `commands`. Every cursor is read to its end at once (no await between). */
export class SqliteCommandStore implements CommandStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  newest(): StoredCommand | null {
    const rows = this.#sql
      .exec<Row>(`SELECT ${COLUMNS} FROM commands ORDER BY number DESC LIMIT 1`)
      .toArray();
    return rows[0] ? fromRow(rows[0]) : null;
  }

  put(record: StoredCommand): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO commands (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.number,
      record.text,
      record.cwd,
      record.source === null ? null : JSON.stringify(record.source),
      record.start,
      record.end,
      record.startedAt,
      record.endedAt,
      record.exitCode,
    );
  }

  deleteThrough(number: number): void {
    this.#sql.exec("DELETE FROM commands WHERE number <= ?", number);
  }

  list(after: number, limit: number): StoredCommand[] {
    return this.#sql
      .exec<Row>(
        `SELECT ${COLUMNS} FROM commands WHERE number > ? ORDER BY number ASC LIMIT ?`,
        after,
        limit,
      )
      .toArray()
      .map(fromRow);
  }

  get(number: number): StoredCommand | null {
    const rows = this.#sql
      .exec<Row>(`SELECT ${COLUMNS} FROM commands WHERE number = ?`, number)
      .toArray();
    return rows[0] ? fromRow(rows[0]) : null;
  }
}

function fromRow(row: Row): StoredCommand {
  return {
    number: row.number,
    text: row.text,
    cwd: row.cwd,
    source: row.source === null ? null : (JSON.parse(row.source) as InputSource),
    start: row.start_offset,
    end: row.end_offset,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    exitCode: row.exit_code,
  };
}
