/** Schemas of the agent tools' request bodies (POST /api/tools/<name>): they validate calls, and GET /api/tools serves them as JSON Schemas. */
import * as z from "zod/mini";
import { RoleSchema } from "./common.ts";
import {
  CallIdField,
  ColsField,
  CwdField,
  HostField,
  RowsField,
  SessionIdField,
  TimeoutMsField,
} from "./api-fields.ts";
import { KEYFRAME_SCROLLBACK_LINES } from "../limits.ts";
import { OffsetSchema, integer, text } from "./fields.ts";

/** How the tools' JSON Schemas are generated from these schemas (z.toJSONSchema's options). */
export const TOOL_JSON_SCHEMA_OPTIONS = { io: "input", target: "draft-2020-12" } as const;

export const InteractiveShellRequestSchema = z.strictObject({
  initial_command: z.optional(
    text(0, 16384).check(
      z.describe("The command line to run, as typed at the prompt (no trailing newline needed)."),
    ),
  ),
  session_id: z.optional(
    SessionIdField.check(z.describe("Run in this existing session instead of opening a new one.")),
  ),
  host: z.optional(HostField),
  cwd: z.optional(CwdField),
  cols: z.optional(ColsField),
  rows: z.optional(RowsField),
  timeout_ms: z.optional(TimeoutMsField),
  call_id: z.optional(CallIdField),
  clear_line: z.optional(
    z
      .boolean()
      .check(
        z.describe(
          "If someone has typed text on the prompt line without running it, clear it first (reported in cleared_line) instead of refusing with input_pending.",
        ),
      ),
  ),
  viewer_role: z.optional(
    RoleSchema.check(
      z.describe(
        "Role of the returned viewer token: writer (the user can type, the default) or viewer (read-only).",
      ),
    ),
  ),
});
/** Body of `POST /api/tools/interactive_shell` (see docs/agent-api.md). */
export type InteractiveShellRequest = z.infer<typeof InteractiveShellRequestSchema>;

export const SendInputRequestSchema = z.strictObject({
  session_id: SessionIdField,
  input: text(1, 65536).check(z.describe("The bytes to type, as a string.")),
  timeout_ms: z.optional(TimeoutMsField),
  call_id: z.optional(CallIdField),
});
/** Body of `POST /api/tools/send_input`. */
export type SendInputRequest = z.infer<typeof SendInputRequestSchema>;

export const WaitRequestSchema = z.strictObject({
  session_id: SessionIdField,
  call_id: CallIdField.check(z.describe("The call_id of the call to wait for.")),
  timeout_ms: z.optional(TimeoutMsField),
});
/** Body of `POST /api/tools/wait`: the final result of an earlier call. */
export type WaitRequest = z.infer<typeof WaitRequestSchema>;

export const ReadOutputRequestSchema = z.strictObject({
  session_id: SessionIdField,
  since_offset: z.optional(
    OffsetSchema.check(z.describe("Output after this byte offset (default: all retained output).")),
  ),
  command: z.optional(
    integer(1, Number.MAX_SAFE_INTEGER, "a command number (1 or more)").check(
      z.describe(
        "Instead of output since an offset: the output of this command (its number from list_commands), as much as is retained.",
      ),
    ),
  ),
  lines: z.optional(
    integer(1, KEYFRAME_SCROLLBACK_LINES).check(
      z.describe(
        `Also return the terminal's last N lines (scrollback above the screen, then the screen), as the terminal shows them; at most ${KEYFRAME_SCROLLBACK_LINES}.`,
      ),
    ),
  ),
});
/** Body of `POST /api/tools/read_output`. */
export type ReadOutputRequest = z.infer<typeof ReadOutputRequestSchema>;

export const ListSessionsRequestSchema = z.strictObject({
  limit: z.optional(
    integer(1, 200).check(z.describe("At most this many sessions, newest first (default 50).")),
  ),
});
/** Body of `POST /api/tools/list_sessions`. */
export type ListSessionsRequest = z.infer<typeof ListSessionsRequestSchema>;

export const ListCommandsRequestSchema = z.strictObject({
  session_id: SessionIdField,
  after: z.optional(
    OffsetSchema.check(
      z.describe("Only commands numbered above this one (default 0: from the first kept)."),
    ),
  ),
  limit: z.optional(
    integer(1, 1000).check(z.describe("At most this many commands, oldest first (default 1000).")),
  ),
});
/** Body of `POST /api/tools/list_commands`. */
export type ListCommandsRequest = z.infer<typeof ListCommandsRequestSchema>;

export const CloseSessionRequestSchema = z.strictObject({ session_id: SessionIdField });
/** Body of `POST /api/tools/close_session`. */
export type CloseSessionRequest = z.infer<typeof CloseSessionRequestSchema>;
