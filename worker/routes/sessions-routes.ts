/** REST routes for sessions: create, describe, mint join tokens, end, and who typed what. */
import { Hono } from "hono";
import type { Role } from "../../protocol/index.ts";
import { requireApiToken } from "../auth/bearer.ts";
import { ApiError } from "../http/errors.ts";
import { readJsonObject } from "../http/read-json.ts";
import {
  createSession,
  describeSession,
  endSession,
  grantJoin,
  sessionStub,
} from "../sessions/session-service.ts";

/** Mounted at /api. Every route needs the API token. */
export const sessionsRoutes = new Hono<{ Bindings: Env }>();

sessionsRoutes.use("/sessions", requireApiToken);
sessionsRoutes.use("/sessions/:id", requireApiToken);
sessionsRoutes.use("/sessions/:id/tokens", requireApiToken);
sessionsRoutes.use("/sessions/:id/inputs", requireApiToken);

sessionsRoutes.post("/sessions", async (c) => {
  const body = await readJsonObject(c.req.raw);
  const host = optionalString(body, "host");
  const cwd = optionalString(body, "cwd");
  const cols = optionalNumber(body, "cols");
  const rows = optionalNumber(body, "rows");
  const session = await createSession(c.env, { host, cwd, cols, rows });
  const origin = new URL(c.req.url).origin;
  return c.json(
    {
      session_id: session.id,
      host: session.host,
      size: session.size,
      writer: await grantJoin(c.env, origin, session.id, "writer"),
      viewer: await grantJoin(c.env, origin, session.id, "viewer"),
    },
    201,
  );
});

sessionsRoutes.get("/sessions/:id", async (c) =>
  c.json(await describeSession(c.env, c.req.param("id"))),
);

sessionsRoutes.post("/sessions/:id/tokens", async (c) => {
  const id = c.req.param("id");
  const body = await readJsonObject(c.req.raw);
  const role = body.role ?? "viewer";
  if (role !== "viewer" && role !== "writer") {
    throw new ApiError(400, "invalid_request", 'role must be "viewer" or "writer"');
  }
  const ttl = optionalNumber(body, "ttl_seconds");
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 60 || ttl > 7 * 24 * 3600)) {
    throw new ApiError(400, "invalid_request", "ttl_seconds must be an integer from 60 to 604800");
  }
  const info = await describeSession(c.env, id);
  if (info.state === "ended") throw new ApiError(409, "session_ended", "the session has ended");
  return c.json(await grantJoin(c.env, new URL(c.req.url).origin, id, role as Role, ttl), 201);
});

sessionsRoutes.delete("/sessions/:id", async (c) => {
  await endSession(c.env, c.req.param("id"), "closed through the API");
  return c.json({ success: true });
});

/** Who typed into the session: runs of input by an agent call or a writer, oldest first. */
sessionsRoutes.get("/sessions/:id/inputs", async (c) => {
  const id = c.req.param("id");
  const stub = await sessionStub(c.env, id);
  const inputs = stub ? await stub.inputs(200) : null;
  if (!inputs) throw new ApiError(404, "session_not_found", `no session with id "${id}"`);
  return c.json({ inputs });
});

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw new ApiError(400, "invalid_request", `${field} must be a string`);
  return value;
}

function optionalNumber(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ApiError(400, "invalid_request", `${field} must be a number`);
  }
  return value;
}
