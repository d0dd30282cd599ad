/** Typed reads of the @xterm/headless internals a keyframe needs and the public API does not expose, checked so an upgrade that moves them fails loudly. */
// The public API gives cells, cursor, the active buffer and most modes. It does not give the scroll
// region, the saved cursor (DECSC), the pen the next character will be printed with, charsets, tab
// stops, cursor visibility and style, the mouse encoding, the title, or where the parser is inside
// an escape sequence. xterm keeps all of them as plain fields (its own serialize addon reads
// `_core._inputHandler._curAttrData` the same way); reading xterm's own state is exact, where
// re-deriving it from parser hooks would have to copy xterm's rules (clamping, per-buffer regions,
// resets on resize, RIS and DECSTR). `checkInternals` runs on every tracker, so a release of xterm
// that renames a field breaks the tests instead of producing wrong keyframes.
import type { HeadlessTerminal } from "./headless-terminal.ts";

/** xterm's packed attributes: `fg`/`bg` carry colours and flags, `extended` underline style/colour and link. */
export interface InternalAttrs {
  fg: number;
  bg: number;
  extended: { _ext: number; _urlId: number };
}

/** One buffer (normal or alternate) as xterm keeps it. */
export interface InternalBuffer {
  x: number;
  y: number;
  ybase: number;
  scrollTop: number;
  scrollBottom: number;
  savedX: number;
  savedY: number;
  savedCurAttrData: { fg: number; bg: number };
  savedCharset: object | undefined;
  tabs: Record<number, boolean | undefined>;
  lines: { length: number };
}

interface Core {
  _writeBuffer: { writeSync(data: Uint8Array | string): void };
  _bufferService: {
    buffers: { normal: InternalBuffer; alt: InternalBuffer; active: InternalBuffer };
  };
  _oscLinkService: { getLinkData(id: number): { id?: string; uri: string } | undefined };
  _inputHandler: {
    _parser: { currentState: number; precedingJoinState: number };
    _utf8Decoder: { interim: Uint8Array };
    _parseStack: { paused: boolean };
    _curAttrData: InternalAttrs;
    _windowTitle: string;
    _iconName: string;
    _charsetService: {
      glevel: number;
      _charsets: (object | undefined)[];
      charset: object | undefined;
    };
    _coreService: {
      isCursorHidden: boolean;
      modes: { insertMode: boolean };
      decPrivateModes: {
        applicationCursorKeys: boolean;
        applicationKeypad: boolean;
        bracketedPasteMode: boolean;
        cursorBlink: boolean | undefined;
        cursorStyle: "block" | "underline" | "bar" | undefined;
        origin: boolean;
        reverseWraparound: boolean;
        sendFocus: boolean;
        synchronizedOutput: boolean;
        wraparound: boolean;
      };
    };
    _coreMouseService: { activeProtocol: string; activeEncoding: string };
    onColor(listener: (event: ColorRequest[]) => void): { dispose(): void };
  };
  optionsService: { rawOptions: { convertEol: boolean; cursorBlink: boolean } };
}

/** An OSC 4/10/11/12/104/110–112 request as xterm parsed it (type 0 report, 1 set, 2 restore). */
export interface ColorRequest {
  type: number;
  index?: number;
  color?: [number, number, number];
}

/** xterm's parser states that matter here (src/common/parser/Constants.ts). */
export const PARSER_GROUND = 0;

/** The internals of `terminal`. */
export function coreOf(terminal: HeadlessTerminal): Core {
  return (terminal as unknown as { _core: Core })._core;
}

/** Throws, naming the field, if this xterm does not keep its state where the keyframe engine reads it. */
export function checkInternals(terminal: HeadlessTerminal): void {
  const core = coreOf(terminal) as unknown as Record<string, unknown> | undefined;
  const need = (path: string, kind: string): void => {
    let value: unknown = core;
    for (const key of path.split("."))
      value = (value as Record<string, unknown> | undefined)?.[key];
    const actual = Array.isArray(value)
      ? "array"
      : value instanceof Uint8Array
        ? "bytes"
        : typeof value;
    if (actual !== kind) {
      throw new Error(
        `@xterm/headless changed: _core.${path} is ${actual}, the keyframe engine needs ${kind} (pty-runner/keyframes/xterm-internals.ts)`,
      );
    }
  };
  need("_writeBuffer.writeSync", "function");
  need("_oscLinkService.getLinkData", "function");
  for (const buffer of ["normal", "alt"]) {
    for (const field of ["x", "y", "ybase", "scrollTop", "scrollBottom", "savedX", "savedY"]) {
      need(`_bufferService.buffers.${buffer}.${field}`, "number");
    }
    need(`_bufferService.buffers.${buffer}.savedCurAttrData.fg`, "number");
    need(`_bufferService.buffers.${buffer}.tabs`, "object");
  }
  need("_inputHandler._parser.currentState", "number");
  need("_inputHandler._parser.precedingJoinState", "number");
  need("_inputHandler._utf8Decoder.interim", "bytes");
  need("_inputHandler._parseStack.paused", "boolean");
  need("_inputHandler._curAttrData.fg", "number");
  need("_inputHandler._curAttrData.extended._ext", "number");
  need("_inputHandler._curAttrData.extended._urlId", "number");
  need("_inputHandler._windowTitle", "string");
  need("_inputHandler._iconName", "string");
  need("_inputHandler._charsetService.glevel", "number");
  need("_inputHandler._charsetService._charsets", "array");
  need("_inputHandler._coreService.isCursorHidden", "boolean");
  need("_inputHandler._coreService.modes.insertMode", "boolean");
  need("_inputHandler._coreService.decPrivateModes.origin", "boolean");
  need("_inputHandler._coreMouseService.activeEncoding", "string");
  need("_inputHandler.onColor", "function");
  need("optionsService.rawOptions.convertEol", "boolean");
}
