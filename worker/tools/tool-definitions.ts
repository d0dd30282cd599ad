/** The agent tools: names, descriptions and JSON Schemas, served at GET /api/tools and used to validate calls. */
import type { JsonSchema } from "./json-schema.ts";

/** One tool, ready for LLM function calling. */
export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: JsonSchema;
}

const sessionId: JsonSchema = {
  type: "string",
  minLength: 1,
  maxLength: 64,
  description: "The session_id returned by interactive_shell.",
};
const timeoutMs: JsonSchema = {
  type: "integer",
  minimum: 100,
  maximum: 300000,
  description:
    'Return after this many milliseconds even if the command has not ended (default 10000); it goes on, and "wait" with the call_id returns its end.',
};
const callId: JsonSchema = {
  type: "string",
  pattern: "^[A-Za-z0-9._:-]{1,128}$",
  description:
    "Your id for this call. Repeating a call with the same call_id returns that call's result and never runs it twice (safe retries).",
};

/** The tools, in the order they are listed. */
export const TOOL_DEFINITIONS: ToolDefinition[] = [
  {
    name: "interactive_shell",
    description:
      "Run a shell command in a real terminal that the user can watch and type into. Without session_id a new " +
      "session is opened; with session_id the command runs in that session's shell (same process, same cwd, " +
      "same environment). Returns when the command finishes (status completed, with its exit code), when a " +
      "program waits for input (awaiting_input), or at timeout_ms (running, or queued while the shell starts: " +
      "follow it with wait). The result's session_id opens the same session in the user's terminal panel.",
    input_schema: {
      type: "object",
      additionalProperties: false,
      properties: {
        initial_command: {
          type: "string",
          maxLength: 16384,
          description:
            "The command line to run, as typed at the prompt (no trailing newline needed).",
        },
        session_id: {
          ...sessionId,
          description: "Run in this existing session instead of opening a new one.",
        },
        host: {
          type: "string",
          pattern: "^[A-Za-z0-9._-]{1,64}$",
          description:
            'For a new session: the runner host (default: the only connected host, else "local").',
        },
        cwd: {
          type: "string",
          maxLength: 4096,
          description: "For a new session: its working directory.",
        },
        cols: {
          type: "integer",
          minimum: 2,
          maximum: 1000,
          description: "For a new session: terminal columns (default 80).",
        },
        rows: {
          type: "integer",
          minimum: 1,
          maximum: 500,
          description: "For a new session: terminal rows (default 24).",
        },
        timeout_ms: timeoutMs,
        call_id: callId,
        clear_line: {
          type: "boolean",
          description:
            "If someone has typed text on the prompt line without running it, clear it first (reported in cleared_line) instead of refusing with input_pending.",
        },
        viewer_role: {
          type: "string",
          enum: ["writer", "viewer"],
          description:
            "Role of the returned viewer token: writer (the user can type, the default) or viewer (read-only).",
        },
      },
    },
  },
  {
    name: "send_input",
    description:
      'Type input into a session: an answer to a prompt ("y\\n"), a control key ("\\u0003" is Ctrl-C, ' +
      '"\\u0004" is Ctrl-D) or keystrokes for a full-screen program. Returns, like interactive_shell, what followed.',
    input_schema: {
      type: "object",
      additionalProperties: false,
      required: ["session_id", "input"],
      properties: {
        session_id: sessionId,
        input: {
          type: "string",
          minLength: 1,
          maxLength: 65536,
          description: "The bytes to type, as a string.",
        },
        timeout_ms: timeoutMs,
        call_id: callId,
      },
    },
  },
  {
    name: "wait",
    description:
      "Wait for an earlier interactive_shell or send_input call (by its call_id) to end, and return its final " +
      "result: status, exit code and output. Use it after a result with status running or queued.",
    input_schema: {
      type: "object",
      additionalProperties: false,
      required: ["session_id", "call_id"],
      properties: {
        session_id: sessionId,
        call_id: { ...callId, description: "The call_id of the call to wait for." },
        timeout_ms: timeoutMs,
      },
    },
  },
  {
    name: "read_output",
    description:
      "Read a session's output since a byte offset (offsets come with every result), as plain text, and a " +
      "plain-text rendering of the terminal's current screen.",
    input_schema: {
      type: "object",
      additionalProperties: false,
      required: ["session_id"],
      properties: {
        session_id: sessionId,
        since_offset: {
          type: "integer",
          minimum: 0,
          description: "Output after this byte offset (default: all retained output).",
        },
      },
    },
  },
  {
    name: "close_session",
    description:
      "End a session: its shell is killed and its history deleted. The terminal panel shows it ended.",
    input_schema: {
      type: "object",
      additionalProperties: false,
      required: ["session_id"],
      properties: { session_id: sessionId },
    },
  },
];

/** A tool by name. */
export function findTool(name: string): ToolDefinition | undefined {
  return TOOL_DEFINITIONS.find((tool) => tool.name === name);
}
