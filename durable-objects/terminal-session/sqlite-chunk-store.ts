/** The session's ChunkStore in the Durable Object's SQLite storage: one row per coalesced chunk, with its times. */
import { decodeTimes, encodeTimes } from "./chunk-times.ts";
import type { Chunk, ChunkStore } from "./output-history.ts";

/**
 * Creates the chunk table if needed; called only for sessions that exist. A table made before
 * chunks had times gets the column (its rows keep NULL: their times are unknown).
 */
export function createChunkTable(sql: SqlStorage): void {
  sql.exec(
    "CREATE TABLE IF NOT EXISTS chunks (start INTEGER PRIMARY KEY, data BLOB NOT NULL, times BLOB)",
  );
  const columns = sql.exec<{ name: string }>("PRAGMA table_info(chunks)").toArray();
  if (!columns.some((column) => column.name === "times")) {
    sql.exec("ALTER TABLE chunks ADD COLUMN times BLOB");
  }
}

type Row = { start: number; data: ArrayBuffer; times?: ArrayBuffer | null };

/** ChunkStore backed by `chunks(start, data)`. Every cursor is read to its end at once (no await between). */
export class SqliteChunkStore implements ChunkStore {
  #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  bounds(): { first: Chunk; last: Chunk } | null {
    const first = this.#one("SELECT start, data FROM chunks ORDER BY start ASC LIMIT 1");
    // The last chunk is the one appends extend: its times are needed.
    const last = this.#one("SELECT start, data, times FROM chunks ORDER BY start DESC LIMIT 1");
    return first && last ? { first, last } : null;
  }

  put(chunk: Chunk): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO chunks (start, data, times) VALUES (?, ?, ?)",
      chunk.start,
      chunk.data,
      chunk.times ? encodeTimes(chunk.times) : null,
    );
  }

  deleteBefore(offset: number): void {
    this.#sql.exec("DELETE FROM chunks WHERE start < ?", offset);
  }

  readFrom(offset: number, maxBytes: number, withTimes = false): Chunk[] {
    // The query itself is bounded and its cursor read to the end. Breaking out of a cursor
    // leaves its statement open on `chunks` until the cursor is collected, and an open
    // statement makes a later DROP TABLE fail with SQLITE_LOCKED (ending a session did).
    // Chunks are contiguous, so the bytes before a chunk starting at `start` number
    // `start - offset`: the chunks needed are the one holding `offset` (the greatest start at or
    // before it) and those starting before `offset + maxBytes`.
    const rows = this.#sql
      .exec<Row>(
        `SELECT start, data${withTimes ? ", times" : ""} FROM chunks
         WHERE start >= COALESCE((SELECT MAX(start) FROM chunks WHERE start <= ?), 0)
           AND start < ?
         ORDER BY start ASC`,
        offset,
        offset + maxBytes,
      )
      .toArray();
    const out: Chunk[] = [];
    for (const row of rows) {
      const chunk = toChunk(row);
      // Only the first row can end at or before `offset` (when `offset` is at the end).
      if (row.start + chunk.data.byteLength > offset) out.push(chunk);
    }
    return out;
  }

  #one(query: string): Chunk | null {
    const row = this.#sql.exec<Row>(query).toArray()[0];
    return row ? toChunk(row) : null;
  }
}

function toChunk(row: Row): Chunk {
  const chunk: Chunk = { start: row.start, data: new Uint8Array(row.data) };
  if (row.times) chunk.times = decodeTimes(new Uint8Array(row.times));
  return chunk;
}
