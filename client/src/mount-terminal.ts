/** Framework-free entry point: mount a terminal panel into any element of any app. */
import { h, render } from "preact";
import type { CommandRecord, ExitStatus } from "../../protocol/index.ts";
import { parseJoinFragment } from "../../protocol/index.ts";
import type { ConnectionSnapshot, StatusView } from "./connection/connection-status.ts";
import { TypedEmitter, type Unsubscribe } from "./connection/typed-emitter.ts";
import type { TerminalDisplay } from "./terminal/terminal-controller.ts";
import { TerminalPanel, type TerminalPanelProps } from "./terminal/terminal-panel.tsx";

/** Options of mountTerminal; `update` takes any part of them. */
export interface MountTerminalOptions extends TerminalDisplay {
  /**
   * A join link, as in a tool result's `viewer.url` (`https://host/join#session=…&token=…`): its
   * origin is the server, its fragment the session and the token. `server`, `sessionId` and
   * `token`, when given, win over what the link says.
   */
  url?: string | null;
  /** The server's http(s) origin; the link's origin, else the page's origin, when absent. */
  server?: string;
  /** The session to join. None (here or in `url`): a waiting state, no socket. */
  sessionId?: string | null;
  /** A join token for the session. */
  token?: string | null;
  /**
   * Where fresh join tokens come from (your backend). The terminal renews its token before it
   * expires over the open connection, and asks again if the edge refuses an expired one.
   */
  getToken?: () => Promise<string>;
  /** Text shown while there is no session. */
  waitingText?: string;
  /** Focus the terminal once it opens (by default: a writer's, as `TerminalPanel` does). */
  autoFocus?: boolean;
}

/** The `status` event: what the status bar shows, and the connection snapshot behind it. */
export interface TerminalStatusEvent {
  status: StatusView;
  snapshot: ConnectionSnapshot;
}

/** Events of a mounted terminal, by name. */
export interface MountedTerminalEvents {
  /** The status changed (its kind, label or detail): "connecting", "live", "exited", … */
  status: TerminalStatusEvent;
  /** The session's shell exited (once per session; also when joining one that already had). */
  exit: ExitStatus;
  /**
   * A command of the shell started (`end` null) or ended: the session's record of it, once the
   * terminal has drawn the output before it. Only shells that print the session's marks.
   */
  command: CommandRecord;
}

/** A mounted terminal. */
export interface MountedTerminal {
  /**
   * Changes options in place; the rest stay as they were. A new token (or a link to the same
   * session) keeps the connection and is handed to it; a new session or server opens a new
   * terminal; `fontSize`, `colorScheme` and `theme` apply at once. A new `url` replaces `server`, `sessionId`
   * and `token` given earlier.
   */
  update(options: Partial<MountTerminalOptions>): void;
  /** Calls `listener` for every `type` event until the returned function is called. */
  on<K extends keyof MountedTerminalEvents>(
    type: K,
    listener: (event: MountedTerminalEvents[K]) => void,
  ): Unsubscribe;
  /** Closes the connection, removes the terminal from the element and drops every listener. */
  dispose(): void;
}

const LINK_FIELDS = ["server", "sessionId", "token"] as const;

/**
 * Renders a TerminalPanel into `element` (which should have a height). Events start after this
 * returns, so listeners added right away miss none.
 */
export function mountTerminal(
  element: HTMLElement,
  options: MountTerminalOptions,
): MountedTerminal {
  const events = new TypedEmitter<MountedTerminalEvents>();
  let current: MountTerminalOptions = { ...options };
  let lastStatus: StatusView | null = null;
  let lastExit: ExitStatus | null = null;
  let session: string | null = null;
  let disposed = false;

  const onStateChange = (status: StatusView, snapshot: ConnectionSnapshot): void => {
    if (disposed) return;
    if (
      !lastStatus ||
      lastStatus.kind !== status.kind ||
      lastStatus.label !== status.label ||
      lastStatus.detail !== status.detail
    ) {
      lastStatus = status;
      events.emit("status", { status, snapshot });
    }
    if (snapshot.exit && !lastExit) {
      lastExit = snapshot.exit;
      events.emit("exit", snapshot.exit);
    }
  };

  const onCommand = (command: CommandRecord): void => {
    if (!disposed) events.emit("command", command);
  };

  const draw = (): void => {
    const props = panelProps(current);
    // Another session is another terminal: its status and its exit are news again.
    const key = `${props.server ?? window.location.origin} ${props.sessionId ?? ""}`;
    if (key !== session) {
      session = key;
      lastStatus = null;
      lastExit = null;
    }
    render(h(TerminalPanel, { ...props, onStateChange, onCommand }), element);
  };
  draw();

  return {
    update(change) {
      if (disposed) return;
      const next: MountTerminalOptions = { ...current, ...change };
      if ("url" in change) {
        for (const field of LINK_FIELDS) if (!(field in change)) delete next[field];
      }
      current = next;
      draw();
    },
    on: (type, listener) => events.on(type, listener),
    dispose() {
      if (disposed) return;
      disposed = true;
      events.clear();
      render(null, element);
    },
  };
}

/** The panel's props for `options`: the link's parts, overridden by the explicit ones. */
function panelProps(options: MountTerminalOptions): TerminalPanelProps {
  const { url, ...props } = options;
  if (!url) return props;
  const link = new URL(url, window.location.href);
  const fragment = parseJoinFragment(link.hash);
  return {
    ...props,
    server: options.server ?? link.origin,
    sessionId: options.sessionId ?? fragment.sessionId,
    token: options.token ?? fragment.token,
  };
}
