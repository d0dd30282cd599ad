/** Creating, finding and ending sessions, and minting join tokens: shared by the REST and tools APIs. */
import {
  DEFAULT_COLS,
  DEFAULT_ROWS,
  checkTerminalSize,
  isValidHostName,
  joinLink,
  type JoinGrant,
  type Role,
  type TerminalSize,
} from "../../protocol/index.ts";
import { HUB_NAME } from "../../durable-objects/runner-hub/runner-hub.ts";
import type { SessionInfo } from "../../durable-objects/terminal-session/session-meta.ts";
import { isMintedSessionId, mintSessionId } from "../auth/session-id.ts";
import { signJoinToken } from "../auth/join-token.ts";
import { readConfig } from "../config.ts";
import { ApiError } from "../http/errors.ts";

/** What a caller may say about a new session. */
export interface NewSession {
  host?: string | undefined;
  cwd?: string | undefined;
  cols?: number | undefined;
  rows?: number | undefined;
}

/** The RunnerHub stub. */
export function runnerHub(env: Env) {
  return env.RUNNER_HUB.get(env.RUNNER_HUB.idFromName(HUB_NAME));
}

/** The session's stub, only for ids this deployment minted: nothing is created for others. */
export async function sessionStub(env: Env, sessionId: string) {
  if (!(await isMintedSessionId(env.SESSION_SECRET, sessionId))) return null;
  return env.SESSIONS.get(env.SESSIONS.idFromName(sessionId));
}

/** The session's summary; 404 if unknown. */
export async function describeSession(env: Env, sessionId: string): Promise<SessionInfo> {
  const stub = await sessionStub(env, sessionId);
  const info = stub ? await stub.describe() : null;
  if (!info) throw new ApiError(404, "session_not_found", `no session with id "${sessionId}"`);
  return info;
}

/** Picks the host: the one asked for, else the only connected one, else "local". */
export async function resolveHost(env: Env, requested: string | undefined): Promise<string> {
  if (requested !== undefined) {
    if (!isValidHostName(requested)) {
      throw new ApiError(
        400,
        "invalid_request",
        "host must be 1-64 characters of letters, digits, '.', '_' or '-'",
      );
    }
    return requested;
  }
  const hosts = await runnerHub(env).listHosts();
  return hosts.length === 1 && hosts[0] ? hosts[0].host : "local";
}

/** Creates a session and asks its host's runner to start the shell. */
export async function createSession(
  env: Env,
  request: NewSession,
): Promise<{ id: string; host: string; size: TerminalSize }> {
  const host = await resolveHost(env, request.host);
  const checked = checkTerminalSize(request.cols ?? DEFAULT_COLS, request.rows ?? DEFAULT_ROWS);
  if (!checked.ok) throw new ApiError(400, "invalid_request", checked.error);
  const id = await mintSessionId(env.SESSION_SECRET);
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(id));
  const created = await stub.create({ id, host, cwd: request.cwd ?? null, size: checked.size });
  if (!created.ok) throw new ApiError(409, "conflict", created.error);
  const opened = await runnerHub(env).openSession({
    sessionId: id,
    host,
    cols: checked.size.cols,
    rows: checked.size.rows,
    cwd: request.cwd ?? null,
    env: {},
  });
  if (!opened.ok) {
    await stub.discard();
    throw new ApiError(503, "no_runner", opened.message);
  }
  return { id, host, size: checked.size };
}

/** Ends a session; 404 if unknown, 409 if it had already ended. */
export async function endSession(env: Env, sessionId: string, reason: string): Promise<void> {
  const stub = await sessionStub(env, sessionId);
  const info = stub ? await stub.describe() : null;
  if (!stub || !info)
    throw new ApiError(404, "session_not_found", `no session with id "${sessionId}"`);
  if (!(await stub.end(reason)))
    throw new ApiError(409, "session_ended", "the session has already ended");
}

/** Mints a join token for a role. */
export async function grantJoin(
  env: Env,
  origin: string,
  sessionId: string,
  role: Role,
  ttlSeconds?: number,
): Promise<JoinGrant> {
  const ttl = ttlSeconds ?? readConfig(env).joinTokenTtlSeconds;
  const expiresAt = Math.floor(Date.now() / 1000) + ttl;
  const token = await signJoinToken(env.SESSION_SECRET, { sessionId, role, expiresAt });
  return {
    role,
    token,
    expires_at: new Date(expiresAt * 1000).toISOString(),
    url: joinLink(origin, { sessionId, token }),
  };
}
