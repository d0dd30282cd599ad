/** The shape of one command the session's shell ran: the API's command list and the viewers' `command` message share it. */
import * as z from "zod/mini";
import { NullableStringSchema, OffsetSchema, integer } from "./fields.ts";

export const InputSourceSchema = z.discriminatedUnion("kind", [
  /** An agent's tool call (its `call_id`; null when the call did not say which). */
  z.object({ kind: z.literal("agent"), callId: NullableStringSchema }),
  /** A person at a writer's panel. */
  z.object({ kind: z.literal("writer") }),
]);
/** Who typed into the shell: an agent's tool call or a writer. */
export type InputSource = z.infer<typeof InputSourceSchema>;

export const CommandRecordSchema = z.object({
  /** 1 for the session's first command, then 2, 3, … (numbers are never reused). */
  number: integer(1, Number.MAX_SAFE_INTEGER),
  /** The command line as the shell reported it; null when it did not say. */
  text: NullableStringSchema,
  /** The directory the command started in, as the shell reported it; null when it did not say. */
  cwd: NullableStringSchema,
  /** Who typed the line: the newest input before the command started; null if none is logged. */
  source: z.nullable(InputSourceSchema),
  /** Offset one past the C mark: the command's first output byte. */
  start: OffsetSchema,
  /** Offset of the D mark's first byte (one past the command's last output byte); null while it runs. */
  end: z.nullable(OffsetSchema),
  /** When the C mark was stored (ISO 8601). */
  startedAt: z.string(),
  /** When the D mark (or the shell's exit) was stored; null while it runs. */
  endedAt: NullableStringSchema,
  /** The status the D mark carried; null while it runs, or when the shell did not say. */
  exitCode: z.nullable(integer(-(2 ** 31), 2 ** 32 - 1, "an integer exit code or null")),
});
/** One command the session's shell ran, from its OSC 133 marks (C starts it, D ends it). */
export type CommandRecord = z.infer<typeof CommandRecordSchema>;
