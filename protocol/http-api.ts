/** JSON shapes of the HTTP API's answers (tool results, join links, errors); the request bodies' schemas are in schemas/. */
import type { CommandRecord } from "./schemas/command-record.ts";
import type { ExitStatus, Role, RunnerState, SessionState } from "./schemas/common.ts";
import type { TerminalSize } from "./terminal-size.ts";

export * from "./schemas/tool-requests.ts";
export * from "./schemas/rest-requests.ts";

/**
 * Where the call stands when the tool returns. Final: "completed" (the command ended; exit_code
 * set), "awaiting_input" (a foreground process is blocked reading the terminal), "exited" (the
 * shell itself exited). Not final, follow with `wait`: "running" (still running at timeout_ms),
 * "queued" (the shell has not drawn its first prompt yet; the command is typed when it does).
 */
export type InteractiveShellStatus =
  "completed" | "awaiting_input" | "running" | "queued" | "exited";

/** A join token and the page link that uses it. */
export interface JoinGrant {
  role: Role;
  token: string;
  /** ISO 8601 time after which the token is refused. */
  expires_at: string;
  /** A join page link; the token is in the fragment, so it never reaches server logs. */
  url: string;
}

/** Result of `POST /api/tools/interactive_shell`. */
export interface InteractiveShellResult {
  success: true;
  session_id: string;
  /** This call's id (the caller's, or one the server made): `wait` takes it. */
  call_id: string;
  status: InteractiveShellStatus;
  /** The command's exit status when `status` is "completed", else null. */
  exit_code: number | null;
  /** What the command printed, as plain text: no escape sequences, no echoed command line, no prompt. */
  output: string;
  /** Whether `output` was cut to keep the result small; the terminal has all of it. */
  output_truncated: boolean;
  /** The session's output offsets this result covers: [start, end). */
  offsets: { start: number; end: number };
  /** With `clear_line`: the person's half-typed text that was cleared, or null if the line was empty. */
  cleared_line: string | null;
  /** A token for the browser's terminal panel. */
  viewer: JoinGrant;
  /** A sentence for the agent, such as "Output is visible in the terminal panel." */
  note: string;
}

/** Body of every HTTP API error response. */
export interface ApiErrorBody {
  error: {
    /** Stable machine-readable code, for example "session_not_found". */
    code: string;
    /** What went wrong and how to fix it, for a person. */
    message: string;
  };
}

/**
 * A session as `GET /api/sessions` and `GET /api/sessions/{id}` describe it (the session object's
 * summary of itself). `lastCommand` is its newest command record (as `GET …/commands` lists them).
 */
export interface SessionInfo {
  id: string;
  tenant: string;
  host: string;
  state: SessionState;
  createdAt: string;
  size: TerminalSize;
  history: { start: number; end: number };
  runner: RunnerState;
  viewers: number;
  exit: ExitStatus | null;
  reason: string | null;
  /** The last input or output (ISO), to within a minute after the object restarted. */
  lastActivityAt: string;
  /** The newest command record, or null (none yet, no marks, or ended). */
  lastCommand: CommandRecord | null;
}

/** `GET /api/sessions/{id}/commands`: the shell, whether it prints marks, and its command records. */
export interface CommandListBody {
  /** The shell's name from the runner's hello; null until the runner has said. */
  shell: string | null;
  /** Whether the shell prints marks; false: there are no records. Null until the runner has said. */
  marks: boolean | null;
  commands: CommandRecord[];
}
