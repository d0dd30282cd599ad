/** Searching the scrollback with @xterm/addon-search: the terms, the match colours for each scheme, and the "n of m" count. */
import { SearchAddon, type ISearchOptions } from "@xterm/addon-search";
import type { IDisposable, Terminal } from "@xterm/xterm";
import type { ResolvedColorScheme } from "./color-scheme.ts";
import { addKeyHandler } from "./key-handlers.ts";
import type { ShortcutKey } from "./clipboard-keys.ts";

/** Which match is shown, counting from 1, of how many; `index` 0 when none is selected. */
export interface SearchResults {
  index: number;
  count: number;
}

/** A terminal's search, as the search box drives it. */
export interface TerminalSearch {
  /** Selects the next (or, `backwards`, the previous) match of `term` and scrolls to it. */
  find(term: string, backwards?: boolean): void;
  /** Removes the highlights (the box was closed). */
  clear(): void;
  /** Calls `listener` with the count after every search; returns the unsubscribe function. */
  onResults(listener: (results: SearchResults) => void): () => void;
}

/** Ctrl+Shift+F, or Cmd+F on macOS (VS Code's terminal binds Ctrl+F, which readline needs). */
export function isSearchKey(event: ShortcutKey, mac: boolean): boolean {
  if (event.key.toLowerCase() !== "f" || event.altKey) return false;
  return mac
    ? event.metaKey && !event.ctrlKey && !event.shiftKey
    : event.ctrlKey && event.shiftKey && !event.metaKey;
}

// Decorations (needed for the count) take #RRGGBB colours only.
const MATCH_COLOURS: Record<ResolvedColorScheme, NonNullable<ISearchOptions["decorations"]>> = {
  dark: {
    matchBackground: "#5a4a14",
    matchOverviewRuler: "#d29922",
    activeMatchBackground: "#9e6a03",
    activeMatchBorder: "#e3b341",
    activeMatchColorOverviewRuler: "#e3b341",
  },
  light: {
    matchBackground: "#fff1b8",
    matchOverviewRuler: "#bf8700",
    activeMatchBackground: "#ffd33d",
    activeMatchBorder: "#9a6700",
    activeMatchColorOverviewRuler: "#9a6700",
  },
};

/** Loads the search addon into `terminal`; `onOpen` is called when the search key is pressed. */
export function installSearch(
  terminal: Terminal,
  options: { mac: boolean; scheme: () => ResolvedColorScheme; onOpen: () => void },
): TerminalSearch & IDisposable {
  const addon = new SearchAddon();
  terminal.loadAddon(addon);
  const listeners = new Set<(results: SearchResults) => void>();
  const results = addon.onDidChangeResults(({ resultIndex, resultCount }) => {
    for (const listener of listeners) listener({ index: resultIndex + 1, count: resultCount });
  });
  const keys = addKeyHandler(terminal, (event) => {
    if (!isSearchKey(event, options.mac)) return true;
    if (event.type === "keydown") options.onOpen();
    event.preventDefault();
    return false;
  });
  return {
    find(term, backwards = false) {
      if (!term) {
        addon.clearDecorations();
        for (const listener of listeners) listener({ index: 0, count: 0 });
        return;
      }
      const search: ISearchOptions = { decorations: MATCH_COLOURS[options.scheme()] };
      if (backwards) addon.findPrevious(term, search);
      else addon.findNext(term, search);
    },
    clear: () => addon.clearDecorations(),
    onResults(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      keys.dispose();
      results.dispose();
      listeners.clear();
      addon.dispose();
    },
  };
}
