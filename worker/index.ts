/** The Worker: a thin Hono router over the API, the socket routes and the static client. */
import { Hono } from "hono";
import { readConfig } from "./config.ts";
import { errorBody, handleError } from "./http/errors.ts";
import { withSecurityHeaders } from "./http/security-headers.ts";
import { hostsRoutes } from "./routes/hosts-routes.ts";
import { keysRoutes } from "./routes/keys-routes.ts";
import { mcpRoutes } from "./routes/mcp-routes.ts";
import { sessionsRoutes } from "./routes/sessions-routes.ts";
import { socketRoutes } from "./routes/socket-routes.ts";
import { toolsRoutes } from "./routes/tools-routes.ts";

export { TerminalSession } from "../durable-objects/terminal-session/terminal-session.ts";
export { RunnerHub } from "../durable-objects/runner-hub/runner-hub.ts";
export { TenantDirectory } from "../durable-objects/tenant-directory/tenant-directory.ts";

const app = new Hono<{ Bindings: Env }>();

// Every response, the client's pages and assets included (the Worker runs first for all paths).
app.use("*", async (c, next) => {
  await next();
  c.res = withSecurityHeaders(c.res, readConfig(c.env).allowedOrigins);
});

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/api", socketRoutes);
app.route("/api", sessionsRoutes);
app.route("/api", hostsRoutes);
app.route("/api", keysRoutes);
app.route("/api/tools", toolsRoutes);
app.route("/mcp", mcpRoutes);
app.notFound((c) =>
  c.req.path.startsWith("/api/")
    ? c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404)
    : c.env.ASSETS.fetch(c.req.raw),
);
app.onError(handleError);

export default app;
