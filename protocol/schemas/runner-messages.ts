/** Schemas of the control messages on a runner's data connection (one per session). Terminal bytes go as binary frames. */
import * as z from "zod/mini";
import { ColsSchema, RowsSchema, TerminalSizeSchema } from "../terminal-size.ts";
import {
  ErrorMessageSchema,
  ExitStatusSchema,
  ProtocolVersionSchema,
  SignalSchema,
  TerminalFactsSchema,
} from "./common.ts";
import { NullableStringSchema, OffsetSchema } from "./fields.ts";

/** Runner -> session. Output goes as binary OUTPUT frames with absolute offsets. */
export const RunnerToSessionSchema = z.discriminatedUnion("type", [
  /**
   * Sent after every welcome: how the shell was started. `marks` says whether it emits OSC 133
   * marks (bash and zsh with the runner's integration); `nonce` is the per-session secret those
   * marks carry, so output that prints look-alike marks cannot fool the session.
   */
  z.object({
    type: z.literal("hello"),
    shell: z.string(),
    marks: z.boolean(),
    nonce: NullableStringSchema,
  }),
  /**
   * The answer to a `probe`: the terminal facts, true once every output byte before `offset`
   * has arrived. `facts` is null when the runner cannot tell (no /proc and no ps, or output is
   * held back by flow control); the session asks again later.
   */
  z.object({
    type: z.literal("terminal"),
    probe: OffsetSchema,
    offset: OffsetSchema,
    facts: z.nullable(TerminalFactsSchema),
  }),
  /** The PTY process ended; all output before `offset` has been sent. */
  z.object({ type: z.literal("exit"), exit: ExitStatusSchema, offset: OffsetSchema }),
  /** The PTY could not be started. */
  z.object({ type: z.literal("spawn-failed"), message: z.string() }),
  /** The answer to a `host-ping`, sent after every frame that came before it was handled. */
  z.object({ type: z.literal("host-pong"), id: OffsetSchema }),
]);
export type RunnerToSession = z.infer<typeof RunnerToSessionSchema>;

/** Session -> runner. Input goes as binary INPUT frames. */
export const SessionToRunnerSchema = z.discriminatedUnion("type", [
  /** First message: the runner's generation and where to resend output from. */
  z.object({
    type: z.literal("welcome"),
    protocol: ProtocolVersionSchema,
    generation: OffsetSchema,
    /** Everything before this offset is stored: resend from here, drop the rest. */
    storedEnd: OffsetSchema,
    size: TerminalSizeSchema,
    /**
     * Take a keyframe on its own after this many bytes of output since the last one (the
     * session's history cap decides it). Absent: the runner's default.
     */
    keyframeEveryBytes: z.optional(OffsetSchema),
  }),
  /** Output before `offset` is durably stored; the runner may forget it. */
  z.object({ type: z.literal("ack"), offset: OffsetSchema }),
  z.object({ type: z.literal("resize"), cols: ColsSchema, rows: RowsSchema }),
  z.object({ type: z.literal("signal"), signal: SignalSchema }),
  /** The session is over: kill the shell and disconnect. */
  z.object({ type: z.literal("close"), reason: z.string() }),
  /** Asks for the terminal facts; answered by a `terminal` message with the same `probe` number. */
  z.object({ type: z.literal("probe"), probe: OffsetSchema }),
  /** A viewer measures the round trip to the host: answer `host-pong` with the same `id` at once. */
  z.object({ type: z.literal("host-ping"), id: OffsetSchema }),
  ErrorMessageSchema,
]);
export type SessionToRunner = z.infer<typeof SessionToRunnerSchema>;
