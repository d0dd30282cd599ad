/** Schemas of the values several control messages carry: roles, signals, exit status, terminal facts, the keyboard lease, errors. */
import * as z from "zod/mini";
import { NullableStringSchema, OffsetSchema, integer } from "./fields.ts";

/** Signals a writer or the agent API may send to the shell's process group. */
export const SIGNALS = ["SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGQUIT"] as const;
export const SignalSchema = z.enum(SIGNALS);
export type SignalName = z.infer<typeof SignalSchema>;

/** Roles a join token grants. A viewer only reads; a writer may also type, resize and signal. */
export const RoleSchema = z.enum(["viewer", "writer"]);
export type Role = z.infer<typeof RoleSchema>;

/** The protocol version a peer speaks (see version.ts). */
export const ProtocolVersionSchema = integer(
  1,
  1_000_000,
  "a protocol version (a positive integer)",
);

export const ExitStatusSchema = z.object({
  /** Exit code, or null when a signal ended it. */
  code: z.nullable(integer(-(2 ** 31), 2 ** 32 - 1, "an integer exit code or null")),
  /** Signal name (for example "SIGKILL") or null. */
  signal: NullableStringSchema,
});
/** How the shell ended. */
export type ExitStatus = z.infer<typeof ExitStatusSchema>;

export const RunnerStateSchema = z.enum(["online", "unresponsive", "offline"]);
/** Whether the session's runner is connected and answering its heartbeats. */
export type RunnerState = z.infer<typeof RunnerStateSchema>;

export const TerminalFactsSchema = z.object({
  /** The foreground process group is the shell's own (at its prompt, or in a builtin like `read`). */
  shellInForeground: z.boolean(),
  /**
   * How a foreground process waits for the terminal: "read" (blocked in a read of it), "poll"
   * (asleep in select/poll/epoll while the terminal is in raw mode, as vim and less wait for a
   * key), or null (not waiting for the terminal: computing, sleeping, waiting for a child or the
   * network).
   */
  reading: z.nullable(z.enum(["read", "poll"])),
  /** The shell's count of completed read() calls (Linux /proc/PID/io `syscr`), or null where unknown. */
  shellReads: z.nullable(OffsetSchema),
  /** Names of the foreground processes (for messages, such as "less"). */
  foreground: z.array(z.string()),
});
/**
 * What the runner knows about the terminal's foreground process, read from the kernel (Linux
 * /proc; `ps` elsewhere). These facts, not quiet periods, decide whether a command waits for input.
 */
export type TerminalFacts = z.infer<typeof TerminalFactsSchema>;

export const KeyboardLeaseSchema = z.object({
  holder: z.literal("agent"),
  /** The call that holds it. */
  callId: z.string(),
  /** The command line or input it typed, for the notice writers see. */
  command: z.string(),
});
/** Who holds the session's keyboard while an agent tool call runs. */
export type KeyboardLease = z.infer<typeof KeyboardLeaseSchema>;

export const SessionStateSchema = z.enum(["starting", "running", "exited", "ended"]);
/** Lifecycle of a session as the session object sees it. */
export type SessionState = z.infer<typeof SessionStateSchema>;

export const ErrorMessageSchema = z.object({
  type: z.literal("error"),
  /** Stable machine-readable code, for example "forbidden" or "bad_size". */
  code: z.string(),
  /** What went wrong and how to fix it, for a person. */
  message: z.string(),
});
/** A recoverable problem, reported to the peer; the connection lives on. */
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;

export const ViewerPresenceSchema = z.object({ subject: z.nullable(z.string()), role: RoleSchema });
/** One viewer as the others see it. */
export type ViewerPresence = z.infer<typeof ViewerPresenceSchema>;
