/** Compares two headless terminals as a person and a program would see them: every cell with its attributes, cursor, buffers, modes and the state behind them; names the first difference. */
import type { IBufferCell, IBufferLine, Terminal } from "@xterm/headless";
import { coreOf, type InternalBuffer } from "../../pty-runner/keyframes/xterm-internals.ts";

const FG_FLAGS: [number, string][] = [
  [0x4000000, "inverse"],
  [0x8000000, "bold"],
  [0x10000000, "underline"],
  [0x20000000, "blink"],
  [0x40000000, "invisible"],
  [0x80000000, "strikethrough"],
];
const BG_FLAGS: [number, string][] = [
  [0x4000000, "italic"],
  [0x8000000, "dim"],
  [0x20000000, "protected"],
  [0x40000000, "overline"],
];
const HAS_EXTENDED = 0x10000000;

function color(value: number): string {
  const mode = (value >>> 24) & 3;
  // A palette colour is its low byte: xterm leaves stale bits above it (see attributes.ts).
  const v = mode === 3 ? value & 0xffffff : value & 0xff;
  return mode === 0
    ? "default"
    : mode === 1
      ? `p16:${v}`
      : mode === 2
        ? `p256:${v}`
        : `#${v.toString(16).padStart(6, "0")}`;
}

function flagsOf(value: number, flags: [number, string][]): string {
  return flags
    .filter(([bit]) => value & bit)
    .map(([, name]) => ` ${name}`)
    .join("");
}

/**
 * Everything about a cell that draws or links, as one readable string. Attributes are described as
 * they draw: palette colours by their low byte, the underline by its effective style (a flag without
 * extended attributes draws single, a style or colour without the flag draws nothing), a link only
 * while xterm still has its data.
 */
export function describeCell(terminal: Terminal, cell: IBufferCell): string {
  const code = cell.getCode();
  const chars = cell.getChars();
  const text = chars === "" ? (code ? `code ${code}` : "empty") : JSON.stringify(chars);
  return `${text} w${cell.getWidth()} ${describeAttrs(terminal, cell, false)}`;
}

function describeAttrs(terminal: Terminal, data: object, pen: boolean): string {
  const raw = data as { fg: number; bg: number; extended: { _ext: number; _urlId: number } };
  const fg = raw.fg >>> 0;
  const bg = raw.bg >>> 0;
  const hasExtended = (bg & HAS_EXTENDED) !== 0;
  const ext = raw.extended._ext >>> 0;
  const underline = fg & 0x10000000 ? (hasExtended ? (ext >>> 26) & 7 : 1) : 0;
  const flags = [
    ...FG_FLAGS.filter(([bit, name]) => fg & bit && name !== "underline").map(([, name]) => name),
    ...BG_FLAGS.filter(([bit]) => bg & bit).map(([, name]) => name),
  ];
  let extra = underline ? ` underline=${underline}` : "";
  const underlineColor = ext & 0x3ffffff;
  if (underlineColor && (pen || (underline && hasExtended)))
    extra += ` ul-color=${color(underlineColor)}`;
  const link =
    hasExtended && raw.extended._urlId
      ? coreOf(terminal)._oscLinkService.getLinkData(raw.extended._urlId)
      : undefined;
  if (link) extra += ` link=${link.id ?? ""};${link.uri}`;
  return `fg=${color(fg)} bg=${color(bg)}${flags.length ? ` ${flags.join(",")}` : ""}${extra}`;
}

function describeLineCells(
  terminal: Terminal,
  line: IBufferLine | undefined,
  cell: IBufferCell,
  cols: number,
): string[] {
  const cells: string[] = [];
  for (let x = 0; x < cols; x++) {
    const c = line?.getCell(x, cell);
    cells.push(c ? describeCell(terminal, c) : "missing");
  }
  return cells;
}

function stopsOf(buffer: InternalBuffer, cols: number): string {
  return Object.keys(buffer.tabs)
    .map(Number)
    .filter((x) => buffer.tabs[x] && x < cols)
    .join(",");
}

function savedOf(buffer: InternalBuffer, rows: number, cols: number): string {
  const { fg, bg } = buffer.savedCurAttrData;
  // y as a restore uses it: relative to the top of the screen (lines above it may differ in number).
  // x as a print uses it: anything right of the margin wraps like the margin itself.
  return (
    `x=${Math.min(buffer.savedX, cols)} y=${Math.min(Math.max(0, buffer.savedY - buffer.ybase), rows - 1)} fg=${color(fg >>> 0)}${flagsOf(fg >>> 0, FG_FLAGS)}` +
    ` bg=${color(bg >>> 0)}${flagsOf(bg >>> 0, BG_FLAGS)}${bg & HAS_EXTENDED ? " extended" : ""}`
  );
}

/** Options of `firstDifference`. */
export interface CompareOptions {
  /** Compare the lines above the screens too (as many as both have). Default true. */
  scrollback?: boolean;
  /** Compare line wrap flags (not of the oldest line both have). Default true. */
  wrapFlags?: boolean;
  /**
   * Compare half wide characters as the empty cells a keyframe makes of them: a wide character that
   * lost its right half (cut by the right margin or overwritten in a reflow: only resizes do that),
   * and a right half without its wide character (ICH or DCH in the middle of one). Default false.
   */
  halfWideAsEmpty?: boolean;
}

/** A right half (placeholder) at `x` whose wide character is not left of it. */
function orphanHalf(line: IBufferLine, x: number, probe: IBufferCell): boolean {
  const cell = line.getCell(x, probe);
  if (!cell || cell.getWidth() !== 0 || cell.getChars() !== "") return false;
  return x === 0 || line.getCell(x - 1, probe)!.getWidth() !== 2;
}

/** A wide character at `x` without its right half, as buffer-writer.ts defines it. */
function brokenWide(line: IBufferLine, x: number, cols: number, probe: IBufferCell): boolean {
  if (line.getCell(x, probe)?.getWidth() !== 2) return false;
  if (x >= cols - 1) return true;
  const right = line.getCell(x + 1, probe)!;
  if (right.getWidth() === 0 && right.getChars() === "") return false;
  return !(x === cols - 2 && right.getWidth() === 1 && right.getChars() !== "");
}

/**
 * The first way `actual` differs from `expected`, described so a failing test says what and where
 * (buffer, line, screen row, column, both cells), or null if they are the same.
 */
export function firstDifference(
  expected: Terminal,
  actual: Terminal,
  options: CompareOptions = {},
): string | null {
  const scrollback = options.scrollback ?? true;
  const wrapFlags = options.wrapFlags ?? true;
  if (expected.cols !== actual.cols || expected.rows !== actual.rows) {
    return `size: expected ${expected.cols}x${expected.rows}, got ${actual.cols}x${actual.rows}`;
  }
  const e = coreOf(expected);
  const a = coreOf(actual);
  const ea = expected.buffer.active;
  const aa = actual.buffer.active;
  if (ea.type !== aa.type) return `active buffer: expected ${ea.type}, got ${aa.type}`;

  // Cells, both buffers: a program returning from the alternate screen shows the normal one again.
  const cellE = ea.getNullCell();
  const cellA = aa.getNullCell();
  for (const which of ["normal", "alternate"] as const) {
    const be = expected.buffer[which];
    const ba = actual.buffer[which];
    if (which === "alternate" && ea.type !== "alternate") continue;
    const common = scrollback ? Math.min(be.length, ba.length) : expected.rows;
    for (let i = common; i >= 1; i--) {
      // Lines counted from the bottom: the screens line up, scrollback may be shorter in one.
      const ye = be.length - i;
      const ya = ba.length - i;
      const le = be.getLine(ye);
      const la = ba.getLine(ya);
      const where = `${which} buffer, line ${ye} of ${be.length} (${i <= expected.rows ? `screen row ${expected.rows - i}` : `${i - expected.rows} above the screen`})`;
      if (wrapFlags && i < common && (le?.isWrapped ?? false) !== (la?.isWrapped ?? false)) {
        return `${where}: wrap flag expected ${le?.isWrapped}, got ${la?.isWrapped}\n  text: ${JSON.stringify(le?.translateToString())}`;
      }
      for (let x = 0; x < expected.cols; x++) {
        const half = options.halfWideAsEmpty === true;
        const brokenE =
          half &&
          le !== undefined &&
          (brokenWide(le, x, expected.cols, cellE) || orphanHalf(le, x, cellE));
        const brokenA =
          half &&
          la !== undefined &&
          (brokenWide(la, x, actual.cols, cellA) || orphanHalf(la, x, cellA));
        const ce = le?.getCell(x, cellE);
        const ca = la?.getCell(x, cellA);
        const de = ce
          ? brokenE
            ? `empty w1 ${describeAttrs(expected, ce, false)}`
            : describeCell(expected, ce)
          : "missing";
        const da = ca
          ? brokenA
            ? `empty w1 ${describeAttrs(actual, ca, false)}`
            : describeCell(actual, ca)
          : "missing";
        if (de !== da) {
          return (
            `${where}, column ${x}:\n  expected ${de}\n  got      ${da}\n` +
            `  expected line: ${JSON.stringify(le?.translateToString())}\n` +
            `  got line:      ${JSON.stringify(la?.translateToString())}`
          );
        }
      }
    }
  }

  // Cursor.
  if (ea.cursorX !== aa.cursorX || ea.cursorY !== aa.cursorY) {
    return `cursor: expected (x ${ea.cursorX}, y ${ea.cursorY}), got (x ${aa.cursorX}, y ${aa.cursorY})`;
  }
  const ie = e._inputHandler;
  const ia = a._inputHandler;
  if (ie._coreService.isCursorHidden !== ia._coreService.isCursorHidden) {
    return `cursor hidden: expected ${ie._coreService.isCursorHidden}, got ${ia._coreService.isCursorHidden}`;
  }

  // Modes, public and behind the API.
  const modeNames = Object.keys(expected.modes) as (keyof typeof expected.modes)[];
  for (const name of modeNames) {
    if (expected.modes[name] !== actual.modes[name]) {
      return `mode ${name}: expected ${String(expected.modes[name])}, got ${String(actual.modes[name])}`;
    }
  }
  const actualOrExpected = (core: typeof e): Terminal => (core === e ? expected : actual);
  const state = (core: typeof e): Record<string, unknown> => {
    const input = core._inputHandler;
    const buffers = core._bufferService.buffers;
    const pen = input._curAttrData;
    return {
      "mouse encoding": input._coreMouseService.activeEncoding,
      "cursor style": input._coreService.decPrivateModes.cursorStyle,
      "cursor blink (DECSCUSR)": input._coreService.decPrivateModes.cursorBlink,
      "cursor blink option": core.optionsService.rawOptions.cursorBlink,
      // As a cell printed with it would draw, plus an underline colour waiting for an underline.
      pen: describeAttrs(actualOrExpected(core), pen, true),
      title: input._windowTitle,
      "icon name": input._iconName,
      "charset level": input._charsetService.glevel,
      "convertEol (LNM)": core.optionsService.rawOptions.convertEol,
      "normal scroll region": `${buffers.normal.scrollTop}-${buffers.normal.scrollBottom}`,
      "alternate scroll region": `${buffers.alt.scrollTop}-${buffers.alt.scrollBottom}`,
      "normal saved cursor": savedOf(buffers.normal, expected.rows, expected.cols),
      "alternate saved cursor": savedOf(buffers.alt, expected.rows, expected.cols),
      // Stops right of the margin (left from a wider size) cannot be set, and a widening resize
      // sets the same stops either way.
      "normal tab stops": stopsOf(buffers.normal, core === e ? expected.cols : actual.cols),
      "alternate tab stops": stopsOf(buffers.alt, core === e ? expected.cols : actual.cols),
    };
  };
  const se = state(e);
  const sa = state(a);
  for (const key of Object.keys(se)) {
    if (se[key] !== sa[key]) return `${key}: expected ${String(se[key])}, got ${String(sa[key])}`;
  }
  const charsets = (core: typeof e) => core._inputHandler._charsetService;
  for (let g = 0; g < 4; g++) {
    if (charsets(e)._charsets[g] !== charsets(a)._charsets[g]) return `charset G${g} differs`;
  }
  if (charsets(e).charset !== charsets(a).charset) return "active charset differs";
  return null;
}

/** The visible rows as read_output renders them: trailing spaces and trailing blank rows dropped. */
export function visibleText(terminal: {
  rows: number;
  buffer: { active: Terminal["buffer"]["active"] };
}): string {
  const buffer = terminal.buffer.active;
  const rows: string[] = [];
  for (let y = 0; y < terminal.rows; y++) {
    rows.push(
      buffer
        .getLine(buffer.viewportY + y)
        ?.translateToString(true)
        .trimEnd() ?? "",
    );
  }
  while (rows.length > 0 && rows[rows.length - 1] === "") rows.pop();
  return rows.join("\n");
}
