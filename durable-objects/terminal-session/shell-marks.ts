/**
 * A streaming parser for OSC 133 shell-integration marks (prompt start A, input start B,
 * command start C, command end D;exit) in raw PTY output, with absolute offsets. Marks split
 * across frames are found too. The runner's marks end in a per-session nonce (`;n=<nonce>`),
 * so callers can tell the shell's own marks from look-alikes a command printed. C marks may carry
 * the command line (`cmdline_url=`) and its directory (`cwd=`), both percent-encoded UTF-8.
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
  /** C marks: the command line the shell read (`cmdline_url=`), when it said. */
  commandLine?: string;
  /** C marks: the directory the command runs in (`cwd=`), when the shell said. */
  cwd?: string;
}

const ESC = 0x1b;
const BEL = 0x07;
const PREFIX = [ESC, 0x5d, 0x31, 0x33, 0x33, 0x3b]; // ESC ] 1 3 3 ;
/**
 * A mark longer than this is not a mark (protects against unbounded buffering). The runner's C
 * marks carry up to 4 KiB of command line and a path, percent-encoded (up to 3 bytes each).
 */
export const MAX_MARK_BYTES = 32 * 1024;

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
    while (i < data.length) {
      if (this.#pending.length === 0) {
        // Outside a sequence only ESC matters: skip to the next one.
        const esc = data.indexOf(ESC, i);
        if (esc < 0) break;
        this.#pending = [ESC];
        this.#pendingStart = offset + esc;
        i = esc + 1;
        continue;
      }
      const verdict = this.#push(data[i]!);
      if (verdict === "done") {
        const mark = this.#finish(offset + i + 1);
        if (mark) marks.push(mark);
        i++;
      } else if (verdict === "restart") {
        // The ESC before this byte began a new sequence (terminals cancel a string there): the
        // byte is read again as that sequence's second. It may be the next mark's.
        this.#pending = [ESC];
        this.#pendingStart = offset + i - 1;
      } else if (verdict === "more") i++;
      // "abandon": not a mark; the byte is looked at again (it may be the next sequence's ESC).
    }
    return marks;
  }

  // "more": keep reading; "done": terminator seen; "abandon": not a mark (pending cleared);
  // "restart": an ESC inside the mark was not the start of ST (pending cleared).
  #push(byte: number): "more" | "done" | "abandon" | "restart" {
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
    if (p[p.length - 1] === ESC) {
      if (byte === 0x5c) {
        p.pop(); // ESC \ (string terminator)
        return "done";
      }
      this.#pending = [];
      return "restart";
    }
    p.push(byte);
    if (p.length > MAX_MARK_BYTES) {
      this.#pending = [];
      return "abandon";
    }
    return "more";
  }

  #finish(end: number): ShellMark | null {
    const pending = this.#pending;
    // One character per byte: the parameters that matter are ASCII (percent-encoded).
    let body = "";
    for (let i = PREFIX.length; i < pending.length; i++) body += String.fromCharCode(pending[i]!);
    const start = this.#pendingStart;
    this.#pending = [];
    const kind = body[0];
    if (kind !== "A" && kind !== "B" && kind !== "C" && kind !== "D") return null;
    const params = body.split(";").slice(1);
    let exitCode: number | null = null;
    if (kind === "D" && params[0] !== undefined && /^-?\d+$/.test(params[0])) {
      exitCode = Number(params[0]);
    }
    const value = (name: string) =>
      params.find((param) => param.startsWith(`${name}=`))?.slice(name.length + 1);
    const nonce = value("n");
    const mark: ShellMark = { kind, exitCode, nonce: nonce ?? null, start, end };
    if (kind === "C") {
      const commandLine = value("cmdline_url");
      const cwd = value("cwd");
      if (commandLine !== undefined) mark.commandLine = percentDecode(commandLine);
      if (cwd !== undefined) mark.cwd = percentDecode(cwd);
    }
    return mark;
  }
}

/**
 * Decodes percent-encoded UTF-8 (`%C3%A9` is "é"). Bytes that are not valid UTF-8 (a line the
 * shell cut in the middle of a character) become U+FFFD rather than failing the mark.
 */
export function percentDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === "%" && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(text.charCodeAt(i) & 0xff);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
