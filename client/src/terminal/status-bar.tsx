/** The strip above the terminal: connection state, notices, the round trip to the shell's host, and role. */
import type { ComponentChildren } from "preact";
import type { ConnectionSnapshot, StatusView } from "../connection/connection-status.ts";
import type { ConnectionNotice } from "../connection/terminal-connection.ts";

/** Props of StatusBar. */
export interface StatusBarProps {
  status: StatusView;
  snapshot: ConnectionSnapshot;
  notice: ConnectionNotice | null;
  /** Controls the panel's owner adds, shown before the role. */
  actions?: ComponentChildren;
}

/** Shows what the terminal is doing, in words. */
export function StatusBar({ status, snapshot, notice, actions }: StatusBarProps) {
  const message = notice?.text ?? status.detail;
  return (
    <div class="terminal-status" data-testid="terminal-status" data-state={status.kind}>
      <span class="terminal-status__dot" aria-hidden="true" />
      <span class="terminal-status__label" data-testid="terminal-status-label" aria-live="polite">
        {status.label}
      </span>
      {message ? (
        <span
          class="terminal-status__message"
          data-testid={notice ? "terminal-notice" : "terminal-status-detail"}
          data-level={notice?.level ?? "info"}
          title={message}
        >
          {message}
        </span>
      ) : null}
      <span class="terminal-status__spacer" />
      {snapshot.hostLatencyMs !== null && hostAnswers(status) ? (
        <span
          class="terminal-status__latency"
          data-testid="terminal-latency"
          title="Round trip to the shell's host"
        >
          {snapshot.hostLatencyMs} ms
        </span>
      ) : null}
      {actions}
      <RoleBadge role={snapshot.role} />
    </div>
  );
}

function RoleBadge({ role }: { role: ConnectionSnapshot["role"] }) {
  if (role === null) return null;
  const readOnly = role === "viewer";
  return (
    <span
      class={`terminal-status__role terminal-status__role--${role}`}
      data-testid="terminal-role"
      data-role={role}
      title={
        readOnly ? "This link can watch, not type or resize." : "This link can type into the shell."
      }
    >
      {readOnly ? "read-only" : "writer"}
    </span>
  );
}

// A round trip is shown only while the host answers: never beside "Host not responding".
function hostAnswers(status: StatusView): boolean {
  return status.kind === "live" || status.kind === "leased" || status.kind === "replaying";
}
