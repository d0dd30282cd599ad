/**
 * `<TerminalPanel server sessionId token />`: a live terminal for one existing session. Without
 * a session id it shows a waiting state and opens no socket: the panel never invents a session.
 */
import "@xterm/xterm/css/xterm.css";
import "./terminal-panel.css";
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  describeStatus,
  INITIAL_SNAPSHOT,
  type ConnectionSnapshot,
  type StatusView,
} from "../connection/connection-status.ts";
import type { ConnectionNotice } from "../connection/terminal-connection.ts";
import { StatusBar } from "./status-bar.tsx";
import {
  startTerminal,
  type TerminalController,
  type TerminalDisplay,
} from "./terminal-controller.ts";

/** How long a notice stays in the status bar (ms). */
const NOTICE_MS = 6_000;

/** Props of TerminalPanel. */
export interface TerminalPanelProps extends TerminalDisplay {
  /** The server's http(s) origin; this page's origin when absent. */
  server?: string;
  /** The session to join: from a tool result or a join link. Absent: nothing connects. */
  sessionId?: string | null;
  /** A join token for that session. */
  token?: string | null;
  /**
   * Where fresh join tokens come from (your backend): the panel renews its token before it
   * expires, without reconnecting, so a long session outlives any one token.
   */
  getToken?: () => Promise<string>;
  /** Called whenever the connection's state changes. */
  onStateChange?: (status: StatusView, snapshot: ConnectionSnapshot) => void;
  /** Text shown while there is no session yet. */
  waitingText?: string;
  /** Focus the terminal once it opens. */
  autoFocus?: boolean;
  /** Controls shown in the status bar, before the role (the join page's Replay button). */
  actions?: ComponentChildren;
  class?: string;
}

/** A terminal panel; see the file comment. */
export function TerminalPanel(props: TerminalPanelProps) {
  const { sessionId, token } = props;
  if (!sessionId || !token) {
    const text = !sessionId
      ? (props.waitingText ?? "The terminal opens when the agent's tool result arrives.")
      : "This link has no join token; ask for a new link.";
    return (
      <section
        class={`terminal-panel terminal-panel--idle ${props.class ?? ""}`}
        data-testid="terminal-panel"
        data-state={sessionId ? "no-token" : "waiting"}
      >
        <p class="terminal-panel__placeholder" data-testid="terminal-placeholder">
          {text}
        </p>
      </section>
    );
  }
  const server = props.server ?? window.location.origin;
  // A new server or session is a new terminal; a new token for the same one is not.
  return (
    <ConnectedPanel
      key={`${server} ${sessionId}`}
      {...props}
      server={server}
      sessionId={sessionId}
      token={token}
    />
  );
}

interface ConnectedProps extends TerminalPanelProps {
  server: string;
  sessionId: string;
  token: string;
}

function ConnectedPanel({
  server,
  sessionId,
  token,
  getToken,
  onStateChange,
  autoFocus,
  fontSize,
  theme,
  actions,
  class: className,
}: ConnectedProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const controllerRef = useRef<TerminalController | null>(null);
  const tokenRef = useRef(token);
  tokenRef.current = token;
  // The latest provider is used, however often the props change.
  const getTokenRef = useRef(getToken);
  getTokenRef.current = getToken;
  const displayRef = useRef<TerminalDisplay>({ fontSize, theme });
  const [snapshot, setSnapshot] = useState<ConnectionSnapshot>(INITIAL_SNAPSHOT);
  const [notice, setNotice] = useState<ConnectionNotice | null>(null);
  const status = describeStatus(snapshot);

  // xterm lives outside Preact: created once the host is in the DOM, destroyed with it.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const controller = startTerminal(host, {
      server,
      sessionId,
      token: tokenRef.current,
      getToken: getTokenRef.current ? () => getTokenRef.current!() : undefined,
      ...displayRef.current,
      onState: setSnapshot,
      onNotice: setNotice,
    });
    controllerRef.current = controller;
    if (autoFocus) controller.focus();
    return () => {
      controllerRef.current = null;
      controller.dispose();
    };
  }, [server, sessionId]);

  useEffect(() => controllerRef.current?.setToken(token), [token]);

  // Compared by value: a caller may pass an equal theme object on every render.
  const themeKey = JSON.stringify(theme ?? null);
  useEffect(() => {
    const previous = displayRef.current;
    if (previous.fontSize === fontSize && JSON.stringify(previous.theme ?? null) === themeKey)
      return;
    displayRef.current = { fontSize, theme };
    controllerRef.current?.setDisplay(displayRef.current);
  }, [fontSize, themeKey]);

  const onStateRef = useRef(onStateChange);
  onStateRef.current = onStateChange;
  useEffect(() => onStateRef.current?.(status, snapshot), [snapshot]);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  return (
    <section
      class={`terminal-panel ${className ?? ""}`}
      data-testid="terminal-panel"
      data-state={status.kind}
      data-role={snapshot.role ?? "unknown"}
      data-session-id={sessionId}
      style={theme?.background ? { "--tp-bg": theme.background } : undefined}
    >
      <StatusBar status={status} snapshot={snapshot} notice={notice} actions={actions} />
      <div class="terminal-panel__viewport">
        <div ref={hostRef} class="terminal-panel__xterm" data-testid="terminal-screen" />
      </div>
    </section>
  );
}
