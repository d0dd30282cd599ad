/** The MCP server at /mcp: the agent tools of /api/tools, from the same schemas and the same code, over MCP's Streamable HTTP transport, authorised by an API key. */
// Why the SDK's low-level Server with its Web-standard transport, stateless, on a Hono route, and
// not Cloudflare's `agents` (McpAgent): every tool call is already stateless at this layer (the
// session's state lives in its own Durable Object, named by session_id), so an MCP session object
// per client would add a Durable Object class, a storage migration and a hop per call, and pin
// each client to one object, for nothing the tools need. Stateless, any Worker instance answers
// any request; the transport runs on Request/Response, as Workers do. The low-level Server (not
// McpServer) lets the tools keep their zod/mini schemas: tools/list serves the same JSON Schemas
// as GET /api/tools, and tools/call checks arguments with the same schemas (run-tool.ts).
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
} from "@modelcontextprotocol/sdk/types.js";
import { Hono } from "hono";
import { requireScope, type ApiEnv, type Caller } from "../auth/bearer.ts";
import { ApiError } from "../http/errors.ts";
import { runTool } from "../tools/run-tool.ts";
import { isToolName, toolDefinitions } from "../tools/tool-definitions.ts";

/** What the server calls itself in MCP's `initialize`. */
export const MCP_SERVER_INFO = { name: "edge-web-terminal", version: "0.1.0" } as const;

/** Mounted at /mcp. Any valid API key may connect; each tool call needs that tool's scope. */
export const mcpRoutes = new Hono<ApiEnv>();

mcpRoutes.all("/", requireScope("sessions:read"), async (c) => {
  const server = mcpServer(c.env, c.get("caller"), new URL(c.req.url).origin);
  // No session ids (stateless) and plain JSON answers: a tool call is one request and one response.
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  return transport.handleRequest(c.req.raw);
});

/** An MCP server for one request, acting for `caller`. */
function mcpServer(env: Env, caller: Caller, origin: string): Server {
  const server = new Server(MCP_SERVER_INFO, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: toolDefinitions().map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: tool.input_schema as { type: "object" },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    try {
      if (!isToolName(name)) {
        throw new ApiError(404, "unknown_tool", `no tool "${name}"; tools/list lists them`);
      }
      const result = await runTool(env, caller, origin, name, args ?? {});
      return { content: [{ type: "text", text: JSON.stringify(result) }] };
    } catch (error) {
      // A refused call is a tool result the model can read, as MCP asks; anything else is a bug.
      if (!(error instanceof ApiError)) throw error;
      const body = { success: false, error: { code: error.code, message: error.message } };
      return { isError: true, content: [{ type: "text", text: JSON.stringify(body) }] };
    }
  });
  return server;
}
