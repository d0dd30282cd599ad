/**
 * Copy and paste as people expect in a terminal (VS Code's keys): Ctrl+C copies a selection and is
 * ^C without one, Ctrl+Shift+C copies, Ctrl+V / Ctrl+Shift+V / Shift+Insert paste; on macOS
 * Cmd+C / Cmd+V, and Ctrl+C is always ^C. Right-click copies a selection, else pastes.
 */
import type { IDisposable, Terminal } from "@xterm/xterm";
import { addKeyHandler } from "./key-handlers.ts";

/** What a key asks the clipboard for. */
export type ClipboardAction = "copy" | "paste";

/** The parts of a KeyboardEvent the shortcuts depend on. */
export interface ShortcutKey {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** The clipboard action a key asks for, or null when the key is the shell's. */
export function clipboardAction(
  event: ShortcutKey,
  mac: boolean,
  hasSelection: boolean,
): ClipboardAction | null {
  if (event.altKey) return null;
  const key = event.key.toLowerCase();
  if (mac) {
    if (!event.metaKey || event.ctrlKey) return null;
    if (key === "c") return hasSelection ? "copy" : null;
    return key === "v" ? "paste" : null;
  }
  if (event.key === "Insert" && event.shiftKey && !event.ctrlKey && !event.metaKey) return "paste";
  if (!event.ctrlKey || event.metaKey) return null;
  if (key === "c") return event.shiftKey || hasSelection ? "copy" : null;
  return key === "v" ? "paste" : null;
}

/** What the clipboard keys need from the panel. */
export interface ClipboardKeysOptions {
  mac: boolean;
  /** Whether this viewer may type (a read-only viewer may copy, never paste). */
  canPaste: () => boolean;
  /** A paste was refused because the viewer is read-only. */
  onReadOnly: () => void;
  /** The browser refused the clipboard (no permission, no secure context). */
  onClipboardError: (action: ClipboardAction, error: unknown) => void;
}

/** The clipboard keys of one terminal; `handlesKey` says whether a key is copy (local, allowed to viewers). */
export interface ClipboardKeys extends IDisposable {
  handlesKey(event: ShortcutKey): boolean;
}

/** Installs the keys and the right-click behaviour on `terminal`, opened in `host`. */
export function installClipboardKeys(
  terminal: Terminal,
  host: HTMLElement,
  options: ClipboardKeysOptions,
): ClipboardKeys {
  const copy = (): void => {
    const text = terminal.getSelection();
    if (!text) return;
    terminal.clearSelection();
    navigator.clipboard
      .writeText(text)
      .catch((error: unknown) => options.onClipboardError("copy", error));
  };
  const paste = (): void => {
    if (!options.canPaste()) return options.onReadOnly();
    navigator.clipboard.readText().then(
      // terminal.paste wraps the text in bracketed-paste marks when the program asked for them.
      (text) => text && terminal.paste(text),
      (error: unknown) => options.onClipboardError("paste", error),
    );
  };

  const keys = addKeyHandler(terminal, (event) => {
    const action = clipboardAction(event, options.mac, terminal.hasSelection());
    if (!action) return true;
    // keydown acts; keypress and keyup of the same chord must not reach the shell either.
    if (event.type === "keydown") {
      if (action === "copy") copy();
      else if (options.canPaste()) paste();
      // A viewer's paste key: the panel's keydown listener shows the read-only notice.
    }
    event.preventDefault();
    return false;
  });

  // VS Code's "copyPaste" right click, instead of the browser's menu over the terminal.
  const onContextMenu = (event: MouseEvent): void => {
    event.preventDefault();
    if (terminal.hasSelection()) copy();
    else paste();
  };
  host.addEventListener("contextmenu", onContextMenu);

  return {
    handlesKey: (event) => clipboardAction(event, options.mac, terminal.hasSelection()) === "copy",
    dispose: () => {
      keys.dispose();
      host.removeEventListener("contextmenu", onContextMenu);
    },
  };
}
