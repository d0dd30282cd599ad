/** Finds the parts of a flood of plain lines that cannot show in any keyframe, so the tracker need not parse them. */
// A keyframe holds the screen and at most `scrollback` lines above it. A run of output made only of
// printable ASCII, CR and LF changes nothing but lines and the cursor: no mode, pen, charset, tab
// stop or title. When such a run is followed, before any other byte, by enough line feeds to push
// every line it printed out of the screen and the scrollback, those lines cannot reach a keyframe;
// all that matters of them is where they leave the cursor. The tracker writes a few CR LF in their
// place (terminal-state-tracker.ts), and a `cat` of a big file costs a scan instead of a parse.

const CR = 0x0d;
const LF = 0x0a;

/** One stretch of plain bytes that may be replaced: [start, end), ending in CR LF. */
export interface FloodPrefix {
  start: number;
  end: number;
  /** Line feeds in it. */
  lineFeeds: number;
}

/** 1 for the bytes a plain run is made of: printable ASCII, CR and LF. */
const PLAIN = new Uint8Array(256);
for (let byte = 0x20; byte <= 0x7e; byte++) PLAIN[byte] = 1;
PLAIN[CR] = 1;
PLAIN[LF] = 1;

export function isPlain(byte: number): boolean {
  return PLAIN[byte] === 1;
}

/**
 * The stretches of `data` that are plain, end in CR LF, and are followed, inside the same plain
 * run, by at least `keep` line feeds. At most one per plain run (its longest such prefix).
 */
export function floodPrefixes(data: Uint8Array, keep: number): FloodPrefix[] {
  const found: FloodPrefix[] = [];
  let i = 0;
  while (i < data.length) {
    if (!isPlain(data[i]!)) {
      i++;
      continue;
    }
    const start = i;
    const feeds: number[] = [];
    while (i < data.length && isPlain(data[i]!)) {
      if (data[i] === LF) feeds.push(i);
      i++;
    }
    // The last line feed that still has `keep` after it, moved back to one preceded by CR. The
    // stretch starts after the run's first line feed: a write that ends inside a line can leave
    // xterm in a state (a character it may still join) that a later write would not see.
    for (let k = feeds.length - 1 - keep; k >= 1; k--) {
      const at = feeds[k]!;
      if (data[at - 1] === CR) {
        found.push({ start: feeds[0]! + 1, end: at + 1, lineFeeds: k });
        break;
      }
    }
  }
  return found;
}

/**
 * For `data` made only of plain bytes: the stretch floodPrefixes would find (after the first line
 * feed, ending in CR LF, `keep` line feeds or more after it), found from the end with a few
 * searches instead of a scan of every byte; null if there is none.
 */
export function plainPrefix(data: Uint8Array, keep: number): FloodPrefix | null {
  let at = data.length;
  for (let k = 0; k <= keep; k++) {
    at = at > 0 ? data.lastIndexOf(LF, at - 1) : -1;
    if (at < 0) return null;
  }
  const first = data.indexOf(LF);
  while (at > first && data[at - 1] !== CR) at = data.lastIndexOf(LF, at - 1);
  if (at <= first) return null;
  let lineFeeds = 0;
  for (let i = data.indexOf(LF, first + 1); i >= 0 && i <= at; i = data.indexOf(LF, i + 1)) {
    lineFeeds++;
  }
  return { start: first + 1, end: at + 1, lineFeeds };
}

/**
 * Where the tracker may start holding back the plain bytes at the end of `data`: after the first
 * line feed of the trailing plain run (a line's start, for the reason above); data.length if none.
 * When `continuing` (plain bytes are held already) and `data` is all plain, from its start.
 */
export function trailingPlainStart(data: Uint8Array, continuing = false): number {
  let i = data.length;
  while (i > 0 && PLAIN[data[i - 1]!] === 1) i--;
  if (i === 0 && continuing) return 0;
  const lineFeed = data.indexOf(LF, i);
  return lineFeed < 0 ? data.length : lineFeed + 1;
}

/**
 * Plain bytes held back at the end of the output, unparsed, until it is clear whether more lines
 * push them out of every keyframe (a flood arrives in PTY reads of a few KiB, far fewer lines than
 * a screen and the scrollback). Counting line feeds as they come keeps the cost linear.
 */
export class PlainTail {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #lineFeeds = 0;

  get bytes(): number {
    return this.#bytes;
  }

  get lineFeeds(): number {
    return this.#lineFeeds;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) this.#lineFeeds++;
  }

  /** Everything held, then `more`, as one array; holds nothing after. */
  takeAll(more?: Uint8Array): Uint8Array {
    const parts = more && more.length > 0 ? [...this.#chunks, more] : this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    this.#lineFeeds = 0;
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}
