/** The agent tool API: GET /api/tools and POST /api/tools/<name>, each body checked with its tool's schema. */
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  CloseSessionRequestSchema,
  InteractiveShellRequestSchema,
  ReadOutputRequestSchema,
  SendInputRequestSchema,
  WaitRequestSchema,
  type InteractiveShellRequest,
  type InteractiveShellResult,
  type ReadOutputRequest,
  type SendInputRequest,
  type WaitRequest,
} from "../../protocol/index.ts";
import type { ToolResult } from "../../durable-objects/terminal-session/tool-calls.ts";
import { toPlainText } from "../../durable-objects/terminal-session/terminal-text.ts";
import { requireScope, type ApiEnv } from "../auth/bearer.ts";
import { ApiError } from "../http/errors.ts";
import { readJsonBody } from "../http/read-json.ts";
import {
  createSession,
  describeSession,
  endSession,
  grantJoin,
  sessionStub,
} from "../sessions/session-service.ts";
import { renderScreen } from "../tools/screen-text.ts";
import { isToolName, toolDefinitions } from "../tools/tool-definitions.ts";

/** Mounted at /api/tools. Listing and read_output need sessions:read; every other tool sessions:run. */
export const toolsRoutes = new Hono<ApiEnv>();

const DEFAULT_TIMEOUT_MS = 10_000;
const NOTE = "Output is visible in the terminal panel.";
/** read_output returns at most this much raw output (the screen comes from the newest keyframe). */
const READ_OUTPUT_MAX_BYTES = 256 * 1024;

toolsRoutes.get("/", requireScope("sessions:read"), (c) => c.json({ tools: toolDefinitions() }));

const toolScope = requireScope((c) =>
  c.req.param("name") === "read_output" ? "sessions:read" : "sessions:run",
);

toolsRoutes.post("/:name", toolScope, async (c) => {
  const name = c.req.param("name");
  if (!isToolName(name))
    throw new ApiError(404, "unknown_tool", `no tool "${name}"; GET /api/tools lists them`);
  const request = c.req.raw;
  const origin = new URL(c.req.url).origin;
  const { tenant } = c.get("caller");
  switch (name) {
    case "interactive_shell": {
      const body = await readJsonBody(request, InteractiveShellRequestSchema);
      return c.json(await interactiveShell(c.env, tenant, origin, body));
    }
    case "send_input": {
      const body = await readJsonBody(request, SendInputRequestSchema);
      return c.json(await sendInput(c.env, tenant, origin, body));
    }
    case "read_output": {
      const body = await readJsonBody(request, ReadOutputRequestSchema);
      return c.json(await readOutput(c.env, tenant, body));
    }
    case "wait": {
      const body = await readJsonBody(request, WaitRequestSchema);
      return c.json(await waitForCall(c.env, tenant, origin, body));
    }
    case "close_session": {
      const body = await readJsonBody(request, CloseSessionRequestSchema);
      await endSession(c.env, tenant, body.session_id, "closed by the agent");
      return c.json({ success: true, session_id: body.session_id, status: "ended" });
    }
  }
});

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
  const since = body.since_offset ?? 0;
  const [source, tail] = await Promise.all([
    stub.screenSource(),
    stub.readBytes(since, READ_OUTPUT_MAX_BYTES),
  ]);
  if (!source || !tail) throw new ApiError(409, "session_ended", "the session has ended");
  const rendered = await renderScreen(source, body.lines ?? 0);
  return {
    success: true,
    session_id: sessionId,
    status: info.exit ? "exited" : "running",
    exit_code: info.exit?.code ?? null,
    output: toPlainText(tail.bytes),
    output_truncated: tail.trimmed,
    offsets: { start: tail.start, end: tail.end },
    screen: rendered.screen,
    ...(body.lines !== undefined ? { lines: rendered.lines } : {}),
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
