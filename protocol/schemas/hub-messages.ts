/** Schemas of the control messages on a runner's control connection (one per runner) to its host's hub. */
import * as z from "zod/mini";
import { ColsSchema, RowsSchema } from "../terminal-size.ts";
import { ErrorMessageSchema, ProtocolVersionSchema } from "./common.ts";
import { NullableStringSchema, integer } from "./fields.ts";

/** Runner -> hub. */
export const RunnerToHubSchema = z.discriminatedUnion("type", [
  /** First message: what this runner is, and the sessions it still runs. */
  z.object({
    type: z.literal("hello"),
    host: z.string(),
    version: z.string(),
    maxSessions: integer(1, 1_000_000),
    sessions: z.array(z.string()),
  }),
  /** The runner could not open a session it was asked to. */
  z.object({ type: z.literal("open-failed"), sessionId: z.string(), message: z.string() }),
]);
export type RunnerToHub = z.infer<typeof RunnerToHubSchema>;

/** Hub -> runner. */
export const HubToRunnerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome"), protocol: ProtocolVersionSchema, host: z.string() }),
  /** Open a PTY for a session and connect to it on its data route. */
  z.object({
    type: z.literal("open"),
    sessionId: z.string(),
    cols: ColsSchema,
    rows: RowsSchema,
    cwd: NullableStringSchema,
    env: z.record(z.string(), z.string({ error: "expected a string" })),
  }),
  ErrorMessageSchema,
]);
export type HubToRunner = z.infer<typeof HubToRunnerSchema>;
