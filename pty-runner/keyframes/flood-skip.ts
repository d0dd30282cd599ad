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

function isPlain(byte: number): boolean {
  return (byte >= 0x20 && byte <= 0x7e) || byte === CR || byte === LF;
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
    // The last line feed that still has `keep` after it, moved back to one preceded by CR.
    for (let k = feeds.length - 1 - keep; k >= 0; k--) {
      const at = feeds[k]!;
      if (at > start && data[at - 1] === CR) {
        found.push({ start, end: at + 1, lineFeeds: k + 1 });
        break;
      }
    }
  }
  return found;
}
