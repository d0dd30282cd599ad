/** OSC 52 clipboard reads from the remote shell are never answered. */
import type { IDisposable, IParser } from "@xterm/xterm";

/**
 * Swallows OSC 52 queries (`ESC ] 52 ; c ; ? BEL`): answering one would send the viewer's
 * clipboard (a password, a token) to whatever runs in the shell. Other OSC 52 payloads (clipboard
 * writes) fall through to any handler registered before this one; xterm's core has none, so
 * today they are ignored too. Register this last so it runs first.
 */
export function refuseClipboardReads(parser: Pick<IParser, "registerOscHandler">): IDisposable {
  return parser.registerOscHandler(52, (payload) => isClipboardQuery(payload));
}

/** Whether an OSC 52 payload ("targets;data") asks to read the clipboard. */
export function isClipboardQuery(payload: string): boolean {
  const separator = payload.indexOf(";");
  const data = separator === -1 ? payload : payload.slice(separator + 1);
  return data.trim() === "?";
}
