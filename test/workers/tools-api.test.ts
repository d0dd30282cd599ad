/** The agent tool API against the session object, with a fake shell that emits real OSC 133 marks. */
import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { InteractiveShellRequestSchema, TOOL_JSON_SCHEMA_OPTIONS } from "../../protocol/index.ts";
import { api, autoAck, connectRunnerControl, connectViewer } from "./helpers.ts";
import { FakeRunnerHost } from "./fake-shell.ts";

async function tool(name: string, body: unknown, token?: string) {
  const response = await api("POST", `/api/tools/${name}`, body, token);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("the agent tool API", () => {
  it("lists its tools with JSON Schemas for function calling", async () => {
    const response = await api("GET", "/api/tools");
    const body = (await response.json()) as {
      tools: { name: string; input_schema: { type: string } }[];
    };
    expect(body.tools.map((t) => t.name)).toEqual([
      "interactive_shell",
      "send_input",
      "wait",
      "read_output",
      "list_sessions",
      "list_commands",
      "close_session",
    ]);
    expect(body.tools.every((t) => t.input_schema.type === "object")).toBe(true);
    expect((await api("GET", "/api/tools", undefined, "wrong")).status).toBe(401);
  });

  it("serves each tool's JSON Schema generated from the protocol's schema, which also checks calls", async () => {
    const response = await api("GET", "/api/tools");
    const { tools } = (await response.json()) as {
      tools: { name: string; input_schema: Record<string, any> }[];
    };
    const shell = tools.find((t) => t.name === "interactive_shell")!.input_schema;
    // One source: what is served is exactly what zod makes of the schema that validates calls.
    expect(shell).toEqual(z.toJSONSchema(InteractiveShellRequestSchema, TOOL_JSON_SCHEMA_OPTIONS));
    // And it is a JSON Schema an MCP client or an LLM API takes as it is.
    expect(shell).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      additionalProperties: false,
      properties: {
        cols: { type: "integer", minimum: 2, maximum: 1000, description: expect.any(String) },
        timeout_ms: { type: "integer", minimum: 100, maximum: 300000 },
        viewer_role: { enum: ["viewer", "writer"] },
        host: { type: "string", pattern: "^[A-Za-z0-9._-]{1,64}$" },
      },
    });
    expect(shell.required).toBeUndefined();
    for (const tool of tools) {
      expect(tool.input_schema.type, tool.name).toBe("object");
      for (const [field, schema] of Object.entries(tool.input_schema.properties)) {
        expect((schema as { description?: string }).description, `${tool.name}.${field}`).toEqual(
          expect.any(String),
        );
      }
    }
    const sendInput = tools.find((t) => t.name === "send_input")!.input_schema;
    expect(sendInput.required).toEqual(["session_id", "input"]);
    // A body the served schema refuses is refused by the route, naming the field.
    const refused = await tool("interactive_shell", { rows: 2.5, timeout_ms: 50 });
    expect(refused).toEqual({
      status: 400,
      body: {
        error: {
          code: "invalid_request",
          message:
            "rows: expected an integer from 1 to 500, got 2.5; timeout_ms: expected an integer from 100 to 300000, got 50",
        },
      },
    });
  });

  it("runs the seed's flow in exactly one session, and a late viewer sees the output replayed", async () => {
    await FakeRunnerHost.connect("seed-host");
    const before = (await listDurableObjectIds(env.SESSIONS)).length;
    const { status, body } = await tool("interactive_shell", {
      initial_command: "whoami",
      host: "seed-host",
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      success: true,
      status: "completed",
      exit_code: 0,
      output: "sandbox\n",
      output_truncated: false,
      note: "Output is visible in the terminal panel.",
    });
    expect(body.viewer).toMatchObject({
      role: "writer",
      token: expect.any(String),
      url: expect.stringContaining(body.session_id),
    });
    expect((await listDurableObjectIds(env.SESSIONS)).length).toBe(before + 1);
    const viewer = await connectViewer(body.session_id, body.viewer.token);
    autoAck(viewer);
    await viewer.message("live");
    expect(viewer.text()).toContain("whoami\r\n");
    expect(viewer.text()).toContain("sandbox\r\n");
    expect(viewer.end()).toBeGreaterThanOrEqual(body.offsets.end);
    expect((await listDurableObjectIds(env.SESSIONS)).length).toBe(before + 1);
  });

  it("reports exit codes, prompts that wait for input, and commands still running at the timeout", async () => {
    await FakeRunnerHost.connect("codes");
    const failed = await tool("interactive_shell", { initial_command: "false", host: "codes" });
    expect(failed.body).toMatchObject({ status: "completed", exit_code: 1, output: "" });
    const id = failed.body.session_id;
    const asking = await tool("interactive_shell", {
      initial_command: "read -p 'Continue? [y/N] '",
      session_id: id,
    });
    expect(asking.body).toMatchObject({
      status: "awaiting_input",
      exit_code: null,
      output: "Continue? [y/N] ",
    });
    const answered = await tool("send_input", { session_id: id, input: "y\n" });
    expect(answered.body).toMatchObject({ status: "completed", exit_code: 0 });
    expect(answered.body.output).toContain("yes!");
    const sleeping = await tool("interactive_shell", {
      initial_command: "sleep 30",
      session_id: id,
      timeout_ms: 300,
    });
    expect(sleeping.body).toMatchObject({ status: "running", exit_code: null });
    const busy = await tool("interactive_shell", { initial_command: "whoami", session_id: id });
    expect(busy).toMatchObject({ status: 409, body: { error: { code: "busy" } } });
    const interrupted = await tool("send_input", { session_id: id, input: "\u0003" });
    expect(interrupted.body).toMatchObject({ status: "completed", exit_code: 130 });
  });

  it("never runs two calls into one session at once", async () => {
    await FakeRunnerHost.connect("twice");
    const first = await tool("interactive_shell", { host: "twice" });
    const id = first.body.session_id;
    const [a, b] = await Promise.all([
      tool("interactive_shell", { session_id: id, initial_command: "sleep 1", timeout_ms: 500 }),
      tool("interactive_shell", { session_id: id, initial_command: "whoami" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a.body, b.body].find((x) => x.error)?.error.code).toBe("busy");
  });

  it("reads output since an offset with a rendering of the screen", async () => {
    await FakeRunnerHost.connect("reader");
    const ran = await tool("interactive_shell", { initial_command: "whoami", host: "reader" });
    const read = await tool("read_output", {
      session_id: ran.body.session_id,
      since_offset: ran.body.offsets.start,
    });
    expect(read.status).toBe(200);
    expect(read.body.output).toContain("sandbox");
    expect(read.body.screen.split("\n")).toEqual([
      "Welcome to the fake shell",
      "sandbox$ whoami",
      "sandbox",
      "sandbox$",
    ]);
  });

  it("answers every error with JSON and the right status", async () => {
    await FakeRunnerHost.connect("errors");
    const malformed = await api("POST", "/api/tools/interactive_shell", "{nope");
    expect([malformed.status, await malformed.json()]).toEqual([
      400,
      { error: { code: "malformed_json", message: expect.any(String) } },
    ]);
    expect(await tool("interactive_shell", { cols: "80" })).toMatchObject({
      status: 400,
      body: {
        error: {
          code: "invalid_request",
          message: 'cols: expected an integer from 2 to 1000, got the string "80"',
        },
      },
    });
    expect(await tool("interactive_shell", { colour: "red" })).toMatchObject({
      status: 400,
      body: { error: { message: 'unknown field "colour"' } },
    });
    expect(await tool("send_input", { session_id: "x" })).toMatchObject({
      status: 400,
      body: { error: { message: "input: required, expected a string of 1 to 65536 characters" } },
    });
    expect((await tool("interactive_shell", { initial_command: "whoami" }, "wrong")).status).toBe(
      401,
    );
    expect(
      await tool("send_input", { session_id: "AAAAAAAAAAAAAAAAAAAAAAAAAAA", input: "y" }),
    ).toMatchObject({ status: 404, body: { error: { code: "session_not_found" } } });
    const noRunner = await tool("interactive_shell", {
      initial_command: "whoami",
      host: "nowhere",
    });
    expect(noRunner).toMatchObject({ status: 503, body: { error: { code: "no_runner" } } });
    expect(noRunner.body.error.message).toContain("npx @edge-web-terminal/pty-runner --url");
    const opened = await tool("interactive_shell", { host: "errors" });
    expect((await tool("close_session", { session_id: opened.body.session_id })).status).toBe(200);
    expect(
      await tool("interactive_shell", {
        session_id: opened.body.session_id,
        initial_command: "whoami",
      }),
    ).toMatchObject({ status: 409, body: { error: { code: "session_ended" } } });
    expect((await tool("close_session", { session_id: opened.body.session_id })).status).toBe(409);
    expect(
      await tool("interactive_shell", { session_id: opened.body.session_id, cwd: "/tmp" }),
    ).toMatchObject({ status: 400 });
    expect((await tool("no_such_tool", {})).status).toBe(404);
  });
});

describe("a runner that cannot start the shell", () => {
  it("makes interactive_shell answer 409 with the runner's reason, not a timeout", async () => {
    const control = await connectRunnerControl("full-host");
    control.ws.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data));
      if (message.type === "open") {
        control.sendText({
          type: "open-failed",
          sessionId: message.sessionId,
          message: "max sessions (1) reached",
        });
      }
    });
    const started = Date.now();
    const result = await tool("interactive_shell", {
      initial_command: "whoami",
      host: "full-host",
    });
    expect(result.status).toBe(409);
    expect(result.body.error).toMatchObject({ code: "session_exited" });
    expect(result.body.error.message).toContain("max sessions (1) reached");
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
