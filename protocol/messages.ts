/**
 * JSON control messages, one union per direction and peer. Terminal bytes never travel here:
 * they go in binary frames (binary-frames.ts). Every message is a JSON object with a `type`.
 */
import { MAX_CONTROL_MESSAGE_BYTES } from "./limits.ts";
import type { TerminalSize } from "./terminal-size.ts";

/** Signals a writer or the agent API may send to the shell's process group. */
export const SIGNALS = ["SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGQUIT"] as const;
export type SignalName = (typeof SIGNALS)[number];

/** Roles a join token grants. A viewer only reads; a writer may also type, resize and signal. */
export type Role = "viewer" | "writer";

/** How the shell ended. */
export interface ExitStatus {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** Signal name (for example "SIGKILL") or null. */
  signal: string | null;
}

/** Whether the session's runner is connected and answering its heartbeats. */
export type RunnerState = "online" | "unresponsive" | "offline";

/**
 * What the runner knows about the terminal's foreground process, read from the kernel (Linux
 * /proc; `ps` elsewhere). These facts, not quiet periods, decide whether a command waits for input.
 */
export interface TerminalFacts {
  /** The foreground process group is the shell's own (at its prompt, or in a builtin like `read`). */
  shellInForeground: boolean;
  /**
   * How a foreground process waits for the terminal: "read" (blocked in a read of it), "poll"
   * (asleep in select/poll/epoll while the terminal is in raw mode, as vim and less wait for a
   * key), or null (not waiting for the terminal: computing, sleeping, waiting for a child or the
   * network).
   */
  reading: "read" | "poll" | null;
  /** The shell's count of completed read() calls (Linux /proc/PID/io `syscr`), or null where unknown. */
  shellReads: number | null;
  /** Names of the foreground processes (for messages, such as "less"). */
  foreground: string[];
}

/** Who holds the session's keyboard while an agent tool call runs. */
export interface KeyboardLease {
  holder: "agent";
  /** The call that holds it. */
  callId: string;
  /** The command line or input it typed, for the notice writers see. */
  command: string;
}

/** Lifecycle of a session as the session object sees it. */
export type SessionState = "starting" | "running" | "exited" | "ended";

/** A recoverable problem, reported to the peer; the connection lives on. */
export interface ErrorMessage {
  type: "error";
  /** Stable machine-readable code, for example "forbidden" or "bad_size". */
  code: string;
  /** What went wrong and how to fix it, for a person. */
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Viewer (browser or agent) <-> session
// ---------------------------------------------------------------------------------------------

/** One viewer as the others see it. */
export interface ViewerPresence {
  subject: string | null;
  role: Role;
}

/** Viewer -> session. Input goes as binary INPUT frames. */
export type ViewerToSession =
  /** Resize the terminal (writers only). */
  | { type: "resize"; cols: number; rows: number }
  /** Send a signal to the shell's foreground process group (writers only). */
  | { type: "signal"; signal: SignalName }
  /** The viewer has received everything before `offset`; lets the session spot slow viewers. */
  | { type: "ack"; offset: number }
  /**
   * A fresh join token for this same session and role, sent before the old one expires: the
   * socket lives on (a socket whose token expires is closed with 4401).
   */
  | { type: "token"; token: string };

/** Session -> viewer. Output goes as binary OUTPUT frames. */
export type SessionToViewer =
  /** First message after connecting: who you are and what the session holds. */
  | {
      type: "welcome";
      protocol: number;
      sessionId: string;
      role: Role;
      state: SessionState;
      /** Retained history is [start, end). */
      history: { start: number; end: number };
      /** Offset the replay starts at (the viewer's resume offset, or `history.start`). */
      replayFrom: number;
      size: TerminalSize;
      runner: RunnerState;
      exit: ExitStatus | null;
      /** The agent call holding the keyboard, if any (writers' keys are refused meanwhile). */
      lease: KeyboardLease | null;
    }
  /** Sent before the replay when the offset asked for was already trimmed away. */
  | { type: "history-trimmed"; requested: number; start: number }
  /** The replay is complete; every later frame is live output. */
  | { type: "live"; offset: number }
  /** The runner connected, stopped answering its heartbeats, or disappeared. */
  | { type: "runner"; state: RunnerState }
  /** An agent call took the keyboard (`lease` set) or gave it back (`lease` null). */
  | { type: "lease"; lease: KeyboardLease | null }
  /** The terminal size changed. */
  | { type: "resize"; cols: number; rows: number }
  /** The shell exited after producing output up to `offset`. */
  | { type: "exit"; exit: ExitStatus; offset: number }
  /** A `token` message was accepted: the socket now lives until `expiresAt` (seconds). */
  | { type: "token-renewed"; expiresAt: number }
  /**
   * Who is here: every open viewer socket with its token's subject (a product-minted JWT's `sub`,
   * null for edge-minted links) and role. Sent when someone joins or leaves.
   */
  | { type: "viewers"; viewers: ViewerPresence[] }
  | ErrorMessage;

// ---------------------------------------------------------------------------------------------
// Runner data connection (one per session) <-> session
// ---------------------------------------------------------------------------------------------

/** Runner -> session. Output goes as binary OUTPUT frames with absolute offsets. */
export type RunnerToSession =
  /**
   * Sent after every welcome: how the shell was started. `marks` says whether it emits OSC 133
   * marks (bash and zsh with the runner's integration); `nonce` is the per-session secret those
   * marks carry, so output that prints look-alike marks cannot fool the session.
   */
  | { type: "hello"; shell: string; marks: boolean; nonce: string | null }
  /**
   * The answer to a `probe`: the terminal facts, true once every output byte before `offset`
   * has arrived. `facts` is null when the runner cannot tell (no /proc and no ps, or output is
   * held back by flow control); the session asks again later.
   */
  | { type: "terminal"; probe: number; offset: number; facts: TerminalFacts | null }
  /** The PTY process ended; all output before `offset` has been sent. */
  | { type: "exit"; exit: ExitStatus; offset: number }
  /** The PTY could not be started. */
  | { type: "spawn-failed"; message: string };

/** Session -> runner. Input goes as binary INPUT frames. */
export type SessionToRunner =
  /** First message: the runner's generation and where to resend output from. */
  | {
      type: "welcome";
      protocol: number;
      generation: number;
      /** Everything before this offset is stored: resend from here, drop the rest. */
      storedEnd: number;
      size: TerminalSize;
    }
  /** Output before `offset` is durably stored; the runner may forget it. */
  | { type: "ack"; offset: number }
  | { type: "resize"; cols: number; rows: number }
  | { type: "signal"; signal: SignalName }
  /** The session is over: kill the shell and disconnect. */
  | { type: "close"; reason: string }
  /** Asks for the terminal facts; answered by a `terminal` message with the same `probe` number. */
  | { type: "probe"; probe: number }
  | ErrorMessage;

// ---------------------------------------------------------------------------------------------
// Runner control connection (one per runner) <-> runner hub
// ---------------------------------------------------------------------------------------------

/** Runner -> hub. */
export type RunnerToHub =
  /** First message: what this runner is. */
  | { type: "hello"; host: string; version: string; maxSessions: number; sessions: string[] }
  /** The runner could not open a session it was asked to. */
  | { type: "open-failed"; sessionId: string; message: string };

/** Hub -> runner. */
export type HubToRunner =
  | { type: "welcome"; protocol: number; host: string }
  /** Open a PTY for a session and connect to it on its data route. */
  | {
      type: "open";
      sessionId: string;
      cols: number;
      rows: number;
      cwd: string | null;
      env: Record<string, string>;
    }
  | ErrorMessage;

// ---------------------------------------------------------------------------------------------
// Parsing untrusted text frames
// ---------------------------------------------------------------------------------------------

/** The result of parsing a text frame from a peer. */
export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

type Field =
  | "string"
  | "number"
  | "offset"
  | "object"
  | "nullable-object"
  | "boolean"
  | "string[]"
  | "signal"
  | "nullable-string";
type Shape = Record<string, Record<string, Field>>;

const VIEWER_TO_SESSION: Shape = {
  resize: { cols: "number", rows: "number" },
  signal: { signal: "signal" },
  ack: { offset: "offset" },
  token: { token: "string" },
};
const RUNNER_TO_SESSION: Shape = {
  exit: { exit: "object", offset: "offset" },
  "spawn-failed": { message: "string" },
  hello: { shell: "string", marks: "boolean", nonce: "nullable-string" },
  terminal: { probe: "offset", offset: "offset", facts: "nullable-object" },
};
const RUNNER_TO_HUB: Shape = {
  hello: { host: "string", version: "string", maxSessions: "number", sessions: "string[]" },
  "open-failed": { sessionId: "string", message: "string" },
};

const SESSION_TO_RUNNER: Shape = {
  welcome: { protocol: "number", generation: "number", storedEnd: "offset", size: "object" },
  ack: { offset: "offset" },
  resize: { cols: "number", rows: "number" },
  signal: { signal: "signal" },
  close: { reason: "string" },
  probe: { probe: "offset" },
  error: { code: "string", message: "string" },
};
const HUB_TO_RUNNER: Shape = {
  welcome: { protocol: "number", host: "string" },
  open: {
    sessionId: "string",
    cols: "number",
    rows: "number",
    cwd: "nullable-string",
    env: "object",
  },
  error: { code: "string", message: "string" },
};

/** Parses a viewer's control message. Size values are checked later (checkTerminalSize). */
export function parseViewerMessage(text: string): ParseResult<ViewerToSession> {
  return parseWith<ViewerToSession>(text, VIEWER_TO_SESSION);
}

/** Parses a runner's control message on its data connection. */
export function parseRunnerMessage(text: string): ParseResult<RunnerToSession> {
  const result = parseWith<RunnerToSession>(text, RUNNER_TO_SESSION);
  if (result.ok && result.message.type === "exit" && !isExitStatus(result.message.exit)) {
    return { ok: false, error: "exit.exit must be { code: number|null, signal: string|null }" };
  }
  if (result.ok && result.message.type === "terminal" && result.message.facts !== null) {
    if (!isTerminalFacts(result.message.facts)) {
      return {
        ok: false,
        error:
          'terminal.facts must be { shellInForeground: boolean, reading: "read"|"poll"|null, shellReads: integer|null, foreground: string[] }',
      };
    }
  }
  return result;
}

/** Parses a runner's control message on its control connection. */
export function parseRunnerHubMessage(text: string): ParseResult<RunnerToHub> {
  return parseWith<RunnerToHub>(text, RUNNER_TO_HUB);
}

/**
 * Parses a session's message on a runner's data connection. The runner checks the fields it
 * acts on (offsets here; sizes with checkTerminalSize), because a bad value from the edge must
 * never kill the runner's other shells.
 */
export function parseSessionToRunnerMessage(text: string): ParseResult<SessionToRunner> {
  return parseWith<SessionToRunner>(text, SESSION_TO_RUNNER);
}

/** Parses the hub's message on a runner's control connection. Sizes and env are checked later. */
export function parseHubToRunnerMessage(text: string): ParseResult<HubToRunner> {
  return parseWith<HubToRunner>(text, HUB_TO_RUNNER);
}

/** Parses a message a server sent; used by runners and clients, which trust their server's shape. */
export function parseServerMessage<T extends { type: string }>(text: string): T | null {
  try {
    const value: unknown = JSON.parse(text);
    if (isRecord(value) && typeof value.type === "string") return value as T;
  } catch {
    // Fall through: a malformed message from the server is ignored by the caller.
  }
  return null;
}

function parseWith<T>(text: string, shapes: Shape): ParseResult<T> {
  if (text.length > MAX_CONTROL_MESSAGE_BYTES) {
    return { ok: false, error: `control message longer than ${MAX_CONTROL_MESSAGE_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "control message is not valid JSON" };
  }
  if (!isRecord(value)) return { ok: false, error: "control message must be a JSON object" };
  const type = value.type;
  if (typeof type !== "string")
    return { ok: false, error: 'control message needs a string "type"' };
  const shape = Object.hasOwn(shapes, type) ? shapes[type] : undefined;
  if (!shape)
    return { ok: false, error: `unknown message type ${JSON.stringify(type.slice(0, 40))}` };
  for (const [name, field] of Object.entries(shape)) {
    if (!fieldMatches(value[name], field)) {
      return {
        ok: false,
        error: `"${type}" message: field "${name}" must be ${describeField(field)}`,
      };
    }
  }
  return { ok: true, message: value as T };
}

function fieldMatches(value: unknown, field: Field): boolean {
  switch (field) {
    case "string":
      return typeof value === "string";
    case "nullable-string":
      return value === null || typeof value === "string";
    // Sizes are checked by checkTerminalSize, which explains what was wrong; accept anything here.
    case "number":
      return value !== undefined;
    case "offset":
      return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
    case "object":
      return isRecord(value);
    case "nullable-object":
      return value === null || isRecord(value);
    case "boolean":
      return typeof value === "boolean";
    case "string[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "signal":
      return typeof value === "string" && (SIGNALS as readonly string[]).includes(value);
  }
}

function describeField(field: Field): string {
  switch (field) {
    case "offset":
      return "a non-negative integer";
    case "signal":
      return `one of ${SIGNALS.join(", ")}`;
    case "string[]":
      return "an array of strings";
    default:
      return `a ${field}`;
  }
}

function isExitStatus(value: unknown): value is ExitStatus {
  return (
    isRecord(value) &&
    (value.code === null || (typeof value.code === "number" && Number.isInteger(value.code))) &&
    (value.signal === null || typeof value.signal === "string")
  );
}

function isTerminalFacts(value: unknown): value is TerminalFacts {
  return (
    isRecord(value) &&
    typeof value.shellInForeground === "boolean" &&
    (value.reading === null || value.reading === "read" || value.reading === "poll") &&
    (value.shellReads === null ||
      (typeof value.shellReads === "number" && Number.isSafeInteger(value.shellReads))) &&
    Array.isArray(value.foreground) &&
    value.foreground.every((name) => typeof name === "string")
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
