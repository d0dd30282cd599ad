/** The agent tool API: GET /api/tools lists the tools, POST /api/tools/<name> runs one (worker/tools/run-tool.ts). */
import { Hono } from "hono";
import { requireScope, type ApiEnv } from "../auth/bearer.ts";
import { ApiError } from "../http/errors.ts";
import { readJsonObject } from "../http/read-json.ts";
import { runTool } from "../tools/run-tool.ts";
import { isToolName, toolDefinitions, toolNamed } from "../tools/tool-definitions.ts";

/** Mounted at /api/tools. Listing needs sessions:read; each tool its own scope (tool-definitions.ts). */
export const toolsRoutes = new Hono<ApiEnv>();

toolsRoutes.get("/", requireScope("sessions:read"), (c) => c.json({ tools: toolDefinitions() }));

const toolScope = requireScope((c) => {
  const name = c.req.param("name") ?? "";
  return isToolName(name) ? toolNamed(name).scope : "sessions:read";
});

toolsRoutes.post("/:name", toolScope, async (c) => {
  const name = c.req.param("name");
  if (!isToolName(name))
    throw new ApiError(404, "unknown_tool", `no tool "${name}"; GET /api/tools lists them`);
  const args = await readJsonObject(c.req.raw);
  return c.json(await runTool(c.env, c.get("caller"), new URL(c.req.url).origin, name, args));
});
