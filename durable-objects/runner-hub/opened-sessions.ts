/** The hub's record of the sessions it asked each host's runner to open, to find those a restarted runner no longer has. */

/**
 * A record not confirmed for this long (ms) is dropped: the hub is not told when a session ends
 * normally, so this bounds the table. Longer than the 24 h idle timeout on purpose: a session
 * that stays active outlives it, and forgetting one too early would let its loss go unnoticed.
 */
export const OPENED_RECORD_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Records in `opened_sessions` (created on first use) of the hub's SQLite storage. */
export class OpenedSessions {
  #sql: SqlStorage;
  #ready = false;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /**
   * Remembers that `sessionId` was sent to `host`'s runner over control connection `connection`,
   * and drops records older than the retention (a cheap indexed delete, done as records are added).
   */
  record(host: string, sessionId: string, connection: string, now: number): void {
    const sql = this.#table();
    sql.exec(
      "INSERT OR REPLACE INTO opened_sessions (session_id, host, connection, seen_at) VALUES (?, ?, ?, ?)",
      sessionId,
      host,
      connection,
      now,
    );
    sql.exec("DELETE FROM opened_sessions WHERE seen_at < ?", now - OPENED_RECORD_RETENTION_MS);
  }

  /** Forgets a session (it is gone, or it was reported lost). */
  forget(sessionId: string): void {
    this.#table().exec("DELETE FROM opened_sessions WHERE session_id = ?", sessionId);
  }

  /** Every session recorded (the host's credential was revoked: each must drop its runner). */
  all(): string[] {
    return this.#table()
      .exec<{ session_id: string }>("SELECT session_id FROM opened_sessions")
      .toArray()
      .map((row) => row.session_id);
  }

  /** Whether `sessionId` was opened here (a runner may speak only of its own host's sessions). */
  has(sessionId: string): boolean {
    return (
      this.#table().exec("SELECT 1 FROM opened_sessions WHERE session_id = ?", sessionId).toArray()
        .length > 0
    );
  }

  /**
   * Compares the host's records with the sessions its runner says it has (its `hello` on
   * `connection`): confirms the ones it has and returns the ones it lacks, which the caller
   * reports lost and then forgets. A session sent over this same connection is never judged:
   * the runner sends `hello` as soon as it connects, so that `open` may have crossed it.
   */
  missing(host: string, connection: string, present: string[], now: number): string[] {
    const sql = this.#table();
    const has = new Set(present);
    const rows = sql
      .exec<{ session_id: string; connection: string }>(
        "SELECT session_id, connection FROM opened_sessions WHERE host = ?",
        host,
      )
      .toArray();
    const lost: string[] = [];
    for (const row of rows) {
      if (has.has(row.session_id)) {
        sql.exec(
          "UPDATE opened_sessions SET seen_at = ? WHERE session_id = ?",
          now,
          row.session_id,
        );
      } else if (row.connection !== connection) {
        lost.push(row.session_id);
      }
    }
    return lost;
  }

  #table(): SqlStorage {
    if (!this.#ready) {
      this.#sql.exec(
        `CREATE TABLE IF NOT EXISTS opened_sessions (
           session_id TEXT PRIMARY KEY,
           host TEXT NOT NULL,
           connection TEXT NOT NULL,
           seen_at INTEGER NOT NULL
         )`,
      );
      this.#sql.exec("CREATE INDEX IF NOT EXISTS opened_sessions_host ON opened_sessions (host)");
      this.#sql.exec(
        "CREATE INDEX IF NOT EXISTS opened_sessions_seen ON opened_sessions (seen_at)",
      );
      this.#ready = true;
    }
    return this.#sql;
  }
}
