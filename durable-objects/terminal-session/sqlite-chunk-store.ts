/** The session's ChunkStore in the Durable Object's SQLite storage: one row per coalesced chunk. */
import type { Chunk, ChunkStore } from "./output-history.ts";

/** Creates the chunk table if needed; called only for sessions that exist. */
export function createChunkTable(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS chunks (start INTEGER PRIMARY KEY, data BLOB NOT NULL)");
}

/** ChunkStore backed by `chunks(start, data)`. Cursors are consumed at once (no await between). */
export class SqliteChunkStore implements ChunkStore {
  #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  bounds(): { first: Chunk; last: Chunk } | null {
    const first = this.#one("SELECT start, data FROM chunks ORDER BY start ASC LIMIT 1");
    const last = this.#one("SELECT start, data FROM chunks ORDER BY start DESC LIMIT 1");
    return first && last ? { first, last } : null;
  }

  put(chunk: Chunk): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO chunks (start, data) VALUES (?, ?)",
      chunk.start,
      chunk.data,
    );
  }

  deleteBefore(offset: number): void {
    this.#sql.exec("DELETE FROM chunks WHERE start < ?", offset);
  }

  readFrom(offset: number, maxBytes: number): Chunk[] {
    // The chunk holding `offset` starts at or before it: start from the greatest such start.
    const rows = this.#sql.exec<{ start: number; data: ArrayBuffer }>(
      `SELECT start, data FROM chunks
       WHERE start >= COALESCE((SELECT MAX(start) FROM chunks WHERE start <= ?), 0)
       ORDER BY start ASC`,
      offset,
    );
    const out: Chunk[] = [];
    let covered = 0;
    for (const row of rows) {
      const data = new Uint8Array(row.data);
      if (row.start + data.byteLength <= offset) continue;
      out.push({ start: row.start, data });
      covered += row.start + data.byteLength - Math.max(row.start, offset);
      if (covered >= maxBytes) break;
    }
    return out;
  }

  #one(query: string): Chunk | null {
    const row = this.#sql.exec<{ start: number; data: ArrayBuffer }>(query).toArray()[0];
    return row ? { start: row.start, data: new Uint8Array(row.data) } : null;
  }
}
