/** The join page (/join#session=…&token=…): one session's terminal, full size. */
import { useEffect, useState } from "preact/hooks";
import { parseJoinFragment } from "../../../protocol/index.ts";
import type { StatusView } from "../connection/connection-status.ts";
import { TerminalPanel } from "../terminal/terminal-panel.tsx";
import { testHooks } from "../terminal/test-hooks.ts";

/** Reads the session and token from the fragment; without both it explains and connects nothing. */
export function JoinPage() {
  const [params, setParams] = useState(() => parseJoinFragment(window.location.hash));
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

  const onStateChange = (status: StatusView): void => {
    document.title = `${status.label} · webterm`;
  };
  return (
    <main class="join">
      <TerminalPanel
        sessionId={params.sessionId}
        token={params.token}
        getToken={testHooks()?.getToken}
        autoFocus
        onStateChange={onStateChange}
      />
    </main>
  );
}
