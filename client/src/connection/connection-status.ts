/** The state of a terminal connection as one snapshot, and the words a status bar shows for it. */
import {
  CloseCode,
  describeCloseCode,
  type ExitStatus,
  type KeyboardLease,
  type Role,
  type RunnerState,
  type ViewerPresence,
} from "../../../protocol/index.ts";

/** What the socket is doing. */
export type ConnectionPhase =
  /** First connection attempt, before the session's welcome. */
  | "connecting"
  /** Welcomed; the session is replaying history this viewer has not seen. */
  | "replaying"
  /** Replay done; frames are live output. */
  | "live"
  /** The link dropped; partysocket is trying again. */
  | "reconnecting"
  /** close() was called. */
  | "closed"
  /** The session refused the connection for good (a fatal close code). */
  | "failed";

/** Everything a UI needs to show about a connection. */
export interface ConnectionSnapshot {
  phase: ConnectionPhase;
  /** Reconnection attempt, counting from 1, while `phase` is "reconnecting". */
  attempt: number;
  /** The role the session granted (from `welcome`); null before the first welcome. */
  role: Role | null;
  runner: RunnerState | null;
  /** How the shell ended, once it has. */
  exit: ExitStatus | null;
  /** The agent call holding the keyboard, while one runs. */
  lease: KeyboardLease | null;
  /** Who else is here, by their token's subject (the session's `viewers` message). */
  viewers: ViewerPresence[];
  /** The close code that made the connection give up, when `phase` is "failed". */
  closeCode: number | null;
  /** The server's close reason, when it gave one. */
  closeReason: string | null;
  /** Last measured round trip to the edge (the session object's heartbeat), in milliseconds. */
  latencyMs: number | null;
  /** Last measured round trip to the shell's host (through the runner), in milliseconds. */
  hostLatencyMs: number | null;
  /** Pings to the host have gone unanswered for several intervals while the edge link is up. */
  hostSilent: boolean;
  /** The host the shell runs on, as the welcome said; null if it did not. */
  host: string | null;
  /** Why the shell ended when its status alone does not say (lost, could not start). */
  exitReason: string | null;
}

/** The first snapshot of every connection. */
export const INITIAL_SNAPSHOT: ConnectionSnapshot = {
  phase: "connecting",
  attempt: 0,
  role: null,
  runner: null,
  exit: null,
  lease: null,
  viewers: [],
  closeCode: null,
  closeReason: null,
  latencyMs: null,
  hostLatencyMs: null,
  hostSilent: false,
  host: null,
  exitReason: null,
};

/** One word for the state, used in `data-state` attributes and CSS. */
export type StatusKind =
  | "connecting"
  | "replaying"
  | "live"
  | "reconnecting"
  | "runner-offline"
  | "runner-unresponsive"
  | "leased"
  | "exited"
  | "ended"
  | "fatal"
  | "closed";

/** What a status bar shows. */
export interface StatusView {
  kind: StatusKind;
  /** Short label, for example "Host offline". */
  label: string;
  /** A sentence with more detail, or null. */
  detail: string | null;
}

/**
 * Derives the one status to show. A dead link outranks the session's news; among session
 * facts an exit outranks "runner offline", because a runner leaves when its shell exits.
 */
export function describeStatus(s: ConnectionSnapshot): StatusView {
  switch (s.phase) {
    case "failed": {
      const reason = s.closeReason ? `: ${s.closeReason}` : "";
      if (s.closeCode === CloseCode.SESSION_ENDED) {
        return { kind: "ended", label: "Session ended", detail: `The session has ended${reason}.` };
      }
      const code = s.closeCode ?? 0;
      return {
        kind: "fatal",
        label: "Disconnected",
        detail: `${capitalize(describeCloseCode(code))}${reason}.`,
      };
    }
    case "closed":
      return { kind: "closed", label: "Closed", detail: null };
    case "connecting":
      return { kind: "connecting", label: "Connecting", detail: null };
    case "reconnecting":
      return {
        kind: "reconnecting",
        label: "Reconnecting to the edge...",
        detail: `This browser's link to the edge dropped (attempt ${Math.max(1, s.attempt)}); output resumes where it stopped once it is back.`,
      };
    case "replaying":
      return { kind: "replaying", label: "Replaying", detail: "Catching up on earlier output." };
    case "live":
      if (s.exit) return describeEnd(s.exit, s.exitReason);
      if (s.runner === "offline") {
        const on = s.host ? ` on ${JSON.stringify(s.host)}` : "";
        return {
          kind: "runner-offline",
          label: "Host offline",
          detail: `The shell's host is not connected to the edge. If its runner comes back with the shell, output resumes; if the runner restarted, the shell is lost. Check that pty-runner is running${on}.`,
        };
      }
      if (s.runner === "unresponsive" || s.hostSilent) {
        return {
          kind: "runner-unresponsive",
          label: "Host not responding",
          detail:
            "The shell's host is connected but has stopped answering; keys typed now are refused, not lost.",
        };
      }
      if (s.lease) {
        return {
          kind: "leased",
          label: "Agent at the keyboard",
          detail: `The agent is running ${JSON.stringify(s.lease.command)}; your keys are refused until it ends (Ctrl-C still interrupts it).`,
        };
      }
      return { kind: "live", label: "Live", detail: null };
  }
}

// How the shell ended; a lost shell is not an exit with an unknown status, and says why.
function describeEnd(exit: ExitStatus, reason: string | null): StatusView {
  if (reason?.startsWith("lost:")) {
    return {
      kind: "exited",
      label: "Shell lost",
      detail: `${capitalize(reason.slice("lost:".length).trim())}. The output so far stays here; start a new session to go on.`,
    };
  }
  return { kind: "exited", label: `Exited (${describeExit(exit)})`, detail: reason };
}

/** "code 0", or "signal SIGKILL". */
export function describeExit(exit: ExitStatus): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? "unknown status" : `code ${exit.code}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
