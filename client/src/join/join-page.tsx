/** The join page (/join#session=…&token=…): one session's terminal, full size, and its replay once the shell has exited. */
import { useEffect, useState } from "preact/hooks";
import { parseJoinFragment } from "../../../protocol/index.ts";
import type { ExitStatus, ViewerPresence } from "../../../protocol/index.ts";
import type { ConnectionSnapshot, StatusView } from "../connection/connection-status.ts";
import { TerminalPanel } from "../terminal/terminal-panel.tsx";
import { testHooks } from "../terminal/test-hooks.ts";
import { ReplayView } from "./replay-view.tsx";
import { SessionHeader } from "./session-header.tsx";

/** Reads the session and token from the fragment; without both it explains and connects nothing. */
export function JoinPage() {
  const [params, setParams] = useState(() => parseJoinFragment(window.location.hash));
  const [status, setStatus] = useState<StatusView | null>(null);
  const [viewers, setViewers] = useState<readonly ViewerPresence[] | null>(null);
  const [exit, setExit] = useState<ExitStatus | null>(null);
  const [host, setHost] = useState<string | null>(null);
  /** The session whose replay is open over its live view, if any. */
  const [replayOf, setReplayOf] = useState<string | null>(null);
  useEffect(() => {
    const onHashChange = (): void => setParams(parseJoinFragment(window.location.hash));
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);

  if (!params.sessionId || !params.token) {
    const missing = [!params.sessionId && "session", !params.token && "token"]
      .filter(Boolean)
      .join(" and ");
    return (
      <main class="join join--missing" data-testid="join-missing">
        <h1>This join link is incomplete</h1>
        <p>
          It has no {missing}. A join link looks like <code>/join#session=…&amp;token=…</code>; ask
          whoever shared the terminal for a new one.
        </p>
      </main>
    );
  }

  const onStateChange = (next: StatusView, snapshot: ConnectionSnapshot): void => {
    document.title = `${next.label} · webterm`;
    setStatus(next);
    setExit(snapshot.exit);
    setHost(snapshot.host);
    // Empty until the session's first `viewers` message: "nobody" would be wrong.
    setViewers(snapshot.viewers.length > 0 ? snapshot.viewers : null);
  };
  // Once the shell has exited its output is complete and kept (for EXITED_RETENTION_SECONDS);
  // an ended session has none left to replay, and a running one is not finished.
  const replaying = replayOf === params.sessionId;
  const canReplay = status?.kind === "exited" && !replaying;
  const replayButton = canReplay ? (
    <button
      class="button join__replay-button"
      data-testid="replay-button"
      onClick={() => setReplayOf(params.sessionId)}
    >
      Replay
    </button>
  ) : null;
  return (
    <main class="join">
      <SessionHeader sessionId={params.sessionId} host={host} viewers={viewers} />
      <div class="join__stage">
        <TerminalPanel
          sessionId={params.sessionId}
          token={params.token}
          getToken={testHooks()?.getToken}
          autoFocus
          onStateChange={onStateChange}
          actions={replayButton}
          class={replaying ? "join__live join__live--covered" : "join__live"}
        />
        {replaying ? (
          <ReplayView
            key={params.sessionId}
            server={window.location.origin}
            sessionId={params.sessionId}
            token={params.token}
            exit={exit}
            onClose={() => setReplayOf(null)}
          />
        ) : null}
      </div>
    </main>
  );
}
