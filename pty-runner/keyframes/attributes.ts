/** Cell and pen attributes in xterm's packed form, and the SGR parameters that recreate them exactly. */
// Bit layout: xterm src/common/buffer/Constants.ts. fg: colour (bits 0–25) + inverse, bold,
// underline, blink, invisible, strikethrough. bg: colour + italic, dim, has-extended, protected,
// overline. extended: underline style (bits 26–28) and underline colour (bits 0–25), plus a link id.

export const COLOR_MASK = 0x3ffffff; // colour mode (bits 24–25) and value
const CM_SHIFT = 24;
const CM_P16 = 1;
const CM_P256 = 2;
const CM_RGB = 3;

const FG_INVERSE = 0x4000000;
const FG_BOLD = 0x8000000;
export const FG_UNDERLINE = 0x10000000;
const FG_BLINK = 0x20000000;
const FG_INVISIBLE = 0x40000000;
const FG_STRIKETHROUGH = 0x80000000;

const BG_ITALIC = 0x4000000;
const BG_DIM = 0x8000000;
export const BG_HAS_EXTENDED = 0x10000000;
export const BG_PROTECTED = 0x20000000;
const BG_OVERLINE = 0x40000000;

const EXT_UNDERLINE_STYLE = 0x1c000000;

/** Attributes of a cell or of the pen. `ext` and `urlId` are 0 unless `bg` has the extended flag. */
export interface Attrs {
  fg: number;
  bg: number;
  /** Underline style and colour bits (xterm's raw `_ext`). */
  ext: number;
  /** xterm's link id (OSC 8) in the terminal the attributes come from; 0 for none. */
  urlId: number;
}

export const DEFAULT_ATTRS: Attrs = { fg: 0, bg: 0, ext: 0, urlId: 0 };

/** xterm's packed attribute fields, as in its CellData and AttributeData. */
interface Packed {
  fg: number;
  bg: number;
  extended: unknown;
}

/**
 * A cell's attributes as they draw, in the one packed form SGR recreates. xterm can hold several
 * forms that draw the same (only DECRC, which restores fg and bg but not the extended attributes,
 * makes most of them): an underline flag without extended attributes draws a single underline, an
 * underline style or colour without the flag draws nothing. Those are folded here (documented).
 */
export function cellAttrsOf(cell: object): Attrs {
  return canonical(cell as Packed, false);
}

/**
 * The pen's attributes: as a cell printed with it would draw, plus an underline colour set without
 * an underline (SGR 58 alone), which the next SGR 4 shows.
 */
export function penAttrsOf(pen: object): Attrs {
  return canonical(pen as Packed, true);
}

function canonical(data: Packed, keepColor: boolean): Attrs {
  let fg = paletteClean(data.fg);
  let bg = paletteClean(data.bg) & ~BG_HAS_EXTENDED;
  const hasExtended = (data.bg & BG_HAS_EXTENDED) !== 0;
  // `extended` is only meaningful with the flag: xterm leaves a stale object in a reused CellData.
  const extended = data.extended as { _ext: number; _urlId: number };
  const raw = hasExtended || keepColor ? extended._ext >>> 0 : 0;
  let style = 0;
  if (fg & FG_UNDERLINE) style = hasExtended ? (raw & EXT_UNDERLINE_STYLE) >>> 26 : 1;
  if (style === 0) fg = (fg & ~FG_UNDERLINE) >>> 0;
  const color = keepColor || (style !== 0 && hasExtended) ? paletteClean(raw & COLOR_MASK) : 0;
  const urlId = hasExtended ? extended._urlId : 0;
  if (style !== 0 || urlId !== 0) bg |= BG_HAS_EXTENDED;
  return { fg, bg: bg >>> 0, ext: ((style << 26) | color) >>> 0, urlId };
}

/**
 * `packed` without the bits a palette colour does not use: SGR 31 after 38;2;R;G;B replaces only
 * the low byte, so xterm's cells carry the old green and red bytes, which nothing reads.
 */
export function paletteClean(packed: number): number {
  const mode = (packed >>> CM_SHIFT) & 3;
  return (mode === CM_P16 || mode === CM_P256 ? packed & ~0xffff00 : packed) >>> 0;
}

export function sameAttrs(a: Attrs, b: Attrs): boolean {
  return a.fg === b.fg && a.bg === b.bg && a.ext === b.ext && a.urlId === b.urlId;
}

/**
 * True for what erasing leaves (ED, EL, ECH, scrolling, DCH/ICH fill): xterm's erase attributes are
 * the pen's background colour and nothing else. Such empty cells are rebuilt with ECH.
 */
export function isEraseAttrs(a: Attrs): boolean {
  return a.fg === 0 && (a.bg & ~COLOR_MASK) === 0;
}

/** What ECH/EL/scrolling fill with while the pen is `pen`. */
export function eraseAttrsOf(pen: Attrs): Attrs {
  return { fg: 0, bg: pen.bg & COLOR_MASK, ext: 0, urlId: 0 };
}

function colorParams(color: number, base: 30 | 40 | 58): string[] {
  const mode = (color >>> CM_SHIFT) & 3;
  const value = mode === CM_RGB ? color & 0xffffff : color & 0xff;
  if (mode === CM_P16 && base !== 58) {
    // P16 and P256 are distinct modes in xterm (31 vs 38;5;1), and cells remember which.
    return [String(value < 8 ? base + value : base + 60 + (value - 8))];
  }
  const extendedBase = base === 30 ? 38 : base === 40 ? 48 : 58;
  if (mode === CM_P256 || mode === CM_P16) return [String(extendedBase), "5", String(value & 0xff)];
  if (mode === CM_RGB) {
    return [
      String(extendedBase),
      "2",
      String((value >>> 16) & 0xff),
      String((value >>> 8) & 0xff),
      String(value & 0xff),
    ];
  }
  return [];
}

/**
 * `CSI ... m` that turns any pen into `a` (except the link, which SGR 0 keeps, and the protected
 * flag, which is DECSCA's): it starts with 0, so it does not depend on the pen before.
 */
export function sgrOf(a: Attrs): string {
  const params = ["0"];
  const fg = a.fg;
  const bg = a.bg;
  if (fg & FG_BOLD) params.push("1");
  if (bg & BG_DIM) params.push("2");
  if (bg & BG_ITALIC) params.push("3");
  if (fg & FG_UNDERLINE) {
    const style = (a.ext & EXT_UNDERLINE_STYLE) >>> 26;
    params.push(style > 1 ? `4:${style}` : "4");
  }
  if (fg & FG_BLINK) params.push("5");
  if (fg & FG_INVERSE) params.push("7");
  if (fg & FG_INVISIBLE) params.push("8");
  if (fg & FG_STRIKETHROUGH) params.push("9");
  if (bg & BG_OVERLINE) params.push("53");
  params.push(...colorParams(fg & COLOR_MASK, 30));
  params.push(...colorParams(bg & COLOR_MASK, 40));
  const underlineColor = a.ext & COLOR_MASK;
  if (underlineColor !== 0) params.push(...colorParams(underlineColor, 58));
  return `\x1b[${params.join(";")}m`;
}
