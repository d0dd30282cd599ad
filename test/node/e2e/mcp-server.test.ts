/** The MCP server through the real stack with the official TypeScript MCP client (Client + StreamableHTTPClientTransport): list the tools, run whoami, reuse the session, answer a prompt with send_input; keys and scopes hold as on the REST API. */
import { execFileSync } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

/** A connected MCP client using `key` as its bearer token, as MCP clients are configured. */
async function connect(key: string): Promise<Client> {
  const client = new Client({ name: "e2e-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", stack.url), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

/** A tool call's result, parsed from its one text block. */
async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<{ isError: boolean; body: Record<string, any> }> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0]!.type).toBe("text");
  return { isError: result.isError === true, body: JSON.parse(content[0]!.text) };
}

describe("the MCP server", () => {
  it("runs the seed's flow: tools listed from the same schemas, whoami, the same session again, a prompt answered", async () => {
    const client = await connect(stack.secrets.API_TOKEN);
    expect(client.getServerVersion()).toMatchObject({ name: "edge-web-terminal" });

    const { tools } = await client.listTools();
    const rest = await stack.api("GET", "/api/tools");
    expect(tools.map((tool) => tool.name)).toEqual(rest.body.tools.map((t: any) => t.name));
    for (const tool of tools) {
      const same = rest.body.tools.find((t: any) => t.name === tool.name);
      expect(tool.inputSchema).toEqual(same.input_schema);
      expect(tool.description).toBe(same.description);
    }

    const me = execFileSync("whoami").toString();
    const first = await call(client, "interactive_shell", { initial_command: "whoami" });
    expect(first.isError).toBe(false);
    expect(first.body).toMatchObject({
      success: true,
      status: "completed",
      exit_code: 0,
      output: me,
    });
    const id = first.body.session_id as string;
    expect(first.body.viewer.url).toContain(id);

    const again = await call(client, "interactive_shell", {
      session_id: id,
      initial_command: "echo $((6*7)); cd /tmp; pwd",
    });
    expect(again.body).toMatchObject({ session_id: id, status: "completed", output: "42\n/tmp\n" });

    const asked = await call(client, "interactive_shell", {
      session_id: id,
      initial_command: 'read -p "Continue? [y/N] " answer; echo "you said $answer"',
    });
    expect(asked.body.status).toBe("awaiting_input");
    expect(asked.body.output).toContain("Continue? [y/N] ");
    const answered = await call(client, "send_input", { session_id: id, input: "y\n" });
    expect(answered.body).toMatchObject({ status: "completed", exit_code: 0 });
    expect(answered.body.output).toContain("you said y");

    const read = await call(client, "read_output", { session_id: id });
    expect(read.body.screen).toContain("you said y");

    const listed = await call(client, "list_sessions", {});
    expect(listed.body.sessions.map((session: any) => session.id)).toContain(id);
    const commands = await call(client, "list_commands", { session_id: id });
    expect(commands.body.commands.map((c: any) => c.text)).toEqual([
      "whoami",
      "echo $((6*7)); cd /tmp; pwd",
      'read -p "Continue? [y/N] " answer; echo "you said $answer"',
    ]);
    const whoami = await call(client, "read_output", { session_id: id, command: 1 });
    expect(whoami.body.output).toBe(me);
    await client.close();
  });

  it("returns a refused call as a tool error the model can read, naming the field or the reason", async () => {
    const client = await connect(stack.secrets.API_TOKEN);
    const bad = await call(client, "interactive_shell", { initial_command: "true", cols: 1 });
    expect(bad.isError).toBe(true);
    expect(bad.body.error.code).toBe("invalid_request");
    expect(bad.body.error.message).toContain("cols");
    const missing = await call(client, "read_output", { session_id: "no-such-session" });
    expect(missing.isError).toBe(true);
    expect(missing.body.error.code).toBe("session_not_found");
    await client.close();
  });

  it("is stateless: initialize issues no Mcp-Session-Id", async () => {
    const response = await fetch(new URL("/mcp", stack.url), {
      method: "POST",
      headers: {
        Authorization: `Bearer ${stack.secrets.API_TOKEN}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    const body = await response.json();
    expect(body.result.serverInfo.name).toBe("edge-web-terminal");
  });

  it("refuses a wrong key before any tool runs, and a read-only key's run calls", async () => {
    await expect(connect("not-a-key")).rejects.toThrow(/401|unauthorized/i);
    const minted = await stack.api("POST", "/api/keys", {
      name: "reader",
      scopes: ["sessions:read"],
    });
    expect(minted.status).toBe(201);
    const client = await connect(minted.body.key);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    const refused = await call(client, "interactive_shell", { initial_command: "true" });
    expect(refused.isError).toBe(true);
    expect(refused.body.error).toMatchObject({ code: "forbidden" });
    expect(refused.body.error.message).toContain("sessions:run");
    await client.close();
  });
});
