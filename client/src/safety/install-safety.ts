/** Everything that keeps untrusted terminal output from reaching the viewer or the shell. */
import { WebLinksAddon } from "@xterm/addon-web-links";
import type { IDisposable, Terminal } from "@xterm/xterm";
import { refuseClipboardReads } from "./clipboard-guard.ts";
import { ReplyGuard } from "./reply-guard.ts";
import { openLinkSafely } from "./safe-links.ts";

/** The installed guards; dispose() removes them all. */
export interface TerminalSafety extends IDisposable {
  /** Classifies onData/onBinary payloads as keystrokes or automatic answers. */
  replies: ReplyGuard;
}

/**
 * Installs the guards on a terminal: OSC 52 clipboard reads refused, links opened only if
 * http(s) and confirmed (plain URLs and OSC 8 hyperlinks), automatic answers marked so that
 * answers to replayed queries are dropped. Call after every other addon is loaded.
 */
export function installSafety(terminal: Terminal, parsingLive: () => boolean): TerminalSafety {
  const open = (url: string): void => void openLinkSafely(url);
  // OSC 8 hyperlinks: the text shown and the address behind it differ, so the confirmation
  // shows the full address; xterm itself refuses non-http(s) schemes before calling this.
  terminal.options.linkHandler = {
    activate: (_event, text) => open(text),
    allowNonHttpProtocols: false,
  };
  // Plain URLs, also when wrapped over several lines. The addon's own handler opens any match
  // at once; ours checks the scheme again and asks first.
  const webLinks = new WebLinksAddon((_event, uri) => open(uri));
  terminal.loadAddon(webLinks);
  const replies = new ReplyGuard(terminal.parser, parsingLive);
  const disposables: IDisposable[] = [replies, refuseClipboardReads(terminal.parser), webLinks];
  return {
    replies,
    dispose: () => {
      for (const d of disposables) d.dispose();
    },
  };
}
