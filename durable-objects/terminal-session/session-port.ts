/** What the message handlers may do to their session: the seam between the Durable Object class and its logic. */
import type {
  ExitStatus,
  RunnerState,
  SessionToRunner,
  SessionToViewer,
  TerminalSize,
} from "../../protocol/index.ts";
import type { HostPings } from "./host-pings.ts";
import type { InputLog } from "./input-log.ts";
import type { KeyframeStore } from "./keyframe-store.ts";
import type { OutputHistory } from "./output-history.ts";
import type { SessionMeta } from "./session-meta.ts";
import type { AttachmentCache } from "./socket-attachments.ts";
import type { ShellDriver } from "./shell-driver.ts";
import type { ToolCalls } from "./tool-calls.ts";
import { sendMessage } from "./viewer-fanout.ts";

/** The session as its handlers see it. */
export interface SessionPort {
  readonly attachments: AttachmentCache;
  readonly tools: ToolCalls;
  /** Viewers' pings on their way through the runner. */
  readonly hostPings: HostPings;
  /** Where the shell stands (marks, facts, input). */
  driver(): ShellDriver;
  /** Who typed what, when. */
  inputLog(): InputLog;
  /** New output or a hello: the shell's marks since the command log's last go into it. */
  recordCommands(): void;
  /** The session's size changed: the recording replays it at the current output offset. */
  recordResize(size: TerminalSize): void;
  runnerState(): RunnerState;
  /** The session's record (handlers run only for sessions that exist). */
  meta(): SessionMeta;
  saveMeta(meta: SessionMeta): void;
  history(): OutputHistory;
  /** The newest keyframe from the runner. */
  keyframes(): KeyframeStore;
  /** The current runner connection, or null while the runner is offline. */
  runner(): WebSocket | null;
  viewers(): WebSocket[];
  /** The writer whose automatic terminal replies reach the shell. */
  replyingWriter(): WebSocket | null;
  broadcast(message: SessionToViewer): void;
  /** Input or output happened: pushes the idle deadline back. */
  noteActivity(): void;
  recordExit(exit: ExitStatus, reason: string | null): void;
  scheduleAlarm(): Promise<void>;
  /** Checks a fresh join token for `ws` and, if it is for this session and role, extends the socket's life. */
  renewToken(ws: WebSocket, token: string): Promise<void>;
}

/** Sends a control message to a runner. */
export function sendToRunner(ws: WebSocket, message: SessionToRunner): void {
  sendMessage(ws, message);
}

/** Reports a recoverable problem to a peer; the connection lives on. */
export function sendError(ws: WebSocket, code: string, message: string): void {
  sendMessage(ws, { type: "error", code, message });
}

/** "code 3" or "signal SIGKILL", for messages. */
export function describeExit(exit: ExitStatus): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
