/**
 * `<TerminalPanel server sessionId token />`: a live terminal for one existing session. Without
 * a session id it shows a waiting state and opens no socket: the panel never invents a session.
 */
import "@xterm/xterm/css/xterm.css";
import "./terminal-panel.css";
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { CommandRecord } from "../../../protocol/index.ts";
import {
  describeStatus,
  INITIAL_SNAPSHOT,
  type ConnectionSnapshot,
  type StatusView,
} from "../connection/connection-status.ts";
import type { ConnectionNotice } from "../connection/terminal-connection.ts";
import { useCoarsePointer } from "./coarse-pointer.ts";
import { useColorScheme } from "./color-scheme.ts";
import { PresenceBadge } from "./presence-badge.tsx";
import { typingElsewhere } from "./focus-policy.ts";
import { SearchBox } from "./search-box.tsx";
import { sizedDown, type PanelSizes } from "./size-follower.ts";
import { SizeNote } from "./size-note.tsx";
import { StatusBar } from "./status-bar.tsx";
import { TouchKeysRow } from "./touch-keys-row.tsx";
import {
  startTerminal,
  type ResolvedDisplay,
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
  /**
   * Called when a command of the shell starts or ends (the session's record of it, the same as
   * `GET /api/sessions/{id}/commands` lists), once the terminal has drawn the output before it.
   */
  onCommand?: (command: CommandRecord) => void;
  /** Text shown while there is no session yet. */
  waitingText?: string;
  /**
   * Focus the terminal once it opens. By default a writer's terminal takes the focus when the
   * session says it is one, unless the person is typing in a text field elsewhere on the page;
   * `true` focuses any role's at once, `false` never.
   */
  autoFocus?: boolean;
  /** Controls shown in the status bar, before the role (the join page's Replay button). */
  actions?: ComponentChildren;
  class?: string;
}

/** A terminal panel; see the file comment. */
export function TerminalPanel(props: TerminalPanelProps) {
  const { sessionId, token } = props;
  const scheme = useColorScheme(props.colorScheme);
  if (!sessionId || !token) {
    const text = !sessionId
      ? (props.waitingText ?? "The terminal opens when the agent's tool result arrives.")
      : "This link has no join token; ask for a new link.";
    return (
      <section
        class={`terminal-panel terminal-panel--idle ${props.class ?? ""}`}
        data-testid="terminal-panel"
        data-state={sessionId ? "no-token" : "waiting"}
        data-scheme={scheme}
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
      scheme={scheme}
    />
  );
}

interface ConnectedProps extends TerminalPanelProps {
  scheme: ResolvedDisplay["scheme"];
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
  onCommand,
  autoFocus,
  fontSize,
  theme,
  scheme,
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
  const onCommandRef = useRef(onCommand);
  onCommandRef.current = onCommand;
  const displayRef = useRef<ResolvedDisplay>({ fontSize, theme, scheme });
  const [snapshot, setSnapshot] = useState<ConnectionSnapshot>(INITIAL_SNAPSHOT);
  const [notice, setNotice] = useState<ConnectionNotice | null>(null);
  const [sizes, setSizes] = useState<PanelSizes | null>(null);
  const [controller, setController] = useState<TerminalController | null>(null);
  const [searching, setSearching] = useState(false);
  const [ctrlLatched, setCtrlLatched] = useState(false);
  const coarsePointer = useCoarsePointer();
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
      onSizes: setSizes,
      onSearchKey: () => setSearching(true),
      onCtrlLatch: setCtrlLatched,
      onCommand: (command) => onCommandRef.current?.(command),
    });
    controllerRef.current = controller;
    setController(controller);
    if (autoFocus) controller.focus();
    return () => {
      controllerRef.current = null;
      setController(null);
      controller.dispose();
    };
  }, [server, sessionId]);

  useEffect(() => controllerRef.current?.setToken(token), [token]);

  // A writer's terminal takes the keys as soon as the session says it is one (unless told not to),
  // but not from a text field the person is typing in elsewhere on the page: the role arrives a
  // round trip after the panel opens, and by then their next keys must not go to the shell.
  useEffect(() => {
    if (snapshot.role !== "writer" || autoFocus !== undefined) return;
    if (typingElsewhere(hostRef.current)) return;
    controllerRef.current?.focus();
  }, [snapshot.role]);

  // Compared by value: a caller may pass an equal theme object on every render.
  const themeKey = JSON.stringify(theme ?? null);
  useEffect(() => {
    const previous = displayRef.current;
    if (
      previous.fontSize === fontSize &&
      previous.scheme === scheme &&
      JSON.stringify(previous.theme ?? null) === themeKey
    )
      return;
    displayRef.current = { fontSize, theme, scheme };
    controllerRef.current?.setDisplay(displayRef.current);
  }, [fontSize, themeKey, scheme]);

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
      data-scheme={scheme}
      style={theme?.background ? { "--tp-bg": theme.background } : undefined}
    >
      <StatusBar
        status={status}
        snapshot={snapshot}
        notice={notice}
        actions={
          <>
            <PresenceBadge viewers={snapshot.viewers} />
            {actions}
          </>
        }
      />
      <div class="terminal-panel__viewport" data-sized-down={sizedDown(sizes) ? "true" : undefined}>
        <div
          ref={hostRef}
          class="terminal-panel__xterm"
          data-testid="terminal-screen"
          // A click on the margin around a terminal smaller than its panel still focuses it.
          onClick={(event) => {
            if (event.target === event.currentTarget) controllerRef.current?.focus();
          }}
        />
        <SizeNote sizes={sizes} />
        {searching && controller ? (
          <SearchBox
            search={controller.search}
            onClose={() => {
              setSearching(false);
              controller.focus();
            }}
          />
        ) : null}
      </div>
      {/* There from the first render (until the session says this link is read-only), so the
          terminal's first fit already leaves room for it: a row appearing at the welcome would
          resize the session a moment after it started at the panel's size. */}
      {coarsePointer && snapshot.role !== "viewer" ? (
        <TouchKeysRow
          controller={snapshot.role === "writer" ? controller : null}
          ctrlLatched={ctrlLatched}
        />
      ) : null}
    </section>
  );
}
