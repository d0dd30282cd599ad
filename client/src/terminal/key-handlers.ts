/** Several key handlers sharing xterm's single custom key event handler: the first that claims a key (returns false) stops it. */
import type { IDisposable, Terminal } from "@xterm/xterm";

/** Returns false to keep xterm from handling the key (as attachCustomKeyEventHandler's handler). */
export type KeyHandler = (event: KeyboardEvent) => boolean;

const chains = new WeakMap<Terminal, KeyHandler[]>();

/**
 * Adds `handler` to the terminal's chain. xterm keeps one handler per terminal; attaching a second
 * would silently replace the first (command jumps, clipboard keys and search all need one).
 */
export function addKeyHandler(terminal: Terminal, handler: KeyHandler): IDisposable {
  let chain = chains.get(terminal);
  if (!chain) {
    const handlers: KeyHandler[] = [];
    chain = handlers;
    chains.set(terminal, handlers);
    terminal.attachCustomKeyEventHandler((event) => handlers.every((h) => h(event)));
  }
  const handlers = chain;
  handlers.push(handler);
  return {
    dispose: () => {
      const at = handlers.indexOf(handler);
      if (at >= 0) handlers.splice(at, 1);
    },
  };
}
