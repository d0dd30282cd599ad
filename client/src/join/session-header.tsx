/** The join page's line above the terminal: which session this is, on which host, and who else is watching it. */
import type { ViewerPresence } from "../../../protocol/index.ts";

/** "Only you are watching", "You and 1 other are watching", "You and 3 others are watching". */
export function othersWatching(viewers: readonly ViewerPresence[]): string {
  // The session's list counts every open socket, this page's own included.
  const others = Math.max(0, viewers.length - 1);
  if (others === 0) return "Only you are watching";
  return `You and ${others} ${others === 1 ? "other" : "others"} are watching`;
}

/** Props of SessionHeader. */
export interface SessionHeaderProps {
  sessionId: string;
  /** The host the shell runs on, as the session's welcome says; null before it or if it did not. */
  host: string | null;
  /** Null before the session's first `viewers` message. */
  viewers: readonly ViewerPresence[] | null;
}

/** The session id (selectable, to quote it) and the others watching, their names in a tooltip. */
export function SessionHeader({ sessionId, host, viewers }: SessionHeaderProps) {
  const names = (viewers ?? [])
    .map(
      (viewer) =>
        `${viewer.subject ?? "anonymous link"} (${viewer.role === "writer" ? "can type" : "read-only"})`,
    )
    .join("\n");
  return (
    <header class="join__header" data-testid="join-header">
      <span>
        Session <code data-testid="join-session-id">{sessionId}</code>
      </span>
      {host ? (
        <span>
          on host <code data-testid="join-host">{host}</code>
        </span>
      ) : null}
      {viewers ? (
        <span class="join__others" data-testid="join-others" title={names}>
          {othersWatching(viewers)}
        </span>
      ) : null}
    </header>
  );
}
