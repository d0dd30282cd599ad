/** The agent tools: names, descriptions and request schemas; GET /api/tools serves the schemas as JSON Schemas generated from them. */
import * as z from "zod/mini";
import {
  CloseSessionRequestSchema,
  InteractiveShellRequestSchema,
  ListCommandsRequestSchema,
  ListSessionsRequestSchema,
  ReadOutputRequestSchema,
  SendInputRequestSchema,
  TOOL_JSON_SCHEMA_OPTIONS,
  WaitRequestSchema,
} from "../../protocol/index.ts";

/** One tool as served, ready for LLM function calling. */
export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/** The tools, in the order they are listed; each body is checked with its schema. */
export const TOOLS = [
  {
    name: "interactive_shell",
    description:
      "Run a shell command in a real terminal that the user can watch and type into. Without session_id a new " +
      "session is opened; with session_id the command runs in that session's shell (same process, same cwd, " +
      "same environment). Returns when the command finishes (status completed, with its exit code), when a " +
      "program waits for input (awaiting_input), or at timeout_ms (running, or queued while the shell starts: " +
      "follow it with wait). The result's session_id opens the same session in the user's terminal panel.",
    schema: InteractiveShellRequestSchema,
    scope: "sessions:run",
  },
  {
    name: "send_input",
    description:
      'Type input into a session: an answer to a prompt ("y\\n"), a control key ("\\u0003" is Ctrl-C, ' +
      '"\\u0004" is Ctrl-D) or keystrokes for a full-screen program. Returns, like interactive_shell, what followed.',
    schema: SendInputRequestSchema,
    scope: "sessions:run",
  },
  {
    name: "wait",
    description:
      "Wait for an earlier interactive_shell or send_input call (by its call_id) to end, and return its final " +
      "result: status, exit code and output. Use it after a result with status running or queued.",
    schema: WaitRequestSchema,
    scope: "sessions:run",
  },
  {
    name: "read_output",
    description:
      "Read a session's output since a byte offset (offsets come with every result), or one command's output " +
      "(command, a number from list_commands), as plain text, and a plain-text rendering of the terminal's " +
      "current screen.",
    schema: ReadOutputRequestSchema,
    scope: "sessions:read",
  },
  {
    name: "list_sessions",
    description:
      "List the sessions you can come back to (not ended), newest first: each with its id, host, state " +
      "(running or exited), creation time, runner state, viewers and exit. Pass an id as session_id to " +
      "interactive_shell, send_input or read_output.",
    schema: ListSessionsRequestSchema,
    scope: "sessions:read",
  },
  {
    name: "list_commands",
    description:
      "List the commands a session's shell ran, oldest first: number, command line, working directory, who ran " +
      "it (an agent call or a person typing), start and end time and offsets, and exit code (null while running). " +
      "Pass a number as read_output's command to read that command's output.",
    schema: ListCommandsRequestSchema,
    scope: "sessions:read",
  },
  {
    name: "close_session",
    description:
      "End a session: its shell is killed and its history deleted. The terminal panel shows it ended.",
    schema: CloseSessionRequestSchema,
    scope: "sessions:run",
  },
] as const;

/** A tool's name. */
export type ToolName = (typeof TOOLS)[number]["name"];

let served: ToolDefinition[] | null = null;

/** The tools as GET /api/tools serves them; the JSON Schemas are made once, on first use. */
export function toolDefinitions(): ToolDefinition[] {
  served ??= TOOLS.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: z.toJSONSchema(tool.schema, TOOL_JSON_SCHEMA_OPTIONS),
  }));
  return served;
}

/** The tool called `name`. */
export function toolNamed<N extends ToolName>(
  name: N,
): Extract<(typeof TOOLS)[number], { name: N }> {
  return TOOLS.find((tool) => tool.name === name) as Extract<(typeof TOOLS)[number], { name: N }>;
}

/** Whether `name` is one of the tools. */
export function isToolName(name: string): name is ToolName {
  return TOOLS.some((tool) => tool.name === name);
}
