/**
 * A session's output history: every byte has an absolute offset; chunks are coalesced, capped
 * and trimmed from the front, and remember when their bytes came. Pure logic over a ChunkStore,
 * independent of SQLite and sockets.
 */
import { addTime, timesFrom, type ChunkTimes } from "./chunk-times.ts";

/** A stored run of output bytes starting at absolute offset `start`. */
export interface Chunk {
  start: number;
  data: Uint8Array;
  /** When its bytes were stored (see chunk-times.ts); absent when unknown (rows from before times). */
  times?: ChunkTimes | undefined;
}

/** Where chunks live. The session object backs this with SQLite; tests with memory. */
export interface ChunkStore {
  /** The first and the last chunk, or null when there are none. */
  bounds(): { first: Chunk; last: Chunk } | null;
  /** Inserts or replaces the chunk starting at `chunk.start`. */
  put(chunk: Chunk): void;
  /** Deletes every chunk that starts before `offset`. */
  deleteBefore(offset: number): void;
  /**
   * Chunks that hold bytes at or after `offset`, in order, until about `maxBytes` are covered;
   * with their times only when `withTimes` (most reads replay bytes and need none).
   */
  readFrom(offset: number, maxBytes: number, withTimes?: boolean): Chunk[];
}

/** Tunables of the history. */
export interface HistoryOptions {
  /** Most bytes retained; older bytes are trimmed from the front. */
  capBytes: number;
  /** A tail chunk smaller than this is extended in place instead of adding a row. */
  coalesceBelowBytes: number;
  /** Never grow a coalesced chunk beyond this. */
  maxChunkBytes: number;
  /**
   * Most bytes retained to keep the newest keyframe's tail (see `keepFrom`); beyond it the
   * history is trimmed to `capBytes` even past the keyframe. Default 4 × capBytes.
   */
  hardCapBytes?: number;
}

/** Defaults: 8 MiB of history, rows of up to 64 KiB, small writes merged below 16 KiB. */
export const DEFAULT_HISTORY_OPTIONS: HistoryOptions = {
  capBytes: 8 * 1024 * 1024,
  coalesceBelowBytes: 16 * 1024,
  maxChunkBytes: 64 * 1024,
};

/** What happened to output offered to the history. */
export type AppendResult =
  /** New bytes were stored; `data` is exactly the new part, starting at `offset`. */
  | { kind: "stored"; offset: number; data: Uint8Array }
  /** Everything offered was already stored (a runner resending after a reconnect). */
  | { kind: "duplicate" }
  /** The offered bytes start after the end: bytes in between are missing. Nothing stored. */
  | { kind: "gap"; expected: number };

/** The output history of one session. */
export class OutputHistory {
  #store: ChunkStore;
  #options: HistoryOptions;
  #start = 0;
  #end = 0;
  #tail: Chunk | null = null;
  #keepFrom: number | null = null;

  constructor(store: ChunkStore, options: Partial<HistoryOptions> = {}) {
    this.#store = store;
    this.#options = { ...DEFAULT_HISTORY_OPTIONS, ...options };
    const bounds = store.bounds();
    if (bounds) {
      this.#start = bounds.first.start;
      this.#tail = bounds.last;
      this.#end = bounds.last.start + bounds.last.data.byteLength;
    }
  }

  /** Offset of the first retained byte. */
  get start(): number {
    return this.#start;
  }

  /** Offset one past the last stored byte: the total output ever produced. */
  get end(): number {
    return this.#end;
  }

  /** Bytes retained at most while keeping a keyframe's tail: 4 × the cap unless configured. */
  get hardCapBytes(): number {
    return this.#options.hardCapBytes ?? 4 * this.#options.capBytes;
  }

  /**
   * Never trims bytes at or after `offset` (the newest keyframe's: a joiner gets the keyframe and
   * every byte after it), unless keeping them would retain more than `hardCapBytes`; then the
   * history is trimmed to its cap and `start` passes `offset`. Null: trim to the cap alone.
   */
  keepFrom(offset: number | null): void {
    this.#keepFrom = offset;
  }

  /**
   * What `append` would store, without storing it: the new part of output offered at `offset`.
   * Lets the session fan live output out before the write (and outside its output gate).
   */
  preview(offset: number, data: Uint8Array): AppendResult {
    if (offset > this.#end) return { kind: "gap", expected: this.#end };
    const fresh = data.subarray(Math.min(data.byteLength, this.#end - offset));
    if (fresh.byteLength === 0) return { kind: "duplicate" };
    return { kind: "stored", offset: this.#end, data: fresh };
  }

  /**
   * Stores output that starts at `offset`, arrived at `time` (ms; left out, the bytes take the
   * chunk's last time). Bytes before `end` are already stored and dropped by offset, so a runner
   * may resend freely; bytes after a gap are refused.
   */
  append(offset: number, data: Uint8Array, time?: number): AppendResult {
    const preview = this.preview(offset, data);
    if (preview.kind !== "stored") return preview;
    const fresh = preview.data;
    const at = this.#end;
    const tail = this.#tail;
    const { coalesceBelowBytes, maxChunkBytes } = this.#options;
    if (
      tail &&
      tail.data.byteLength < coalesceBelowBytes &&
      tail.data.byteLength + fresh.byteLength <= maxChunkBytes
    ) {
      const merged = new Uint8Array(tail.data.byteLength + fresh.byteLength);
      merged.set(tail.data);
      merged.set(fresh, tail.data.byteLength);
      const times =
        tail.times && time !== undefined
          ? addTime(tail.times, tail.data.byteLength, time)
          : tail.times;
      this.#tail = { start: tail.start, data: merged, times };
    } else {
      const times: ChunkTimes | undefined =
        time !== undefined ? [[0, time]] : tail?.times && [[0, tail.times.at(-1)![1]]];
      this.#tail = { start: at, data: fresh.slice(), times };
    }
    this.#store.put(this.#tail);
    this.#end = at + fresh.byteLength;
    this.#trim();
    return { kind: "stored", offset: at, data: fresh };
  }

  /**
   * Reads stored bytes from `from` (clamped to the retained start) as chunks of at most
   * `maxFrameBytes`, covering about `maxBytes` in all. Empty when `from` is at the end.
   */
  read(from: number, maxBytes: number, maxFrameBytes = this.#options.maxChunkBytes): Chunk[] {
    const begin = Math.max(from, this.#start);
    if (begin >= this.#end) return [];
    const out: Chunk[] = [];
    let covered = 0;
    for (const chunk of this.#store.readFrom(begin, maxBytes)) {
      const skip = Math.max(0, begin - chunk.start);
      let data = chunk.data.subarray(skip);
      let start = chunk.start + skip;
      while (data.byteLength > 0 && covered < maxBytes) {
        const piece = data.subarray(0, Math.min(maxFrameBytes, maxBytes - covered));
        out.push({ start, data: piece });
        covered += piece.byteLength;
        start += piece.byteLength;
        data = data.subarray(piece.byteLength);
      }
      if (covered >= maxBytes) break;
    }
    return out;
  }

  /**
   * Stored bytes from `from` (clamped to the retained start) with their times, as stored chunks
   * (the first cut to start at `from`), covering about `maxBytes`. For recordings.
   */
  readTimed(from: number, maxBytes: number): Chunk[] {
    const begin = Math.max(from, this.#start);
    if (begin >= this.#end) return [];
    return this.#store.readFrom(begin, maxBytes, true).map((chunk) => {
      const skip = Math.max(0, begin - chunk.start);
      if (skip === 0) return chunk;
      const times = chunk.times && timesFrom(chunk.times, skip);
      return { start: chunk.start + skip, data: chunk.data.subarray(skip), times };
    });
  }

  // Keeps at most capBytes by deleting whole chunks from the front, so the first retained
  // offset is a chunk start and no chunk is rewritten (a rewrite doubled the bytes written per
  // append under a flood). Only a tail chunk larger than the cap is ever cut.
  // A keyframe's offset (keepFrom) holds the front back, up to the hard cap; its chunk is kept
  // whole, so the keyframe's offset stays inside the history.
  #trim(): void {
    let limit = this.#end - this.#options.capBytes;
    const keep = this.#keepFrom;
    const keeping = keep !== null && keep >= this.#end - this.hardCapBytes;
    if (keeping) limit = Math.min(limit, keep);
    if (limit <= this.#start) return;
    const [straddling] = this.#store.readFrom(limit, 1);
    if (!straddling) return;
    const straddlingEnd = straddling.start + straddling.data.byteLength;
    let newStart = straddling.start >= limit ? straddling.start : straddlingEnd;
    // The chunk holding the kept offset stays whole.
    if (keeping && newStart > keep) newStart = straddling.start;
    if (newStart <= this.#start) return;
    if (newStart >= this.#end) {
      // The tail chunk alone exceeds the cap: keep its last capBytes.
      const skip = limit - straddling.start;
      // The straddling chunk is the tail here (it ends at the end), whose times are in memory.
      const times = this.#tail?.times && timesFrom(this.#tail.times, skip);
      const cut = { start: limit, data: straddling.data.slice(skip), times };
      this.#store.deleteBefore(this.#end);
      this.#store.put(cut);
      this.#tail = cut;
      newStart = limit;
    } else {
      this.#store.deleteBefore(newStart);
    }
    this.#start = newStart;
  }
}

/** A ChunkStore in memory, for tests and for reasoning about the SQLite one. */
export class MemoryChunkStore implements ChunkStore {
  readonly chunks = new Map<number, Uint8Array>();
  /** Each chunk's times, by start (only chunks stored with times). */
  readonly times = new Map<number, ChunkTimes>();

  bounds(): { first: Chunk; last: Chunk } | null {
    const starts = [...this.chunks.keys()].sort((a, b) => a - b);
    const first = starts[0];
    const last = starts[starts.length - 1];
    if (first === undefined || last === undefined) return null;
    return { first: this.#chunk(first, true), last: this.#chunk(last, true) };
  }

  put(chunk: Chunk): void {
    this.chunks.set(chunk.start, chunk.data.slice());
    if (chunk.times) this.times.set(chunk.start, structuredClone(chunk.times));
    else this.times.delete(chunk.start);
  }

  deleteBefore(offset: number): void {
    for (const start of [...this.chunks.keys()]) {
      if (start < offset) {
        this.chunks.delete(start);
        this.times.delete(start);
      }
    }
  }

  readFrom(offset: number, maxBytes: number, withTimes = false): Chunk[] {
    const starts = [...this.chunks.keys()].sort((a, b) => a - b);
    const out: Chunk[] = [];
    let covered = 0;
    for (const start of starts) {
      const data = this.chunks.get(start)!;
      if (start + data.byteLength <= offset) continue;
      out.push(this.#chunk(start, withTimes));
      covered += start + data.byteLength - Math.max(start, offset);
      if (covered >= maxBytes) break;
    }
    return out;
  }

  #chunk(start: number, withTimes: boolean): Chunk {
    const data = this.chunks.get(start)!;
    const times = withTimes ? this.times.get(start) : undefined;
    return times ? { start, data, times: structuredClone(times) } : { start, data };
  }
}
