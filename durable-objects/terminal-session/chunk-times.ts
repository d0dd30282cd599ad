/**
 * When each part of a stored output chunk arrived, for recordings: a chunk coalesces many writes
 * (keystroke echoes over minutes may share one row), so one time per row would flatten a
 * session's timing. The times ride in the chunk's own row, which each write rewrites anyway, so
 * they cost no extra rows.
 */

/** [byte offset within the chunk, milliseconds since the epoch] pairs, offsets ascending, the first at 0. */
export type ChunkTimes = [offset: number, at: number][];

/** Adds the time of bytes written at `offset` within the chunk, unless the last time is the same. */
export function addTime(times: ChunkTimes, offset: number, at: number): ChunkTimes {
  const last = times[times.length - 1];
  if (last && (last[1] >= at || last[0] === offset)) return times;
  return [...times, [offset, at]];
}

/** The times of the chunk's bytes from `skip` on, rebased to start at 0 there. */
export function timesFrom(times: ChunkTimes, skip: number): ChunkTimes {
  if (skip <= 0) return times;
  const out: ChunkTimes = [];
  for (const [offset, at] of times) {
    if (offset <= skip) out[0] = [0, at];
    else out.push([offset - skip, at]);
  }
  return out;
}

/**
 * Encodes times compactly: unsigned LEB128 pairs of (offset step, milliseconds step), the first
 * step from (0, 0). Arithmetic, not bit operations: a time in milliseconds needs 41 bits.
 */
export function encodeTimes(times: ChunkTimes): Uint8Array {
  const out: number[] = [];
  let offset = 0;
  let at = 0;
  for (const [nextOffset, nextAt] of times) {
    writeVarint(out, Math.max(0, nextOffset - offset));
    writeVarint(out, Math.max(0, nextAt - at));
    offset = nextOffset;
    at = Math.max(at, nextAt);
  }
  return new Uint8Array(out);
}

/** Decodes what encodeTimes wrote; a truncated pair at the end is dropped. */
export function decodeTimes(bytes: Uint8Array): ChunkTimes {
  const times: ChunkTimes = [];
  let i = 0;
  let offset = 0;
  let at = 0;
  const read = (): number | null => {
    let value = 0;
    let scale = 1;
    while (i < bytes.length) {
      const byte = bytes[i++]!;
      value += (byte % 128) * scale;
      if (byte < 128) return value;
      scale *= 128;
    }
    return null;
  };
  for (;;) {
    const offsetStep = read();
    const atStep = read();
    if (offsetStep === null || atStep === null) return times;
    offset += offsetStep;
    at += atStep;
    times.push([offset, at]);
  }
}

function writeVarint(out: number[], value: number): void {
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
}
