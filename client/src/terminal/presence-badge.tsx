/** Who is watching the session and who can type, from the session's `viewers` message. */
import type { ViewerPresence } from "../../../protocol/index.ts";

/** How many are here and how many of them can type. */
export interface PresenceCount {
  watching: number;
  typing: number;
}

/** Counts `viewers` (every open socket, this one included). */
export function countPresence(viewers: readonly ViewerPresence[]): PresenceCount {
  return {
    watching: viewers.length,
    typing: viewers.filter((viewer) => viewer.role === "writer").length,
  };
}

/** One line per viewer for the tooltip: its token's subject (or "anonymous link") and role. */
export function describeViewers(viewers: readonly ViewerPresence[]): string {
  return viewers
    .map(
      (viewer) =>
        `${viewer.subject ?? "anonymous link"} (${viewer.role === "writer" ? "can type" : "read-only"})`,
    )
    .join("\n");
}

/** "3 watching · 1 can type", the names in its tooltip; nothing before the first `viewers`. */
export function PresenceBadge({ viewers }: { viewers: readonly ViewerPresence[] }) {
  if (viewers.length === 0) return null;
  const { watching, typing } = countPresence(viewers);
  return (
    <span
      class="terminal-presence"
      data-testid="terminal-presence"
      data-watching={watching}
      data-typing={typing}
      title={describeViewers(viewers)}
    >
      {watching} watching · {typing} can type
    </span>
  );
}
