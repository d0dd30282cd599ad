/** Output history of one session: absolute offsets, unacked bytes kept for resend, frames cut from it. */

/** A slice of output ready to be framed: `data` starts at absolute `offset`. */
export interface OutputSlice {
  offset: number;
  data: Uint8Array;
}

/** What `resumeFrom` did with the session's stored end. */
export type ResumeResult = { ok: true; from: number } | { ok: false; from: number; error: string };

interface Chunk {
  offset: number;
  bytes: Uint8Array;
}

/**
 * Everything the PTY produced that the session has not yet acknowledged as durably stored.
 *
 * Offsets start at 0 and count every byte the PTY ever produced. `[start, end)` is retained;
 * `[start, sendFrom)` was sent on the current connection and awaits an ack; `[sendFrom, end)`
 * is not sent yet. A reconnect rewinds `sendFrom` to what the session says it stored, which is
 * how nothing is lost and nothing is stored twice. Pure data: no timers, no sockets.
 */
export class OutputBuffer {
  #chunks: Chunk[] = [];
  // Index of the first live chunk; shifting arrays per ack would be O(n) per PTY read.
  #head = 0;
  #start = 0;
  #end = 0;
  #sendFrom = 0;
  #highWater = 0;

  /** Offset of the first byte still retained (everything before it was acked). */
  get start(): number {
    return this.#start;
  }

  /** Offset just after the last byte produced: the total output so far. */
  get end(): number {
    return this.#end;
  }

  /** Offset of the next byte to send. */
  get sendFrom(): number {
    return this.#sendFrom;
  }

  /** Bytes retained because the session has not acked them (sent or not). */
  get unackedBytes(): number {
    return this.#end - this.#start;
  }

  /** Bytes produced but not yet sent on the current connection. */
  get unsentBytes(): number {
    return this.#end - this.#sendFrom;
  }

  /** The most bytes ever retained at once: the memory bound the flow control keeps. */
  get highWaterMark(): number {
    return this.#highWater;
  }

  /** Appends bytes the PTY produced. The buffer keeps a reference: do not reuse `bytes`. */
  append(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.#chunks.push({ offset: this.#end, bytes });
    this.#end += bytes.byteLength;
    this.#highWater = Math.max(this.#highWater, this.unackedBytes);
  }

  /**
   * Frees everything before `offset`, which the session stored durably. Returns false (and
   * changes nothing) when the ack claims bytes that were never sent: a confused peer must not
   * make the runner drop output it still owes.
   */
  ack(offset: number): boolean {
    if (!Number.isSafeInteger(offset) || offset > this.#sendFrom) return false;
    this.#trimBefore(offset);
    return true;
  }

  /**
   * Starts a new connection: the session holds everything before `storedEnd`, so drop that and
   * send the rest again. A `storedEnd` beyond our end or before our start cannot be honoured
   * exactly; the result says so and resending starts where it can.
   */
  resumeFrom(storedEnd: number): ResumeResult {
    if (!Number.isSafeInteger(storedEnd) || storedEnd < 0) {
      this.#sendFrom = this.#start;
      return { ok: false, from: this.#start, error: `bad stored end ${storedEnd}` };
    }
    if (storedEnd > this.#end) {
      this.#trimBefore(this.#end);
      this.#sendFrom = this.#end;
      return {
        ok: false,
        from: this.#end,
        error: `session stored ${storedEnd} bytes but only ${this.#end} were produced`,
      };
    }
    if (storedEnd < this.#start) {
      this.#sendFrom = this.#start;
      return {
        ok: false,
        from: this.#start,
        error: `session stored only ${storedEnd} bytes but ${this.#start} were already acked`,
      };
    }
    this.#trimBefore(storedEnd);
    this.#sendFrom = storedEnd;
    return { ok: true, from: storedEnd };
  }

  /** Cuts the next slice of at most `maxBytes` unsent bytes and marks it sent; null when none. */
  takeSlice(maxBytes: number): OutputSlice | null {
    const want = Math.min(maxBytes, this.#end - this.#sendFrom);
    if (want <= 0) return null;
    const offset = this.#sendFrom;
    let index = this.#chunkIndexAt(offset);
    const first = this.#chunks[index] as Chunk;
    const firstFrom = offset - first.offset;
    // The common case (one PTY read per slice, or a slice inside one read) needs no copy.
    if (first.bytes.byteLength - firstFrom >= want) {
      this.#sendFrom += want;
      return { offset, data: first.bytes.subarray(firstFrom, firstFrom + want) };
    }
    const data = new Uint8Array(want);
    let filled = 0;
    while (filled < want) {
      const chunk = this.#chunks[index++] as Chunk;
      const from = filled === 0 ? firstFrom : 0;
      const take = Math.min(chunk.bytes.byteLength - from, want - filled);
      data.set(chunk.bytes.subarray(from, from + take), filled);
      filled += take;
    }
    this.#sendFrom += want;
    return { offset, data };
  }

  #trimBefore(offset: number): void {
    if (offset <= this.#start) return;
    this.#start = offset;
    while (this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head] as Chunk;
      if (chunk.offset + chunk.bytes.byteLength > offset) break;
      this.#head++;
    }
    // Compact now and then so the array does not grow without bound over a long session.
    if (this.#head > 1024 || (this.#head > 0 && this.#head === this.#chunks.length)) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }

  #chunkIndexAt(offset: number): number {
    // Binary search: after a rewind the slice may start anywhere in the retained chunks.
    let lo = this.#head;
    let hi = this.#chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#chunks[mid] as Chunk).offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
