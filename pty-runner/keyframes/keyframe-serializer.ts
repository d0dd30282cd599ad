/** A headless terminal's whole state as one escape-sequence string that rebuilds it in a fresh terminal of the same size. */
// Why not @xterm/addon-serialize alone: it rebuilds text and colours well, but (0.14) it does not
// keep 256-colour vs 16-colour modes apart (38;5;1 comes back as 31), loses underline styles and
// colours, links, the protected flag, empty cells with attributes, the pending-wrap cursor, the scroll
// region, saved cursors, charsets, tab stops, cursor style and visibility, the mouse encoding, the
// title, and the pen's extended attributes, and its alternate-screen switch (1049h) overwrites the
// main screen's saved cursor. Its approach is kept (print what made the cells, then modes, then the
// pen); the cell writer is buffer-writer.ts.
//
// `data`, in order:
//  1. the normal buffer: up to `scrollback` lines above the screen and the screen, cell for cell
//     (buffer-writer.ts), with its DECSC state saved (ESC 7) on its line;
//  2. if the alternate screen is active: the normal buffer's tab stops, scroll region and cursor
//     (a resize does not reflow the cursor's line), ?1047h (switch without saving: 1049h would
//     overwrite the saved cursor of step 1), CUP 1;1, the alternate screen cell for cell with its
//     own DECSC state. If it is not active, its DECSC state (which outlives it) via ?1047h ... ?1047l;
//  3. the active buffer's tab stops (TBC + HTS) and scroll region (DECSTBM), origin mode (?6h);
//  4. charsets G0–G3 (ESC ( ) * +) and the shift (SO, LS2, LS3); DECRC if the active charset came
//     from the saved cursor;
//  5. the cursor (CUP; a cursor in the pending-wrap position is made by printing the last cell);
//  6. modes: ?1 (cursor keys), ?66 (keypad), ?2004 (bracketed paste), 4 (insert), ?45 (reverse
//     wrap), ?1004 (focus), ?7 (autowrap off), mouse protocol ?9/1000/1002/1003 and encoding
//     ?1006/1016, ?25 (hidden cursor), ?2026 (synchronized output), DECSCUSR (cursor style), ?12
//     (blink, if the program set it), 20 (LNM);
//  7. the pen (SGR, DECSCA, OSC 8): what the next character will be printed with;
//  8. window title and icon name (OSC 2, OSC 1) and changed colours (OSC 4/10/11/12);
//  9. if the last thing the program did was print (no control since), that character again, so a
//     combining character at the start of the tail joins it as it would have.
//
// What cannot be reproduced (none changes the text of the screen; most need DECRC or a resize to
// arise; test/node/keyframes/random-output.test.ts keeps its generator clear of them):
//  - the parser in the middle of an escape sequence or a UTF-8 character: the tracker never takes a
//    keyframe there (terminal-state-tracker.ts moves the offset to the sequence's end);
//  - a cursor (or saved cursor) in the pending-wrap position whose last cell was erased since (EL 2
//    after printing in the last column): one column left, so the next character overwrites there
//    instead of wrapping;
//  - two adjacent empty cells with foreground attributes at the right margin: the first becomes a
//    plain erased cell with the same background;
//  - leftovers of resizes: a wide character that lost its right half (cut by the margin, or
//    overwritten by a reflow) becomes an empty cell; cells right of the margin that xterm keeps in
//    alternate-screen lines after narrowing (shown again if it widens before the program redraws),
//    tab stops right of the margin, and a saved cursor below the screen are not kept;
//  - the oldest serialized line's wrap flag (a later widening may reflow that one line differently);
//  - a saved cursor whose line scrolled out of the serialized lines: saved on the first line (a
//    restore puts the cursor on the top row either way);
//  - attribute states only DECRC makes (it restores fg and bg but not the extended attributes): an
//    underline style without the underline flag, and an extended flag without extended attributes
//    in the pen or the saved cursor; an active charset that is neither its G-set's nor the saved one;
//  - OSC 8 links: xterm forgets a link when the lines it was printed on are gone; the joiner's copy
//    lives on the lines the keyframe prints it on (and, for a link the pen holds, the cursor's line),
//    so a link left open at K can be forgotten at a different time; links with the same id get
//    fresh numbers (their data is kept);
//  - the title stack (CSI 22/23 t), off unless windowOptions allow it, as in the browser panel;
//  - the cursor outside the scroll region while origin mode is on: clamped into it.
import type { IBufferCell, IBufferLine } from "@xterm/headless";
import {
  type Attrs,
  BG_HAS_EXTENDED,
  DEFAULT_ATTRS,
  FG_UNDERLINE,
  cellAttrsOf,
  penAttrsOf,
  sameAttrs,
} from "./attributes.ts";
import { type SavedCursor, saveHere, writeLines } from "./buffer-writer.ts";
import { designatorOf } from "./charsets.ts";
import { EscapeWriter } from "./escape-writer.ts";
import type { HeadlessTerminal } from "./headless-terminal.ts";
import { type InternalBuffer, coreOf } from "./xterm-internals.ts";

/** State the tracker keeps beside xterm's, because xterm keeps none (headless ignores it). */
export interface TrackedExtras {
  /** Colours set by OSC 4 (0–255), 10 (256), 11 (257), 12 (258), as [r, g, b]. */
  colors: Map<number, [number, number, number]>;
  /** The blink mode the program last set with ?12h/?12l, if it did. */
  blinkMode: boolean | undefined;
}

const TAB_WIDTH = 8;

/** The keyframe `data` of `terminal` now, with at most `scrollback` lines above the screen. */
export function serializeTerminal(
  terminal: HeadlessTerminal,
  extras: TrackedExtras,
  scrollback: number,
): string {
  const core = coreOf(terminal);
  const input = core._inputHandler;
  const cols = terminal.cols;
  const rows = terminal.rows;
  const w = new EscapeWriter(cols, rows, (id) => core._oscLinkService.getLinkData(id));
  const buffers = core._bufferService.buffers;
  const altActive = buffers.active === buffers.alt;

  // 1. The normal buffer.
  const normal = terminal.buffer.normal;
  const from = Math.max(0, normal.length - (scrollback + rows));
  writeLines(
    w,
    normal,
    from,
    normal.length,
    savedCursorOf(buffers.normal, from, normal.length - from),
  );

  // 2. The alternate screen; or, if it is not active, its saved cursor, which outlives it.
  const altSaved = savedCursorOf(buffers.alt, 0, rows);
  if (!altActive && altSaved) {
    w.setPen(DEFAULT_ATTRS);
    w.raw("\x1b[?1047h");
    w.toRowCol(altSaved.line, Math.min(altSaved.x, cols - 1));
    // The alternate screen is cleared when left, so a character can make the pending-wrap position.
    if (altSaved.x >= cols) w.print("x", 1);
    saveHere(w, altSaved);
    w.raw("\x1b[?1047l");
  }
  if (altActive) {
    tabsAndRegion(w, buffers.normal);
    // The normal buffer's cursor outlives the switch: a resize does not reflow its line.
    const normalLine = normal.getLine(buffers.normal.ybase + buffers.normal.y);
    const normalLast =
      buffers.normal.x >= cols && normalLine
        ? lastPrinted(normalLine, cols, normal.getNullCell())
        : null;
    if (normalLast) {
      reprint(w, normalLast, (x) => w.toRowCol(buffers.normal.y, x));
    } else {
      w.toRowCol(buffers.normal.y, Math.min(buffers.normal.x, cols - 1));
    }
    // The alternate screen is filled with the pen's background when switched to.
    w.setPen(DEFAULT_ATTRS);
    w.raw("\x1b[?1047h");
    w.toRowCol(0, 0);
    // Its screen: the last `rows` lines (shrinking the terminal can leave lines above it, which a
    // fresh alternate screen cannot have).
    const alternate = terminal.buffer.alternate;
    const altFrom = Math.max(0, alternate.length - rows);
    writeLines(w, alternate, altFrom, alternate.length, savedCursorOf(buffers.alt, altFrom, rows));
  }

  // 3. Tab stops, scroll region, origin mode of the active buffer.
  const active = altActive ? buffers.alt : buffers.normal;
  tabsAndRegion(w, active);
  const modes = input._coreService.decPrivateModes;
  if (modes.origin) w.raw("\x1b[?6h");

  // 4. Charsets, before the cursor: DECRC (below) moves it.
  const charsets = input._charsetService;
  ["(", ")", "*", "+"].forEach((intermediate, g) => {
    const designator = designatorOf(charsets._charsets[g]);
    if (designator !== "B") w.raw(`\x1b${intermediate}${designator}`);
  });
  w.raw(["", "\x0e", "\x1bn", "\x1bo"][charsets.glevel] ?? "");
  // DECRC sets the active charset without touching G0–G3, and only DECRC does: if the active one is
  // not its G-set's, it came from the saved cursor, and DECRC brings it back (and the cursor and
  // pen, which are set again below).
  if (
    charsets.charset !== charsets._charsets[charsets.glevel] &&
    charsets.charset === active.savedCharset
  ) {
    w.raw("\x1b8");
    w.forgetPenColors();
  }

  // 5. The cursor. A character printed again goes through the active charset: one it would map
  // (an ASCII letter under the line-drawing set) cannot be, and the cursor stays a column left.
  const pen = penAttrsOf(input._curAttrData);
  const line = terminal.buffer.active.getLine(active.ybase + active.y);
  const lastCell = line
    ? lastPrinted(line, Math.min(active.x, cols), terminal.buffer.active.getNullCell())
    : null;
  const last = lastCell && !remaps(charsets.charset, lastCell.chars) ? lastCell : null;
  // No control since the last print means the pen is still the one it printed with. (Not over the
  // right half of a wide character: that print needs autowrap off around it, and a CSI after the
  // print would end the grapheme; the joining is lost there, documented.)
  const joining =
    input._parser.precedingJoinState !== 0 &&
    last !== null &&
    last.overWide === null &&
    sameAttrs(last.attrs, cellAttrsOf(input._curAttrData));
  const y = active.y;
  const cup = (x: number): void => {
    const row = modes.origin
      ? Math.min(Math.max(y, active.scrollTop), active.scrollBottom) - active.scrollTop
      : y;
    w.raw(`\x1b[${row + 1};${x + 1}H`);
    w.col = x;
  };
  if (joining && last) {
    cup(last.col);
    // In insert mode the final print shifts the row right: take the cell out first.
    if (input._coreService.modes.insertMode) w.raw(`\x1b[${last.advance}P`);
  } else if (active.x >= cols && last !== null) {
    reprint(w, last, cup);
  } else {
    cup(Math.min(active.x, cols - 1));
  }

  // 6. Modes (after the cursor: insert mode and autowrap would change the print above).
  const m = terminal.modes;
  let modeText = "";
  if (m.applicationCursorKeysMode) modeText += "\x1b[?1h";
  if (m.applicationKeypadMode) modeText += "\x1b[?66h";
  if (m.bracketedPasteMode) modeText += "\x1b[?2004h";
  if (m.insertMode) modeText += "\x1b[4h";
  if (m.reverseWraparoundMode) modeText += "\x1b[?45h";
  if (m.sendFocusMode) modeText += "\x1b[?1004h";
  if (!m.wraparoundMode) modeText += "\x1b[?7l";
  const protocol = { x10: "9", vt200: "1000", drag: "1002", any: "1003", none: "" }[
    m.mouseTrackingMode
  ];
  if (protocol) modeText += `\x1b[?${protocol}h`;
  const encoding = input._coreMouseService.activeEncoding;
  if (encoding === "SGR") modeText += "\x1b[?1006h";
  else if (encoding === "SGR_PIXELS") modeText += "\x1b[?1016h";
  if (input._coreService.isCursorHidden) modeText += "\x1b[?25l";
  if (m.synchronizedOutputMode) modeText += "\x1b[?2026h";
  modeText += cursorStyle(modes.cursorStyle, modes.cursorBlink);
  if (extras.blinkMode !== undefined) modeText += extras.blinkMode ? "\x1b[?12h" : "\x1b[?12l";
  if (core.optionsService.rawOptions.convertEol) modeText += "\x1b[20h";
  w.raw(modeText);

  // 7. The pen. An underline flag without extended attributes (only DECRC leaves that) prints a
  // plain underline, where SGR 4 with an underline colour would print a coloured one: when the last
  // character is printed again, that colour is dropped so the cell comes out as it was.
  const raw = input._curAttrData;
  const flagOnly = (raw.fg & FG_UNDERLINE) !== 0 && (raw.bg & BG_HAS_EXTENDED) === 0;
  w.setPen(joining && last && flagOnly ? last.attrs : pen);

  // 8. Title, icon name, colours.
  const title = input._windowTitle;
  const icon = input._iconName;
  if (title && title === icon) w.raw(`\x1b]0;${title}\x07`);
  else {
    if (icon) w.raw(`\x1b]1;${icon}\x07`);
    if (title) w.raw(`\x1b]2;${title}\x07`);
  }
  for (const [index, [r, g, b]] of extras.colors) {
    const spec = `rgb:${hex(r)}/${hex(g)}/${hex(b)}`;
    if (index < 256) w.raw(`\x1b]4;${index};${spec}\x07`);
    else w.raw(`\x1b]${index - 256 + 10};${spec}\x07`);
  }

  // 9. The last character again, so what follows joins it as it would have.
  if (joining && last) w.print(last.chars, last.advance);
  return w.text();
}

/** Whether printing `chars` under `charset` (an xterm charset table) would print something else. */
function remaps(charset: object | undefined, chars: string): boolean {
  if (!charset) return false;
  const table = charset as Record<string, string | undefined>;
  for (const ch of chars) if (ch.charCodeAt(0) < 127 && table[ch]) return true;
  return false;
}

function hex(value: number): string {
  return value.toString(16).padStart(2, "0");
}

/** DECSCUSR for xterm's cursor style state (undefined: the terminal's own option). */
function cursorStyle(style: string | undefined, blink: boolean | undefined): string {
  if (style === undefined && blink === undefined) return "";
  // Parameters 7 and 8 set only the blink (xterm ignores the style part of unknown values).
  const base = style === "block" ? 1 : style === "underline" ? 3 : style === "bar" ? 5 : 7;
  return `\x1b[${blink ? base : base + 1} q`;
}

/** The buffer's DECSC state as a line among the written ones, or null if it is the initial one. */
function savedCursorOf(buffer: InternalBuffer, from: number, count: number): SavedCursor | null {
  const line = Math.min(Math.max(buffer.savedY - from, 0), count - 1);
  const charset = designatorOf(buffer.savedCharset);
  const { fg, bg } = buffer.savedCurAttrData;
  if (line === 0 && buffer.savedX === 0 && fg === 0 && bg === 0 && charset === "B") return null;
  return { line, x: buffer.savedX, fg, bg, charset };
}

/** Tab stops (if not xterm's every-8 default) and the scroll region (DECSTBM homes the cursor). */
function tabsAndRegion(w: EscapeWriter, buffer: InternalBuffer): void {
  const stops = Object.keys(buffer.tabs)
    .map(Number)
    .filter((x) => buffer.tabs[x] && x < w.cols)
    .sort((a, b) => a - b);
  const defaults =
    stops.length === Math.ceil(w.cols / TAB_WIDTH) && stops.every((x, i) => x === i * TAB_WIDTH);
  if (!defaults) {
    w.raw("\x1b[3g");
    for (const x of stops) {
      w.toCol(x, true);
      w.raw("\x1bH");
    }
  }
  if (buffer.scrollTop !== 0 || buffer.scrollBottom !== w.rows - 1) {
    w.raw(`\x1b[${buffer.scrollTop + 1};${buffer.scrollBottom + 1}r`);
    w.row = 0;
    w.col = 0;
  }
}

/** A cell printed again to put the cursor after it (see `lastPrinted`). */
interface LastPrinted {
  col: number;
  chars: string;
  advance: number;
  attrs: Attrs;
  /** The wide character whose right half this last-column cell was printed over, kept (or null). */
  overWide: { chars: string; attrs: Attrs } | null;
}

/** Prints `last` again after moving to its column with `moveTo`, leaving the cursor after it. */
function reprint(w: EscapeWriter, last: LastPrinted, moveTo: (x: number) => void): void {
  if (last.overWide) {
    // As in buffer-writer.ts: the wide character first, then this cell over its right half with
    // autowrap off, which keeps the wide character.
    moveTo(last.col - 1);
    w.setPen(last.overWide.attrs);
    w.print(last.overWide.chars, 2);
    w.setPen(last.attrs);
    w.raw("\x1b[?7l");
    w.print(last.chars, 0);
    w.raw("\x1b[?7h");
    return;
  }
  moveTo(last.col);
  w.setPen(last.attrs);
  w.print(last.chars, last.advance);
}

/** The cell the cursor at `x` was last printed after (a wide character's left half), or null. */
function lastPrinted(line: IBufferLine, x: number, cell: IBufferCell): LastPrinted | null {
  if (x <= 0) return null;
  let col = x - 1;
  line.getCell(col, cell);
  if (cell.getChars() === "" && cell.getWidth() === 0 && col > 0) {
    col -= 1;
    line.getCell(col, cell);
  }
  const chars = cell.getChars();
  // Nothing to reprint, or a wide character cut by the right margin (which a print would wrap).
  if (chars === "" || col + cell.getWidth() > line.length) return null;
  const advance = Math.max(1, cell.getWidth());
  const attrs = cellAttrsOf(cell);
  let overWide: LastPrinted["overWide"] = null;
  if (col === line.length - 1 && col > 0 && advance === 1) {
    const left = line.getCell(col - 1, cell)!;
    if (left.getWidth() === 2) overWide = { chars: left.getChars(), attrs: cellAttrsOf(left) };
  }
  return { col, chars, advance, attrs, overWide };
}
