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
  onStateChange?: (status: StatusView, snapshot: ConnectionSnapshot) => void;
}

/** A mounted terminal. */
export interface MountedTerminal {
  /** Closes the connection and removes the terminal from the element. */
  dispose(): void;
}

/** Renders a TerminalPanel into `element`; the element should have a height. */
export function mountTerminal(
  element: HTMLElement,
  options: MountTerminalOptions,
): MountedTerminal {
  render(h(TerminalPanel, { ...options }), element);
  return { dispose: () => render(null, element) };
}
