/** JSON shapes of the HTTP API (the agent tool and join tokens), shared by the Worker and clients. */
import type { Role } from "./messages.ts";

/** Body of `POST /api/tools/interactive_shell` (see docs/agent-api.md). */
export interface InteractiveShellRequest {
  /** The command line to run; leave out to just open a session. */
  initial_command?: string;
  /** Run in this existing session instead of creating one. */
  session_id?: string;
  /** New sessions: the runner host. */
  host?: string;
  /** New sessions: working directory and size. */
  cwd?: string;
  cols?: number;
  rows?: number;
  /** Return after this long at the latest (ms). */
  timeout_ms?: number;
  /** Role of the returned token (default "writer"). */
  viewer_role?: Role;
  /** The caller's id for this call: repeating it returns this call's result, never runs it twice. */
  call_id?: string;
  /** Clear a person's half-typed line first (Ctrl-C at the prompt) instead of refusing with 409 input_pending. */
  clear_line?: boolean;
}

/** Body of `POST /api/tools/send_input`. */
export interface SendInputRequest {
  session_id: string;
  input: string;
  timeout_ms?: number;
  call_id?: string;
}

/** Body of `POST /api/tools/wait`: the final result of an earlier call. */
export interface WaitRequest {
  session_id: string;
  call_id: string;
  timeout_ms?: number;
}

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

/** Body of `POST /api/sessions/{id}/tokens`. */
export interface JoinGrantRequest {
  role: Role;
  /** Token lifetime in seconds (60 to 604800); the server's default when absent. */
  ttl_seconds?: number;
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
