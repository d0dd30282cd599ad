/** Running one agent tool for an authenticated caller: its scope checked, its arguments checked with its schema, the call made. Shared by POST /api/tools/<name> and the MCP server. */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  checkWith,
  type InteractiveShellRequest,
  type InteractiveShellResult,
  type ListCommandsRequest,
  type ReadOutputRequest,
  type SendInputRequest,
  type WaitRequest,
} from "../../protocol/index.ts";
import type { ToolResult } from "../../durable-objects/terminal-session/tool-calls.ts";
import { toPlainText } from "../../durable-objects/terminal-session/terminal-text.ts";
import { demandScope, type Caller } from "../auth/bearer.ts";
import { ApiError } from "../http/errors.ts";
import {
  createSession,
  describeSession,
  endSession,
  grantJoin,
  listSessions,
  sessionStub,
} from "../sessions/session-service.ts";
import { renderScreen } from "./screen-text.ts";
import { toolNamed, type ToolName } from "./tool-definitions.ts";

const DEFAULT_TIMEOUT_MS = 10_000;

/** A session object's stub, as tools call it. */
type SessionStub = NonNullable<Awaited<ReturnType<typeof sessionStub>>>;
const NOTE = "Output is visible in the terminal panel.";
/** read_output returns at most this much raw output (the screen comes from the newest keyframe). */
const READ_OUTPUT_MAX_BYTES = 256 * 1024;

/**
 * Runs tool `name` with `args` (untrusted: checked against the tool's schema, 400 naming the field)
 * for `caller` (403 without the tool's scope). `origin` is the edge's origin, for viewer links.
 * Refusals are ApiErrors with the status the REST API answers.
 */
export async function runTool(
  env: Env,
  caller: Caller,
  origin: string,
  name: ToolName,
  args: unknown,
): Promise<object> {
  const tool = toolNamed(name);
  demandScope(caller, tool.scope);
  const { tenant } = caller;
  switch (tool.name) {
    case "interactive_shell":
      return interactiveShell(env, tenant, origin, checkArgs(tool.schema, args));
    case "send_input":
      return sendInput(env, tenant, origin, checkArgs(tool.schema, args));
    case "read_output":
      return readOutput(env, tenant, checkArgs(tool.schema, args));
    case "wait":
      return waitForCall(env, tenant, origin, checkArgs(tool.schema, args));
    case "list_commands":
      return listCommands(env, tenant, checkArgs(tool.schema, args));
    case "list_sessions": {
      const body = checkArgs(tool.schema, args);
      return { success: true, sessions: await listSessions(env, tenant, body.limit ?? 50) };
    }
    case "close_session": {
      const body = checkArgs(tool.schema, args);
      await endSession(env, tenant, body.session_id, "closed by the agent");
      return { success: true, session_id: body.session_id, status: "ended" };
    }
  }
}

function checkArgs<S extends Parameters<typeof checkWith>[0]>(schema: S, args: unknown) {
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    throw new ApiError(400, "invalid_request", "the arguments must be a JSON object");
  }
  const checked = checkWith(schema, args);
  if (!checked.ok) throw new ApiError(400, "invalid_request", checked.error);
  return checked.value;
}

async function interactiveShell(
  env: Env,
  tenant: string,
  origin: string,
  body: InteractiveShellRequest,
) {
  const timeoutMs = body.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  const command = body.initial_command;
  let sessionId = body.session_id;
  if (sessionId !== undefined) {
    for (const field of ["host", "cwd", "cols", "rows"] as const) {
      if (body[field] !== undefined) {
        throw new ApiError(
          400,
          "invalid_request",
          `${field}: applies only to new sessions; leave it out with session_id`,
        );
      }
    }
  } else {
    const created = await createSession(env, tenant, {
      host: body.host,
      cwd: body.cwd,
      cols: body.cols,
      rows: body.rows,
    });
    sessionId = created.id;
  }
  const stub = await requireSession(env, sessionId);
  const callId = body.call_id;
  const request =
    command === undefined
      ? { kind: "open" as const, timeoutMs, callId }
      : {
          kind: "command" as const,
          command,
          timeoutMs,
          callId,
          clearLine: body.clear_line === true,
        };
  const result = await stub.runTool(request, tenant);
  if (!result.ok && body.session_id === undefined && result.code === "runner_offline") {
    // The session we just made never got its shell: do not leave a stray session behind.
    await stub.end("the runner did not start the shell");
  }
  return toolResponse(env, origin, sessionId, result, body.viewer_role ?? "writer");
}

async function sendInput(env: Env, tenant: string, origin: string, body: SendInputRequest) {
  const sessionId = body.session_id;
  const stub = await requireSession(env, sessionId);
  const timeoutMs = body.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  const result = await stub.runTool(
    { kind: "input", input: body.input, timeoutMs, callId: body.call_id },
    tenant,
  );
  return toolResponse(env, origin, sessionId, result, "writer");
}

async function waitForCall(env: Env, tenant: string, origin: string, body: WaitRequest) {
  const sessionId = body.session_id;
  const stub = await requireSession(env, sessionId);
  const timeoutMs = body.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  const result = await stub.runTool({ kind: "wait", callId: body.call_id, timeoutMs }, tenant);
  return toolResponse(env, origin, sessionId, result, "writer");
}

async function readOutput(env: Env, tenant: string, body: ReadOutputRequest) {
  const sessionId = body.session_id;
  const stub = await requireSession(env, sessionId);
  const info = await describeSession(env, tenant, sessionId);
  if (info.state === "ended")
    throw new ApiError(409, "session_ended", `the session has ended: ${info.reason ?? "closed"}`);
  if (body.command !== undefined && body.since_offset !== undefined) {
    const why = "command: give either command or since_offset, not both";
    throw new ApiError(400, "invalid_request", why);
  }
  const [source, tail] = await Promise.all([
    stub.screenSource(),
    body.command === undefined
      ? stub.readBytes(body.since_offset ?? 0, READ_OUTPUT_MAX_BYTES)
      : commandOutput(stub, tenant, body.command),
  ]);
  if (!source || !tail) throw new ApiError(409, "session_ended", "the session has ended");
  const rendered = await renderScreen(source, body.lines ?? 0);
  return {
    success: true,
    session_id: sessionId,
    status: info.exit ? "exited" : "running",
    exit_code: info.exit?.code ?? null,
    ...("command" in tail ? { command: tail.command } : {}),
    output: toPlainText(tail.bytes),
    output_truncated: tail.trimmed,
    offsets: { start: tail.start, end: tail.end },
    screen: rendered.screen,
    ...(body.lines !== undefined ? { lines: rendered.lines } : {}),
  };
}

/** One command's retained output, as read_output returns output; 404 for a number it does not know. */
async function commandOutput(stub: SessionStub, tenant: string, number: number) {
  const result = await stub.commandOutput(tenant, number, READ_OUTPUT_MAX_BYTES);
  if (!result.ok) {
    throw new ApiError(result.code === "session_ended" ? 409 : 404, result.code, result.message);
  }
  const { command, start, end, bytes, trimmed } = result;
  return { command, start, end, bytes, trimmed };
}

async function listCommands(env: Env, tenant: string, body: ListCommandsRequest) {
  const stub = await requireSession(env, body.session_id);
  const list = await stub.commands(tenant, body.after ?? 0, body.limit ?? 1000);
  if (!list.ok) {
    throw new ApiError(list.code === "session_ended" ? 409 : 404, list.code, list.message);
  }
  return {
    success: true,
    session_id: body.session_id,
    shell: list.shell,
    marks: list.marks,
    commands: list.commands,
  };
}

/**
 * A session's stub for a tool call; 404 for an id this deployment never minted. The session itself
 * answers 404 for another tenant's call (runTool checks the tenant), saving a round trip.
 */
async function requireSession(env: Env, sessionId: string) {
  const stub = await sessionStub(env, sessionId);
  if (!stub) throw new ApiError(404, "session_not_found", `no session with id "${sessionId}"`);
  return stub;
}

const REFUSAL_STATUS: Record<string, ContentfulStatusCode> = {
  busy: 409,
  input_pending: 409,
  call_id_conflict: 409,
  call_not_found: 404,
  session_ended: 409,
  session_exited: 409,
  runner_offline: 503,
  session_not_found: 404,
};

async function toolResponse(
  env: Env,
  origin: string,
  sessionId: string,
  result: ToolResult | { ok: false; code: "session_not_found"; message: string },
  role: "writer" | "viewer",
): Promise<InteractiveShellResult> {
  if (!result.ok)
    throw new ApiError(REFUSAL_STATUS[result.code] ?? 409, result.code, result.message);
  const grant = await grantJoin(env, origin, sessionId, role);
  return {
    success: true,
    session_id: sessionId,
    call_id: result.callId,
    status: result.status,
    exit_code: result.exitCode,
    output: result.output,
    output_truncated: result.outputTruncated,
    offsets: result.offsets,
    cleared_line: result.clearedLine,
    viewer: grant,
    note: NOTE,
  };
}
