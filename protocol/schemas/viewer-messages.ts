/** Schemas of the control messages between a viewer (browser or agent) and its session. Input and output go as binary frames. */
import * as z from "zod/mini";
import { ColsSchema, RowsSchema, TerminalSizeSchema } from "../terminal-size.ts";
import {
  ErrorMessageSchema,
  ExitStatusSchema,
  KeyboardLeaseSchema,
  ProtocolVersionSchema,
  RoleSchema,
  RunnerStateSchema,
  SessionStateSchema,
  SignalSchema,
  ViewerPresenceSchema,
} from "./common.ts";
import { CommandRecordSchema } from "./command-record.ts";
import { OffsetSchema } from "./fields.ts";

/** Viewer -> session. Input goes as binary INPUT frames. */
export const ViewerToSessionSchema = z.discriminatedUnion("type", [
  /** Resize the terminal (writers only). */
  z.object({ type: z.literal("resize"), cols: ColsSchema, rows: RowsSchema }),
  /** Send a signal to the shell's foreground process group (writers only). */
  z.object({ type: z.literal("signal"), signal: SignalSchema }),
  /** The viewer has received everything before `offset`; lets the session spot slow viewers. */
  z.object({ type: z.literal("ack"), offset: OffsetSchema }),
  /**
   * A fresh join token for this same session and role, sent before the old one expires: the
   * socket lives on (a socket whose token expires is closed with 4401).
   */
  z.object({ type: z.literal("token"), token: z.string() }),
  /**
   * Measures the round trip to the shell's host: the session passes it to the runner, whose
   * `host-pong` comes back as a `host-pong` with the same `id`. The runner handles frames in order,
   * so the answer also proves every key sent before it reached the host.
   */
  z.object({ type: z.literal("host-ping"), id: OffsetSchema }),
]);
export type ViewerToSession = z.infer<typeof ViewerToSessionSchema>;

/** Session -> viewer. Output goes as binary OUTPUT frames. */
export const SessionToViewerSchema = z.discriminatedUnion("type", [
  /** First message after connecting: who you are and what the session holds. */
  z.object({
    type: z.literal("welcome"),
    protocol: ProtocolVersionSchema,
    sessionId: z.string(),
    role: RoleSchema,
    state: SessionStateSchema,
    /** Retained history is [start, end). */
    history: z.object({ start: OffsetSchema, end: OffsetSchema }),
    /**
     * Offset the replay starts at: the viewer's resume offset, `keyframe.offset`, or
     * `history.start`.
     */
    replayFrom: OffsetSchema,
    /**
     * Set when the replay starts from a keyframe: a KEYFRAME frame with this offset and size comes
     * next, before any output. The viewer resets its terminal, writes the keyframe at that size,
     * then the output from `offset` on.
     */
    keyframe: z.optional(
      z.nullable(z.object({ offset: OffsetSchema, cols: ColsSchema, rows: RowsSchema })),
    ),
    size: TerminalSizeSchema,
    runner: RunnerStateSchema,
    /** The host the shell runs on (where its pty-runner must run). */
    host: z.optional(z.string()),
    exit: z.nullable(ExitStatusSchema),
    /** Why the shell ended when its status alone does not say (lost, could not start). */
    exitReason: z.optional(z.nullable(z.string())),
    /** The agent call holding the keyboard, if any (writers' keys are refused meanwhile). */
    lease: z.nullable(KeyboardLeaseSchema),
  }),
  /** Sent before the replay when the offset asked for was already trimmed away. */
  z.object({ type: z.literal("history-trimmed"), requested: OffsetSchema, start: OffsetSchema }),
  /** The replay is complete; every later frame is live output. */
  z.object({ type: z.literal("live"), offset: OffsetSchema }),
  /** The runner connected, stopped answering its heartbeats, or disappeared. */
  z.object({ type: z.literal("runner"), state: RunnerStateSchema }),
  /** An agent call took the keyboard (`lease` set) or gave it back (`lease` null). */
  z.object({ type: z.literal("lease"), lease: z.nullable(KeyboardLeaseSchema) }),
  /** The terminal size changed. */
  z.object({ type: z.literal("resize"), cols: ColsSchema, rows: RowsSchema }),
  /** The shell exited after producing output up to `offset`. */
  z.object({
    type: z.literal("exit"),
    exit: ExitStatusSchema,
    offset: OffsetSchema,
    /** Why, when the status alone does not say: "lost: the runner on host ... restarted without this shell". */
    reason: z.optional(z.nullable(z.string())),
  }),
  /**
   * The answer to a `host-ping` with the same `id`. `from: "host"`: the runner answered, after
   * every earlier key reached it. `from: "session"`: no runner is connected, so the session
   * answered at once; the host was not reached.
   */
  z.object({ type: z.literal("host-pong"), id: OffsetSchema, from: z.enum(["host", "session"]) }),
  /** A `token` message was accepted: the socket now lives until `expiresAt` (seconds). */
  z.object({ type: z.literal("token-renewed"), expiresAt: OffsetSchema }),
  /**
   * Who is here: every open viewer socket with its token's subject (a product-minted JWT's `sub`,
   * null for edge-minted links) and role. Sent when someone joins or leaves.
   */
  z.object({ type: z.literal("viewers"), viewers: z.array(ViewerPresenceSchema) }),
  /**
   * A command started (its C mark, `end` null) or ended (its D mark, or the shell's exit), with
   * its record as `GET /api/sessions/{id}/commands` lists it. Only shells that print the
   * session's marks have commands.
   */
  z.object({ type: z.literal("command"), command: CommandRecordSchema }),
  ErrorMessageSchema,
]);
export type SessionToViewer = z.infer<typeof SessionToViewerSchema>;
