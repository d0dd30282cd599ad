/** REST routes for sessions: create, list, describe, mint join tokens, end, who typed what, the commands that ran, and the recording. */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import {
  JoinGrantRequestSchema,
  NewSessionRequestSchema,
  RevokeTokenRequestSchema,
} from "../../protocol/index.ts";
import {
  bearerToken,
  demandScope,
  requireScope,
  type ApiEnv,
  type Caller,
} from "../auth/bearer.ts";
import { isJoinTokenShaped, verifyJoinBearer, type JoinBearer } from "../auth/join-bearer.ts";
import { joinTokenId } from "../auth/token-id.ts";
import { verifyAnyJoinToken } from "../auth/verify-join.ts";
import { ApiError } from "../http/errors.ts";
import { readJsonBody } from "../http/read-json.ts";
import {
  createSession,
  describeSession,
  endSession,
  grantJoin,
  listSessions,
  ownedSession,
  SESSION_LIST_LIMIT,
  sessionStub,
} from "../sessions/session-service.ts";
import { KEPT_COMMANDS } from "../../durable-objects/terminal-session/command-log.ts";
import { AsciicastWriter, type RecordingPage } from "../sessions/asciicast.ts";

/** The route that takes a join token as well as a key: which one was verified. */
type RecordingEnv = ApiEnv & { Variables: { join?: JoinBearer } };
type SessionStub = NonNullable<Awaited<ReturnType<typeof sessionStub>>>;

/** Output read per call to the session while streaming a recording. */
const RECORDING_PAGE_BYTES = 1024 * 1024;

/**
 * Mounted at /api. Every route needs an API key: sessions:run to create, end or mint writer
 * links, sessions:read to look. A session of another tenant is 404, as an unknown one is. The
 * recording alone also takes a join token for its session (see readOrJoin).
 */
export const sessionsRoutes = new Hono<ApiEnv>();

const run = requireScope("sessions:run");
const read = requireScope("sessions:read");

sessionsRoutes.post("/sessions", run, async (c) => {
  const body = await readJsonBody(c.req.raw, NewSessionRequestSchema);
  const session = await createSession(c.env, c.get("caller").tenant, body);
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

/** The caller's tenant's sessions that have not ended, newest first (`?limit=`, 1–200, default 50). */
sessionsRoutes.get("/sessions", read, async (c) => {
  const raw = c.req.query("limit") ?? "50";
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > SESSION_LIST_LIMIT) {
    const expected = `expected an integer from 1 to ${SESSION_LIST_LIMIT}`;
    throw new ApiError(400, "invalid_request", `limit: ${expected}, got ${JSON.stringify(raw)}`);
  }
  return c.json({ sessions: await listSessions(c.env, c.get("caller").tenant, limit) });
});

sessionsRoutes.get("/sessions/:id", read, async (c) =>
  c.json(await describeSession(c.env, c.get("caller").tenant, c.req.param("id"))),
);

sessionsRoutes.post("/sessions/:id/tokens", read, async (c) => {
  const id = c.req.param("id");
  const body = await readJsonBody(c.req.raw, JoinGrantRequestSchema);
  const role = body.role ?? "viewer";
  // A writer link types into the shell: only a key that may run commands can hand one out.
  if (role === "writer") demandScope(c.get("caller"), "sessions:run");
  const info = await describeSession(c.env, c.get("caller").tenant, id);
  if (info.state === "ended") throw new ApiError(409, "session_ended", "the session has ended");
  const origin = new URL(c.req.url).origin;
  return c.json(await grantJoin(c.env, origin, id, role, body.ttl_seconds), 201);
});

/**
 * `{token}`: revokes one join link of this session before its expiry (edge-minted or a product's
 * JWT): its open sockets close with 4401 and it is refused from then on.
 */
sessionsRoutes.post("/sessions/:id/revoke-token", run, async (c) => {
  const id = c.req.param("id");
  const body = await readJsonBody(c.req.raw, RevokeTokenRequestSchema);
  const { stub } = await ownedSession(c.env, c.get("caller").tenant, id);
  const check = await verifyAnyJoinToken(c.env, body.token, Math.floor(Date.now() / 1000));
  if (!check.ok)
    throw new ApiError(400, "invalid_request", `not a live join token: ${check.reason}`);
  if (check.claims.sessionId !== id) {
    throw new ApiError(400, "invalid_request", "this join token is for another session");
  }
  const closed = await stub.revokeToken(await joinTokenId(body.token), check.claims.expiresAt);
  return c.json({ revoked: true, closed_sockets: closed });
});

sessionsRoutes.delete("/sessions/:id", run, async (c) => {
  await endSession(c.env, c.get("caller").tenant, c.req.param("id"), "closed through the API");
  return c.json({ success: true });
});

/** Who typed into the session: runs of input by an agent call or a writer, oldest first. */
sessionsRoutes.get("/sessions/:id/inputs", read, async (c) => {
  const id = c.req.param("id");
  const { stub } = await ownedSession(c.env, c.get("caller").tenant, id);
  const inputs = await stub.inputs(200);
  if (!inputs) throw new ApiError(404, "session_not_found", `no session with id "${id}"`);
  return c.json({ inputs });
});

/**
 * The commands the shell ran, oldest first (`?after=N`: those numbered above N, default 0;
 * `?limit=`: 1–1000, default 1000), with the shell's name and whether it prints marks at all.
 */
sessionsRoutes.get("/sessions/:id/commands", read, async (c) => {
  const id = c.req.param("id");
  const after = queryInteger(c.req.query("after"), "after", 0, Number.MAX_SAFE_INTEGER, 0);
  const limit = queryInteger(c.req.query("limit"), "limit", 1, KEPT_COMMANDS, KEPT_COMMANDS);
  const stub = await sessionStub(c.env, id);
  const list = stub ? await stub.commands(c.get("caller").tenant, after, limit) : null;
  if (!list || !list.ok) {
    if (list?.code === "session_ended") throw new ApiError(409, list.code, list.message);
    throw new ApiError(404, "session_not_found", `no session with id "${id}"`);
  }
  return c.json({ shell: list.shell, marks: list.marks, commands: list.commands });
});

/**
 * An API key with sessions:read, or a join token for this very session (viewer or writer: either
 * sees the output anyway), so the join page can replay what it was shown. A join token is
 * recognised by its shape and never tried as an API key.
 */
const readOrJoin = createMiddleware<RecordingEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (token === null || !isJoinTokenShaped(token)) return read(c, next);
  c.set("join", await verifyJoinBearer(c.env, token, c.req.param("id") ?? ""));
  await next();
});

/**
 * The session's retained output as an asciicast v2 recording (see worker/sessions/asciicast.ts),
 * streamed page by page up to where the output ended when the request came.
 */
sessionsRoutes.get("/sessions/:id/recording", readOrJoin, async (c) => {
  const id = c.req.param("id");
  const stub = await sessionStub(c.env, id);
  if (!stub) throw new ApiError(404, "session_not_found", `no session with id "${id}"`);
  const tenant = await readerTenant(stub, c.get("join"), c.get("caller"));
  const first = await stub.recordingPage(tenant, 0, RECORDING_PAGE_BYTES);
  if (!first.ok && first.code === "session_ended") {
    throw new ApiError(409, first.code, first.message);
  }
  if (!first.ok) throw new ApiError(404, "session_not_found", `no session with id "${id}"`);
  const writer = new AsciicastWriter(first.createdAt);
  const stopAt = first.historyEnd;
  const encoder = new TextEncoder();
  let page: RecordingPage | null = first;
  let end = first.start;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`${writer.header(first.size)}\n`));
    },
    async pull(controller) {
      if (!page) {
        const next = await stub.recordingPage(tenant, end, RECORDING_PAGE_BYTES);
        // The session ended meanwhile: the recording stops where its output was deleted.
        page = next.ok && next.end > end ? next : null;
      }
      const lines = page ? writer.page(page) : [];
      if (page) end = page.end;
      if (!page || end >= stopAt) {
        lines.push(...writer.finish());
        if (lines.length > 0) controller.enqueue(encoder.encode(`${lines.join("\n")}\n`));
        controller.close();
        return;
      }
      page = null;
      if (lines.length > 0) controller.enqueue(encoder.encode(`${lines.join("\n")}\n`));
    },
  });
  return new Response(body, { headers: { "Content-Type": "application/x-asciicast" } });
});

/**
 * The tenant a recording is read as: the API key's, or, for a join token, the session's own once
 * the session admits the token (not revoked; a JWT of its own tenant).
 */
async function readerTenant(
  stub: SessionStub,
  join: JoinBearer | undefined,
  caller: Caller,
): Promise<string> {
  if (!join) return caller.tenant;
  const admitted = await stub.admitJoinToken(join.tokenId, join.claims.tenant ?? null);
  if (!admitted.ok) throw new ApiError(admitted.status, admitted.code, admitted.message);
  return admitted.tenant;
}

/** A query parameter that must be an integer in [min, max]; `fallback` when it is absent. */
function queryInteger(
  raw: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    const expected = `expected an integer from ${min} to ${max}`;
    throw new ApiError(400, "invalid_request", `${name}: ${expected}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
