/** "Sessions to come back to": the tenant's live sessions, each with a button that rejoins it. */
import { describeExit } from "../connection/connection-status.ts";
import type { SessionSummary } from "./session-records.ts";
import { timeAgo } from "./time-ago.ts";

/** Props of SessionList. */
export interface SessionListProps {
  sessions: SessionSummary[];
  /** The session being rejoined right now, if any. */
  rejoining: string | null;
  onRejoin: (sessionId: string) => void;
}

/** The list; nothing when there are no sessions. */
export function SessionList({ sessions, rejoining, onRejoin }: SessionListProps) {
  if (sessions.length === 0) return null;
  const now = Date.now();
  return (
    <section class="session-list" data-testid="session-list" aria-label="Sessions to come back to">
      <h2 class="session-list__title">Sessions to come back to</h2>
      <ul class="session-list__items">
        {sessions.map((session) => (
          <li
            key={session.id}
            class="session-list__item"
            data-testid="session-list-item"
            data-session-id={session.id}
          >
            <div class="session-list__head">
              <code class="session-list__id" title={session.id}>
                {session.id.slice(0, 10)}…
              </code>
              <span class="session-list__meta">
                {session.host} · {stateWords(session)} · {session.viewers}{" "}
                {session.viewers === 1 ? "viewer" : "viewers"}
              </span>
              <button
                type="button"
                class="button"
                data-testid="rejoin-button"
                disabled={rejoining !== null}
                onClick={() => onRejoin(session.id)}
              >
                {rejoining === session.id ? "Rejoining…" : "Rejoin"}
              </button>
            </div>
            <div class="session-list__times">
              started {timeAgo(session.createdAt, now)}
              {session.lastActivityAt ? ` · active ${timeAgo(session.lastActivityAt, now)}` : ""}
            </div>
            {session.lastCommand ? (
              <div class="session-list__last" data-testid="session-last-command">
                <code>$ {session.lastCommand.text ?? "…"}</code>{" "}
                <span class="session-list__exit">
                  {session.lastCommand.end === null
                    ? "running"
                    : session.lastCommand.exitCode === null
                      ? ""
                      : `exit ${session.lastCommand.exitCode}`}
                </span>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function stateWords(session: SessionSummary): string {
  if (session.exit) return `exited (${describeExit(session.exit)})`;
  if (session.runner !== "online") return `runner ${session.runner}`;
  return session.state;
}
