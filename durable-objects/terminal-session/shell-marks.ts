/**
 * A streaming parser for OSC 133 shell-integration marks (prompt start A, input start B,
 * command start C, command end D;exit) in raw PTY output, with absolute offsets. Marks split
 * across frames are found too. The runner's marks end in a per-session nonce (`;n=<nonce>`),
 * so callers can tell the shell's own marks from look-alikes a command printed.
 */

/** One mark, with the byte range of its escape sequence. */
export interface ShellMark {
  kind: "A" | "B" | "C" | "D";
  /** Exit status on D marks, when the shell reported one. */
  exitCode: number | null;
  /** The mark's `n=` parameter (the session's nonce), or null when it has none. */
  nonce: string | null;
  /** Offset of the mark's first byte (ESC). */
  start: number;
  /** Offset one past its last byte (BEL or ST). */
  end: number;
}

const ESC = 0x1b;
const BEL = 0x07;
const PREFIX = [ESC, 0x5d, 0x31, 0x33, 0x33, 0x3b]; // ESC ] 1 3 3 ;
/** A mark longer than this is not a mark (protects against unbounded buffering). */
const MAX_MARK_BYTES = 128;

/** Feeds output in order; returns the marks each piece completes. */
export class ShellMarkParser {
  #pending: number[] = [];
  #pendingStart = 0;

  /** Forgets a sequence begun in an earlier piece (the next piece does not follow it). */
  reset(): void {
    this.#pending = [];
  }

  /** Parses `data`, which starts at absolute `offset` right after the previous piece. */
  feed(offset: number, data: Uint8Array): ShellMark[] {
    const marks: ShellMark[] = [];
    let i = 0;
    if (this.#pending.length > 0) {
      // Continue a sequence that began in an earlier piece.
      for (; i < data.length; i++) {
        const verdict = this.#push(data[i]!);
        if (verdict === "done") {
          const mark = this.#finish(offset + i + 1);
          if (mark) marks.push(mark);
          i++;
          break;
        }
        if (verdict === "abandon") break;
      }
      if (this.#pending.length > 0) return marks;
    }
    while (i < data.length) {
      const esc = data.indexOf(ESC, i);
      if (esc < 0) break;
      this.#pending = [ESC];
      this.#pendingStart = offset + esc;
      let j = esc + 1;
      let finished = false;
      for (; j < data.length; j++) {
        const verdict = this.#push(data[j]!);
        if (verdict === "done") {
          const mark = this.#finish(offset + j + 1);
          if (mark) marks.push(mark);
          finished = true;
          j++;
          break;
        }
        if (verdict === "abandon") {
          finished = true;
          break;
        }
      }
      if (!finished) return marks; // Incomplete at the end of this piece: keep it pending.
      i = Math.max(j, esc + 1);
    }
    return marks;
  }

  // "more": keep reading; "done": terminator seen; "abandon": not a mark (pending cleared).
  #push(byte: number): "more" | "done" | "abandon" {
    const p = this.#pending;
    if (p.length < PREFIX.length) {
      if (byte !== PREFIX[p.length]) {
        this.#pending = [];
        return "abandon";
      }
      p.push(byte);
      return "more";
    }
    if (byte === BEL) return "done";
    if (p[p.length - 1] === ESC && byte === 0x5c) {
      p.pop(); // ESC \ (string terminator)
      return "done";
    }
    p.push(byte);
    if (p.length > MAX_MARK_BYTES) {
      this.#pending = [];
      return "abandon";
    }
    return "more";
  }

  #finish(end: number): ShellMark | null {
    const body = String.fromCharCode(...this.#pending.slice(PREFIX.length));
    const start = this.#pendingStart;
    this.#pending = [];
    const kind = body[0];
    if (kind !== "A" && kind !== "B" && kind !== "C" && kind !== "D") return null;
    const params = body.split(";").slice(1);
    let exitCode: number | null = null;
    if (kind === "D" && params[0] !== undefined && /^-?\d+$/.test(params[0])) {
      exitCode = Number(params[0]);
    }
    const nonceParam = params.find((param) => param.startsWith("n="));
    return { kind, exitCode, nonce: nonceParam ? nonceParam.slice(2) : null, start, end };
  }
}
