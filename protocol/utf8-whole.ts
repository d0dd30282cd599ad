/** Output for xterm in whole UTF-8 characters, because xterm 6.0 loses some characters cut between two writes or between two of its parse slices. */
// xterm's UTF-8 decoder (Utf8ToUtf32 in @xterm/xterm 6.0.0) keeps the bytes of a character cut at
// the end of a write, but counts them with `interim[i] & 0x3F`, which is 0 for the continuation
// byte 0x80: a character cut right after such a byte is dropped ("–", E2 80 93, cut as E2 80 | 93
// prints nothing; so do ‘’“”…• and the zero-width joiner). Output frames are cut anywhere, and
// xterm itself cuts every write into slices of XTERM_PARSE_SLICE bytes, with the same decoder.
// Used by the browser panel's writer and by the runner's keyframe tracker (its headless xterm).

/** xterm parses a write in slices of this many bytes (its InputHandler's MAX_PARSEBUFFER_LENGTH). */
export const XTERM_PARSE_SLICE = 131_072;

/** Holds back a character cut at the end of one chunk until the rest of it comes. */
export class Utf8Carry {
  #held: Uint8Array = new Uint8Array(0);

  /** Bytes held back: the start of a character whose rest has not come. */
  get held(): number {
    return this.#held.byteLength;
  }

  /** Bytes still due to complete the held character (0 if none is held). */
  get due(): number {
    const lead = this.#held[0];
    if (lead === undefined) return 0;
    return Math.max(0, sequenceLength(lead) - this.#held.byteLength);
  }

  /** The held bytes and `bytes`, up to the last whole character; keeps the unfinished rest. */
  take(bytes: Uint8Array): Uint8Array {
    let data = bytes;
    if (this.#held.byteLength > 0) {
      data = new Uint8Array(this.#held.byteLength + bytes.byteLength);
      data.set(this.#held);
      data.set(bytes, this.#held.byteLength);
    }
    const cut = wholeLength(data);
    this.#held = data.slice(cut);
    return data.subarray(0, cut);
  }

  /** Forgets the held bytes (what follows does not continue them). */
  clear(): void {
    this.#held = new Uint8Array(0);
  }
}

/** `data` in pieces of at most `max` bytes (more than 3), none ending inside a character. */
export function wholeSlices(data: Uint8Array, max: number = XTERM_PARSE_SLICE): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let at = 0;
  while (data.byteLength - at > max) {
    let end = at + max;
    // Back off the continuation bytes (10xxxxxx) of a character the cut would split: 3 at most,
    // so that a run of them (binary output, not UTF-8) still goes in big pieces.
    const floor = end - 3;
    while (end > floor && ((data[end] ?? 0) & 0xc0) === 0x80) end--;
    pieces.push(data.subarray(at, end));
    at = end;
  }
  if (at < data.byteLength) pieces.push(data.subarray(at));
  return pieces;
}

/** Length of the UTF-8 sequence a lead byte starts (1 for anything else). */
function sequenceLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/** Where a character that `data` ends before finishing starts (data.length if none). */
function wholeLength(data: Uint8Array): number {
  // A character is at most 4 bytes: its lead is among the last 3 if it is unfinished.
  for (let back = 1; back <= 3 && back <= data.byteLength; back++) {
    const byte = data[data.byteLength - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: the lead is further back
    if (byte >= 0xc0 && sequenceLength(byte) > back) return data.byteLength - back;
    return data.byteLength;
  }
  return data.byteLength;
}
