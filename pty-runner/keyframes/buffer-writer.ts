/** Writes one buffer's lines (scrollback and screen) cell for cell: characters, attributes, empty cells, soft wraps, and its saved cursor. */
// xterm has no sequence that sets a cell or a line's wrap flag directly, so every cell is recreated
// by doing what produced it: printing (characters), erasing with a background (ECH), or, for the
// rare empty cell with foreground attributes (left by a wide character that wrapped, or by a wide
// character half overwritten), xterm's own wide-character clean-up, which empties a cell with the
// pen. A soft wrap is recreated by printing past the right margin. The writer goes top to bottom,
// left to right, so a row is finished while it is still on the screen.
import type { IBufferCell, IBufferLine } from "@xterm/headless";
import {
  type Attrs,
  BG_HAS_EXTENDED,
  COLOR_MASK,
  FG_UNDERLINE,
  DEFAULT_ATTRS,
  cellAttrsOf,
  eraseAttrsOf,
  isEraseAttrs,
  paletteClean,
  sameAttrs,
} from "./attributes.ts";
import type { EscapeWriter } from "./escape-writer.ts";

/** A wide character the tricks print and then overwrite. */
const WIDE = "\u4e2d";

/** The DECSC state of a buffer: where, with which pen and charset. */
export interface SavedCursor {
  /** Index among the written lines (clamped into them). */
  line: number;
  x: number;
  fg: number;
  bg: number;
  /** Designator of the charset that was active (ESC ( X). */
  charset: string;
}

/** Lines of one buffer, as xterm's public API gives them. */
export interface LineSource {
  getLine(y: number): IBufferLine | undefined;
  getNullCell(): IBufferCell;
}

/**
 * Writes lines [from, to) of `buffer` starting at the joiner's current cursor, which must be at
 * column 0 of a blank row (a fresh terminal, or the alternate screen after CUP 1;1). Leaves the
 * cursor after the last cell written; `saved` is stored with DECSC on its line.
 */
export function writeLines(
  w: EscapeWriter,
  buffer: LineSource,
  from: number,
  to: number,
  saved: SavedCursor | null,
): void {
  const rows = new RowWriter(w, buffer);
  let fill: Attrs = DEFAULT_ATTRS;
  let dirtyUntil = 0;
  let startX = 0;
  // The first line continues one that is not written (it scrolled out, or a line above it was
  // moved away): wrap into it from a filler row, and delete that row once the line is written.
  const first = buffer.getLine(from);
  const filler = first?.isWrapped === true && w.rows > 1 && w.row === 0 && w.col === 0;
  if (filler && first) {
    w.print(" ".repeat(w.cols), w.cols);
    ({ fill, dirtyUntil, startX } = rows.wrapInto(first, first, false));
  }
  for (let y = from; y < to; y++) {
    const line = buffer.getLine(y);
    if (!line) break;
    const next = y + 1 < to ? buffer.getLine(y + 1) : undefined;
    const wrapsIntoNext = next?.isWrapped === true;
    const lastEmpty = rows.isEmpty(line, w.cols - 1);
    rows.writeCells(line, startX, fill, dirtyUntil, wrapsIntoNext && lastEmpty);
    if (filler && y === from) {
      // DL on the filler row: the line moves up with its wrap flag; a blank row comes in below.
      w.setPen(keepLink(DEFAULT_ATTRS, w.pen));
      w.toRowCol(0, 0);
      w.raw("\x1b[M");
    }
    if (saved && saved.line === y - from) rows.saveCursor(line, saved);
    if (!next) break;
    if (wrapsIntoNext) {
      ({ fill, dirtyUntil, startX } = rows.wrapInto(line, next, lastEmpty));
    } else {
      // Scrolling fills the new row with the pen's background: give it the default one.
      if (w.row === w.rows - 1 && w.pen.bg & COLOR_MASK) w.setPen(keepLink(DEFAULT_ATTRS, w.pen));
      const scrolled = w.newline();
      fill = scrolled ? eraseAttrsOf(w.pen) : DEFAULT_ATTRS;
      dirtyUntil = 0;
      startX = 0;
    }
  }
}

/** `a`, but with the link `pen` has (so SGR-only changes do not close and reopen links). */
function keepLink(a: Attrs, pen: Attrs): Attrs {
  return pen.urlId ? { ...a, bg: a.bg | BG_HAS_EXTENDED, urlId: pen.urlId } : a;
}

class RowWriter {
  readonly #cell: IBufferCell;
  readonly #probe: IBufferCell;
  readonly #right: IBufferCell;

  readonly w: EscapeWriter;

  constructor(w: EscapeWriter, buffer: LineSource) {
    this.w = w;
    this.#cell = buffer.getNullCell();
    this.#probe = buffer.getNullCell();
    this.#right = buffer.getNullCell();
  }

  /** An empty cell (no character, one column wide; or half of a wide character without the other half). */
  isEmpty(line: IBufferLine, x: number): boolean {
    const cell = line.getCell(x, this.#probe)!;
    const width = cell.getWidth();
    const chars = cell.getChars();
    if (chars === "" && width === 1) return true;
    if (width === 2) return this.#brokenWide(line, x);
    return width === 0 && chars === "" && !(x > 0 && this.#wideAt(line, x - 1));
  }

  /**
   * A wide character at `x` whose right half is not its placeholder, and which printing cannot
   * recreate (only resizes leave that). In the last two columns, a narrow character over the right
   * half can be recreated (see writeCells).
   */
  #brokenWide(line: IBufferLine, x: number): boolean {
    const cols = this.w.cols;
    if (x >= cols - 1) return true;
    const right = line.getCell(x + 1, this.#right)!;
    if (right.getWidth() === 0 && right.getChars() === "") return false;
    return !(x === cols - 2 && right.getWidth() === 1 && right.getChars() !== "");
  }

  /**
   * Writes the cells of `line` from `startX`. Cells equal to `fill` (what the joiner's row holds)
   * are skipped unless below `dirtyUntil` (a trick left something else there).
   */
  writeCells(
    line: IBufferLine,
    startX: number,
    fill: Attrs,
    dirtyUntil: number,
    skipLast: boolean,
  ): void {
    const w = this.w;
    const cols = w.cols;
    const cell = this.#cell;
    let x = startX;
    while (x < cols) {
      line.getCell(x, cell);
      const width = cell.getWidth();
      // A wide character without its right half (cut by the right margin, or overwritten when a
      // resize reflowed the line) cannot be printed: it comes back as an empty cell (documented).
      const chars = width === 2 && this.#brokenWide(line, x) ? "" : cell.getChars();
      if (chars !== "") {
        const attrs = cellAttrsOf(cell);
        if (width === 0) {
          // A zero-width character that joined nothing (after a control): a CSI first, so the
          // joiner does not join it to the cell before either.
          w.toCol(x, true);
          w.setPen(attrs);
          w.print(chars, 1);
          x += 1;
        } else if (x === cols - 1 && w.col === cols && this.#wideAt(line, x - 1)) {
          // A character over the right half of a wide one in the last column, the wide one kept:
          // what printing there with autowrap off does (printing there normally would empty the
          // left half).
          w.setPen(attrs);
          w.raw("\x1b[?7l");
          w.print(chars, 0);
          w.raw("\x1b[?7h");
          x += 1;
        } else {
          w.toCol(x);
          w.setPen(attrs);
          w.print(chars, width);
          // Past the right half; unless something else was printed over it (handled next).
          x += width === 2 && !this.#placeholderAt(line, x + 1) ? 1 : width;
        }
        continue;
      }
      if (width === 0 && x > 0 && this.#wideAt(line, x - 1)) {
        // The right half of a wide character: printing the character made it.
        x++;
        continue;
      }
      // (A right half without its wide character, which ICH or DCH in the middle of one leaves,
      // cannot be printed: it comes back as an empty cell, documented.)

      if (skipLast && x === cols - 1) break;
      const attrs = cellAttrsOf(cell);
      if (x >= dirtyUntil && sameAttrs(attrs, fill)) {
        x++;
        continue;
      }
      if (isEraseAttrs(attrs)) {
        let n = 1;
        while (
          x + n < cols &&
          !(skipLast && x + n === cols - 1) &&
          this.#sameEmpty(line, x + n, attrs)
        )
          n++;
        this.#erase(x, n, attrs);
        x += n;
        continue;
      }
      x = this.#emptyWithAttrs(line, x, attrs);
      // The trick printed over the next cell too.
      dirtyUntil = Math.max(dirtyUntil, x + 1);
    }
  }

  #placeholderAt(line: IBufferLine, x: number): boolean {
    const cell = line.getCell(x, this.#right);
    return cell !== undefined && cell.getWidth() === 0 && cell.getChars() === "";
  }

  #wideAt(line: IBufferLine, x: number): boolean {
    return x >= 0 && line.getCell(x, this.#probe)!.getWidth() === 2;
  }

  #sameEmpty(line: IBufferLine, x: number, attrs: Attrs): boolean {
    return this.isEmpty(line, x) && sameAttrs(cellAttrsOf(line.getCell(x, this.#probe)!), attrs);
  }

  /** ECH: `n` empty cells with the erase attributes `attrs` (a background colour) at `x`. */
  #erase(x: number, n: number, attrs: Attrs): void {
    const w = this.w;
    w.toCol(x);
    if ((w.pen.bg & COLOR_MASK) !== (attrs.bg & COLOR_MASK)) {
      w.setPen(keepLink({ fg: 0, bg: attrs.bg & COLOR_MASK, ext: 0, urlId: 0 }, w.pen));
    }
    w.raw(`\x1b[${n}X`);
  }

  /**
   * An empty cell at `x` whose attributes erasing cannot make (foreground colour or flags). xterm
   * empties the left half of a wide character with the pen when the right half is overwritten, and
   * the right half when the left half is: print a wide character over `x`, then overwrite the other
   * half with the pen set. Returns the next column to write; the cell after `x` is left dirty.
   */
  #emptyWithAttrs(line: IBufferLine, x: number, attrs: Attrs): number {
    const w = this.w;
    const cols = w.cols;
    if (x + 1 < cols) {
      w.toCol(x);
      w.print(WIDE, 2);
      w.setPen(attrs);
      w.toCol(x + 1);
      w.print("x", 1);
      return x + 1;
    }
    // The last column: the wide character goes one to the left and the cell before is rewritten.
    w.toCol(x - 1);
    w.print(WIDE, 2);
    w.setPen(attrs);
    w.toCol(x - 1);
    w.print("x", 1);
    this.#rewrite(line, x - 1);
    return cols;
  }

  /** Writes cell `x` again (after a trick overwrote it), whatever it holds. */
  #rewrite(line: IBufferLine, x: number): void {
    const w = this.w;
    const empty = this.isEmpty(line, x);
    const cell = line.getCell(x, this.#probe)!;
    const chars = empty ? "" : cell.getChars();
    const attrs = cellAttrsOf(cell);
    if (chars !== "") {
      w.toCol(x, cell.getWidth() === 0);
      w.setPen(attrs);
      w.print(chars, Math.max(1, cell.getWidth()));
    } else if (!empty && cell.getWidth() === 0 && x > 0) {
      const owner = line.getCell(x - 1, this.#probe)!;
      w.toCol(x - 1);
      w.setPen(cellAttrsOf(owner));
      w.print(owner.getChars(), 2);
    } else {
      // Two empty cells with foreground attributes side by side at the right margin: the first
      // becomes a plain erased cell (documented in keyframe-serializer.ts).
      this.#erase(x, 1, attrs);
    }
  }

  /** Prints the last cell of `line` again so the cursor is at the pending-wrap position; false if it is empty. */
  ensurePending(line: IBufferLine): boolean {
    const w = this.w;
    const cols = w.cols;
    if (w.col === cols) return true;
    const last = line.getCell(cols - 1, this.#probe)!;
    if (last.getWidth() === 2) return false;
    if (last.getChars() !== "") {
      const chars = last.getChars();
      const attrs = cellAttrsOf(last);
      if (this.#wideAt(line, cols - 2)) {
        // The wide character left of it is kept only by printing over its right half with autowrap off.
        const wide = line.getCell(cols - 2, this.#probe)!;
        w.toCol(cols - 2);
        w.setPen(cellAttrsOf(wide));
        w.print(wide.getChars(), 2);
        w.setPen(attrs);
        w.raw("\x1b[?7l");
        w.print(chars, 0);
        w.raw("\x1b[?7h");
        return true;
      }
      w.toCol(cols - 1, true);
      w.setPen(attrs);
      w.print(chars, 1);
      return true;
    }
    if (last.getWidth() === 0) {
      const owner = line.getCell(cols - 2, this.#probe)!;
      w.toCol(cols - 2);
      w.setPen(cellAttrsOf(owner));
      w.print(owner.getChars(), 2);
      return true;
    }
    return false;
  }

  /**
   * Moves into `next`, a soft-wrapped continuation of `line`, by printing past the margin. Returns
   * what the new row holds: its fill, the cells a trick dirtied, and the first column left to write.
   */
  wrapInto(
    line: IBufferLine,
    next: IBufferLine,
    lastEmpty: boolean,
  ): { fill: Attrs; dirtyUntil: number; startX: number } {
    const w = this.w;
    if (lastEmpty) {
      // A wide character that does not fit in the last column wraps and empties that column with
      // the pen: exactly how such a row ends in the first place.
      const last = line.getCell(w.cols - 1, this.#probe)!;
      w.toCol(w.cols - 1);
      w.setPen(cellAttrsOf(last));
      const scrolled = w.printWrapping(WIDE, 2);
      return { fill: scrolled ? eraseAttrsOf(w.pen) : DEFAULT_ATTRS, dirtyUntil: 2, startX: 0 };
    }
    this.ensurePending(line);
    const first = next.getCell(0, this.#probe)!;
    const chars = first.getChars();
    if (chars !== "" && first.getWidth() > 0 && !this.isEmpty(next, 0)) {
      w.setPen(cellAttrsOf(first));
      const width = first.getWidth();
      const scrolled = w.printWrapping(chars, width);
      return { fill: scrolled ? eraseAttrsOf(w.pen) : DEFAULT_ATTRS, dirtyUntil: 0, startX: width };
    }
    // The continuation starts with an empty cell: wrap with a placeholder and rewrite it.
    const scrolled = w.printWrapping(" ", 1);
    return { fill: scrolled ? eraseAttrsOf(w.pen) : DEFAULT_ATTRS, dirtyUntil: 1, startX: 0 };
  }

  /** DECSC with the cursor, pen and charset of `saved`, on the row just written (`line`). */
  saveCursor(line: IBufferLine, saved: SavedCursor): void {
    const w = this.w;
    if (saved.x < w.cols) {
      w.toCol(saved.x);
      saveHere(w, saved);
    } else if (this.ensurePending(line)) {
      saveHere(w, saved);
    } else {
      // Saved in the pending-wrap position over an empty last cell: print there, save, and empty
      // the cell again (erasing moves the cursor, but not the saved one).
      w.toCol(w.cols - 1);
      w.print(" ", 1);
      saveHere(w, saved);
      const last = line.getCell(w.cols - 1, this.#probe)!;
      const attrs = cellAttrsOf(last);
      if (isEraseAttrs(attrs)) this.#erase(w.cols - 1, 1, attrs);
      else this.#emptyWithAttrs(line, w.cols - 1, attrs);
    }
  }
}

/** DECSC at the cursor with the pen and charset of `saved`. */
export function saveHere(w: EscapeWriter, saved: SavedCursor): void {
  // DECSC keeps only fg and bg. bg's extended flag (what a restore combines with the pen's
  // extended attributes then) comes from an underline, or else from a link opened just for DECSC.
  const underlined = (saved.fg & FG_UNDERLINE) !== 0;
  const extendedFlag = (saved.bg & BG_HAS_EXTENDED) !== 0;
  const fg = paletteClean(saved.fg);
  const bg = paletteClean(saved.bg & ~BG_HAS_EXTENDED);
  w.setPen(
    underlined
      ? { fg, bg: bg | BG_HAS_EXTENDED, ext: 1 << 26, urlId: 0 }
      : { fg, bg, ext: 0, urlId: 0 },
  );
  const link = extendedFlag && !underlined && w.pen.urlId === 0;
  if (link) w.raw("\x1b]8;;keyframe:saved-cursor\x1b\\");
  if (saved.charset !== "B") w.raw(`\x1b(${saved.charset}\x1b7\x1b(B`);
  else w.raw("\x1b7");
  if (link) w.raw("\x1b]8;;\x1b\\");
}
