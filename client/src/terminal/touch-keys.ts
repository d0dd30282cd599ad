/** The bytes the on-screen keys of a touch screen send, and what a latched Ctrl makes of the next key. Pure. */

/** One key of the extra-keys row. */
export interface TouchKey {
  /** What the button shows. */
  label: string;
  /** Its accessible name. */
  name: string;
  /** The bytes it sends; arrows depend on the cursor-keys mode the program set. */
  bytes(applicationCursor: boolean): string;
}

const arrow =
  (final: string) =>
  (applicationCursor: boolean): string =>
    applicationCursor ? `\x1bO${final}` : `\x1b[${final}`;
const plain = (text: string) => () => text;

/** The row after Ctrl (which is a toggle, not a key): as Termux's and Blink's extra keys. */
export const TOUCH_KEYS: readonly TouchKey[] = [
  { label: "Esc", name: "Escape", bytes: plain("\x1b") },
  { label: "Tab", name: "Tab", bytes: plain("\t") },
  { label: "←", name: "Left", bytes: arrow("D") },
  { label: "↑", name: "Up", bytes: arrow("A") },
  { label: "↓", name: "Down", bytes: arrow("B") },
  { label: "→", name: "Right", bytes: arrow("C") },
  { label: "|", name: "Pipe", bytes: plain("|") },
  { label: "~", name: "Tilde", bytes: plain("~") },
  { label: "/", name: "Slash", bytes: plain("/") },
];

/**
 * What `data` becomes with Ctrl held: a letter or one of @[\]^_ its C0 control (Ctrl+C is \x03),
 * space and 2 NUL, / and 7 \x1f, ? DEL, an arrow its xterm modifier form (CSI 1;5 D). Anything
 * else is sent as it is.
 */
export function withCtrl(data: string): string {
  const arrowKey = /^\x1b[[O]([ABCD])$/.exec(data);
  if (arrowKey) return `\x1b[1;5${arrowKey[1]}`;
  if (data.length !== 1) return data;
  const code = data.toUpperCase().charCodeAt(0);
  if (code >= 0x40 && code <= 0x5f) return String.fromCharCode(code - 0x40);
  if (data === " " || data === "2") return "\x00";
  if (data === "/" || data === "7") return "\x1f";
  if (data === "?") return "\x7f";
  return data;
}
