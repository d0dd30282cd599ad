/** The session's newest keyframe (the terminal's state at an output offset, from the runner) in the Durable Object's SQLite storage. */
// Only the newest is kept: a joiner wants the latest state, and keyframe + tail is only valid while
// the tail after it is retained, which the history guarantees for the newest one (keepFrom).

/** A keyframe without its data: what the session decides with. */
export interface KeyframeInfo {
  offset: number;
  cols: number;
  rows: number;
}

/** A keyframe with its data (escape sequences and text, UTF-8). */
export interface StoredKeyframe extends KeyframeInfo {
  data: Uint8Array;
}

/** Creates the keyframe table if needed; called only for sessions that exist. */
export function createKeyframeTable(sql: SqlStorage): void {
  sql.exec(
    "CREATE TABLE IF NOT EXISTS keyframes (offset INTEGER PRIMARY KEY, cols INTEGER NOT NULL, rows INTEGER NOT NULL, data BLOB NOT NULL)",
  );
}

/** The newest keyframe of one session; its metadata is cached, its data read when a joiner needs it. */
export class KeyframeStore {
  readonly #sql: SqlStorage;
  #newest: KeyframeInfo | null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    const row = sql
      .exec<{ offset: number; cols: number; rows: number }>(
        "SELECT offset, cols, rows FROM keyframes ORDER BY offset DESC LIMIT 1",
      )
      .toArray()[0];
    this.#newest = row ? { offset: row.offset, cols: row.cols, rows: row.rows } : null;
  }

  /** The newest keyframe's offset and size, or null. */
  get newest(): KeyframeInfo | null {
    return this.#newest;
  }

  /** The newest keyframe with its data, or null. */
  read(): StoredKeyframe | null {
    const row = this.#sql
      .exec<{ offset: number; cols: number; rows: number; data: ArrayBuffer }>(
        "SELECT offset, cols, rows, data FROM keyframes ORDER BY offset DESC LIMIT 1",
      )
      .toArray()[0];
    if (!row) return null;
    return { offset: row.offset, cols: row.cols, rows: row.rows, data: new Uint8Array(row.data) };
  }

  /** Keeps `keyframe` as the newest, replacing the one before. */
  put(keyframe: StoredKeyframe): void {
    this.#sql.exec("DELETE FROM keyframes");
    this.#sql.exec(
      "INSERT INTO keyframes (offset, cols, rows, data) VALUES (?, ?, ?, ?)",
      keyframe.offset,
      keyframe.cols,
      keyframe.rows,
      keyframe.data,
    );
    this.#newest = { offset: keyframe.offset, cols: keyframe.cols, rows: keyframe.rows };
  }

  /** Forgets the keyframe (the history was trimmed past it). */
  clear(): void {
    this.#sql.exec("DELETE FROM keyframes");
    this.#newest = null;
  }
}
