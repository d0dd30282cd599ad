/** Framework-free entry point: mount a terminal panel into any element of any app. */
import { h, render } from "preact";
import type { ConnectionSnapshot, StatusView } from "./connection/connection-status.ts";
import { TerminalPanel } from "./terminal/terminal-panel.tsx";

/** Options of mountTerminal. */
export interface MountTerminalOptions {
  /** The server's http(s) origin; the page's origin when absent. */
  server?: string;
  /** The session to join. Absent: a waiting state, no socket. */
  sessionId?: string | null;
  /** A join token for the session. */
  token?: string | null;
  /**
   * Where fresh join tokens come from (your backend). The terminal renews its token before it
   * expires over the open connection, and asks again if the edge refuses an expired one.
   */
  getToken?: () => Promise<string>;
  onStateChange?: (status: StatusView, snapshot: ConnectionSnapshot) => void;
}

/** A mounted terminal. */
export interface MountedTerminal {
  /**
   * Changes options in place: a new token or provider keeps the connection; a new session or
   * server opens a new terminal.
   */
  update(options: Partial<MountTerminalOptions>): void;
  /** Closes the connection and removes the terminal from the element. */
  dispose(): void;
}

/** Renders a TerminalPanel into `element`; the element should have a height. */
export function mountTerminal(
  element: HTMLElement,
  options: MountTerminalOptions,
): MountedTerminal {
  let current = { ...options };
  render(h(TerminalPanel, current), element);
  return {
    update(change) {
      current = { ...current, ...change };
      render(h(TerminalPanel, current), element);
    },
    dispose: () => render(null, element),
  };
}
