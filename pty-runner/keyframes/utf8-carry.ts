/** Holds back a UTF-8 character split across chunks until it is whole, because xterm 6.0 loses some split characters. */
// xterm's UTF-8 decoder (Utf8ToUtf32 in @xterm/headless and @xterm/xterm 6.0.0) keeps the bytes of
// a character split across two writes, but counts them with `interim[i] & 0x3F`, which is 0 for a
// continuation byte 0x80. A character cut right after such a byte is dropped: "–" (E2 80 93) written
// as E2 80 | 93 prints nothing, and so do ‘’“”…• and the zero-width joiner. PTY reads and network
// frames cut anywhere, so the tracker gives xterm whole characters only. (A browser viewer fed
// chunks as they come has the same bug; it is independent of keyframes.)

export class Utf8Carry {
  #held: Uint8Array = new Uint8Array(0);

  /** Bytes received but not yet passed on: the start of a character whose rest has not come. */
  get held(): number {
    return this.#held.length;
  }

  /** Bytes still due to complete the held character (0 if none is held). */
  get due(): number {
    const lead = this.#held[0];
    if (lead === undefined) return 0;
    return Math.max(0, sequenceLength(lead) - this.#held.length);
  }

  /** The part of (held bytes + `bytes`) made of whole characters; keeps the unfinished end. */
  take(bytes: Uint8Array): Uint8Array {
    const data = this.#held.length === 0 ? bytes : concat(this.#held, bytes);
    const cut = wholeLength(data);
    this.#held = cut === data.length ? new Uint8Array(0) : data.slice(cut);
    return cut === data.length ? data : data.subarray(0, cut);
  }
}

/** Length of the UTF-8 sequence a lead byte starts (1 for anything that is not a lead of a longer one). */
function sequenceLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/** Where the last character of `data` that is not yet complete starts (data.length if none). */
function wholeLength(data: Uint8Array): number {
  // A character is at most 4 bytes: look at the last 3 for a lead byte whose sequence runs past the end.
  for (let back = 1; back <= 3 && back <= data.length; back++) {
    const byte = data[data.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: the lead is further back
    if (byte >= 0xc0 && sequenceLength(byte) > back) return data.length - back;
    return data.length;
  }
  return data.length;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
