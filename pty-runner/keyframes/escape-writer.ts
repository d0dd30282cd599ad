/** Builds a keyframe's escape sequences while tracking what they do to the joiner's terminal: cursor, pen and link. */
import {
  type Attrs,
  BG_HAS_EXTENDED,
  BG_PROTECTED,
  DEFAULT_ATTRS,
  sameAttrs,
  sgrOf,
} from "./attributes.ts";

/** A link's data as OSC 8 carries it. */
export interface LinkData {
  id?: string;
  uri: string;
}

/**
 * The output under construction, and the joiner's state it implies. Keeping the cursor and pen here
 * lets the writers emit a move or an SGR only when the joiner's state differs, and know exactly when
 * a print will wrap. Columns run 0..cols, where `cols` is xterm's "pending wrap" position after a
 * character was printed in the last column.
 */
export class EscapeWriter {
  readonly #parts: string[] = [];
  /** The joiner's cursor column (0..cols). */
  col = 0;
  /** The joiner's cursor row on the screen. */
  row = 0;
  /** The joiner's pen, with `urlId` in the tracker's numbering (links are re-registered by data). */
  #pen: Attrs = DEFAULT_ATTRS;

  readonly cols: number;
  readonly rows: number;
  readonly linkData: (urlId: number) => LinkData | undefined;

  constructor(cols: number, rows: number, linkData: (urlId: number) => LinkData | undefined) {
    this.cols = cols;
    this.rows = rows;
    this.linkData = linkData;
  }

  get pen(): Attrs {
    return this.#pen;
  }

  /** Appends raw escape sequences that move neither cursor nor pen. */
  raw(text: string): void {
    this.#parts.push(text);
  }

  /** The whole output. */
  text(): string {
    return this.#parts.join("");
  }

  /** Moves to column `x` of the current row (CHA), also when already there if `force` (a CSI ends a grapheme). */
  toCol(x: number, force = false): void {
    if (this.col === x && !force) return;
    this.#parts.push(x === 0 ? "\r" : `\x1b[${x + 1}G`);
    // CR is an execute, which ends a grapheme just like a CSI does.
    this.col = x;
  }

  /** Moves to screen row `y`, column `x` (CUP; the writers only use it with origin mode off). */
  toRowCol(y: number, x: number): void {
    this.#parts.push(`\x1b[${y + 1};${x + 1}H`);
    this.row = y;
    this.col = x;
  }

  /** After DECRC (which sets the pen's colours and flags): the next `setPen` writes a full SGR. */
  forgetPenColors(): void {
    this.#pen = { ...this.#pen, fg: -1 };
  }

  /** Makes the pen exactly `a`: SGR, DECSCA (protected) and OSC 8 (link) as needed. */
  setPen(a: Attrs): void {
    const pen = this.#pen;
    if (sameAttrs(pen, a)) return;
    const wantLink = a.bg & BG_HAS_EXTENDED ? a.urlId : 0;
    const haveLink = pen.urlId;
    const stripped = (x: Attrs): Attrs => ({
      fg: x.fg,
      bg: x.bg & ~(BG_PROTECTED | BG_HAS_EXTENDED),
      ext: x.ext,
      urlId: 0,
    });
    let sgr = !sameAttrs(stripped(pen), stripped(a));
    // SGR 0 clears the protected flag; DECSCA sets it back.
    if (!sgr && pen.bg & BG_PROTECTED && !(a.bg & BG_PROTECTED)) sgr = true;
    if (sgr) this.#parts.push(sgrOf(a));
    if (a.bg & BG_PROTECTED && (sgr || !(pen.bg & BG_PROTECTED))) this.#parts.push('\x1b[1"q');
    let link = haveLink;
    if (wantLink !== haveLink) {
      // A link xterm already forgot (its lines scrolled away) cannot be re-opened: the cell keeps none.
      const data = wantLink ? this.linkData(wantLink) : undefined;
      if (data) {
        this.#parts.push(
          `\x1b]8;${data.id !== undefined ? `id=${data.id}` : ""};${data.uri}\x1b\\`,
        );
        link = wantLink;
      } else {
        if (haveLink) this.#parts.push("\x1b]8;;\x1b\\");
        link = 0;
      }
    }
    const bg = link === 0 && a.ext === 0 ? a.bg & ~BG_HAS_EXTENDED : a.bg;
    this.#pen = { ...a, bg, urlId: link };
  }

  /** Prints `chars` (one cell's content) `advance` columns wide, without wrapping. */
  print(chars: string, advance: number): void {
    this.#parts.push(chars);
    this.col += advance;
  }

  /**
   * Prints `chars` `width` wide from the pending-wrap position (or where it does not fit), so xterm
   * wraps: the next row is marked as the continuation of this one. Returns whether the screen scrolled.
   */
  printWrapping(chars: string, width: number): boolean {
    this.#parts.push(chars);
    const scrolled = this.row === this.rows - 1;
    this.row = Math.min(this.row + 1, this.rows - 1);
    this.col = width;
    return scrolled;
  }

  /** CR LF; returns whether the screen scrolled. */
  newline(): boolean {
    this.#parts.push("\r\n");
    const scrolled = this.row === this.rows - 1;
    this.row = Math.min(this.row + 1, this.rows - 1);
    this.col = 0;
    return scrolled;
  }
}
