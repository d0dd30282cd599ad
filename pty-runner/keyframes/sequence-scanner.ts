/** Guesses where the next escape sequence or UTF-8 character ends in raw output, so a keyframe can be cut there. */
// A keyframe cannot hold "the parser is half-way through CSI 3" or "two bytes of a three-byte
// character arrived": a joiner starting from it would print the rest as text. So keyframes are cut
// only where xterm's parser is in its ground state with no UTF-8 bytes pending. This scanner follows
// the VT500 parser's shape (ground, escape, CSI, OSC, DCS/SOS/PM/APC strings) just well enough to
// propose such a position; the tracker then asks xterm itself whether it is one, and resumes from
// xterm's real state if not. So the scanner only has to be usually right, never exactly right.

/** A scanner position: parser state (see `fromXterm`) and UTF-8 continuation bytes still due. */
export interface ScanState {
  state: number;
  utf8Due: number;
}

const GROUND = 0;
const ESCAPE = 1;
const ESCAPE_INTERMEDIATE = 2;
const CSI = 3;
const OSC = 4;
const STRING = 5; // DCS, SOS, PM, APC: ended by ST (ESC \), CAN or SUB

/** The scanner state for xterm's parser state (its ParserState enum) and UTF-8 decoder bytes. */
export function fromXterm(parserState: number, utf8Interim: Uint8Array): ScanState {
  const state =
    parserState === 0
      ? GROUND
      : parserState === 1
        ? ESCAPE
        : parserState === 2
          ? ESCAPE_INTERMEDIATE
          : parserState >= 3 && parserState <= 6
            ? CSI
            : parserState === 8
              ? OSC
              : STRING;
  let utf8Due = 0;
  const lead = utf8Interim[0] ?? 0;
  if (lead) {
    const length = (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : 4;
    let have = 1;
    while (have < 3 && utf8Interim[have]) have++;
    utf8Due = Math.max(0, length - have);
  }
  return { state, utf8Due };
}

/**
 * The first index after `start` (at most `bytes.length`) where, scanning from `from`, the parser
 * should be in its ground state with no UTF-8 character open; -1 if there is none in `bytes`.
 */
export function nextBoundary(bytes: Uint8Array, start: number, from: ScanState): number {
  let state = from.state;
  let due = from.utf8Due;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (due > 0) {
      if ((byte & 0xc0) === 0x80) {
        due--;
        if (due === 0 && state === GROUND) return i + 1;
        continue;
      }
      // A broken character: xterm drops it and reads this byte afresh.
      due = 0;
    }
    if (byte >= 0x80) {
      if (byte >= 0xc0) due = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1;
      else if (state === GROUND) return i + 1;
      continue;
    }
    if (byte === 0x18 || byte === 0x1a) {
      state = GROUND;
      return i + 1;
    }
    if (byte === 0x1b) {
      state = ESCAPE;
      continue;
    }
    switch (state) {
      case GROUND:
        return i + 1;
      case ESCAPE:
        if (byte === 0x5b) state = CSI;
        else if (byte === 0x5d) state = OSC;
        else if (byte === 0x50 || byte === 0x58 || byte === 0x5e || byte === 0x5f) state = STRING;
        else if (byte >= 0x20 && byte <= 0x2f) state = ESCAPE_INTERMEDIATE;
        else if (byte >= 0x30 && byte <= 0x7e) return i + 1;
        break;
      case ESCAPE_INTERMEDIATE:
        if (byte >= 0x30 && byte <= 0x7e) return i + 1;
        break;
      case CSI:
        if (byte >= 0x40 && byte <= 0x7e) return i + 1;
        break;
      case OSC:
        if (byte === 0x07) return i + 1;
        break;
      default:
        break;
    }
  }
  return -1;
}
