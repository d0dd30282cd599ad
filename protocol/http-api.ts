/** JSON shapes of the HTTP API's answers (tool results, join links, errors); the request bodies' schemas are in schemas/. */
import type { Role } from "./schemas/common.ts";

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
