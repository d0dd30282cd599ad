/** Creating, finding and ending sessions, and minting join tokens: shared by the REST and tools APIs. */
import {
  DEFAULT_COLS,
  DEFAULT_ROWS,
  isValidHostName,
  joinLink,
  type JoinGrant,
  type Role,
  type TerminalSize,
} from "../../protocol/index.ts";
import { tenantDirectoryName } from "../../durable-objects/tenant-directory/tenant-directory.ts";
import { hostHubName, type HostStatus } from "../../durable-objects/runner-hub/runner-hub.ts";
import type { SessionInfo } from "../../durable-objects/terminal-session/session-meta.ts";
import { isMintedSessionId, mintSessionId } from "../auth/session-id.ts";
import { signJoinToken } from "../auth/join-token.ts";
import { readConfig } from "../config.ts";
import { ApiError } from "../http/errors.ts";

/** What a caller may say about a new session (checked by NewSessionRequestSchema or the tool's schema). */
export interface NewSession {
  host?: string | undefined;
  cwd?: string | undefined;
  cols?: number | undefined;
  rows?: number | undefined;
}

/** The hub object of one of `tenant`'s hosts (its credential, its runner's control connection). */
export function hostHub(env: Env, tenant: string, host: string) {
  return env.RUNNER_HUB.get(env.RUNNER_HUB.idFromName(hostHubName(tenant, host)));
}

/** The directory of a tenant: its API keys and host names. */
export function tenantDirectory(env: Env, tenant: string) {
  return env.TENANT_DIRECTORY.get(env.TENANT_DIRECTORY.idFromName(tenantDirectoryName(tenant)));
}

/** Every host of the tenant, as its own object reports it, in name order. */
export async function listHosts(env: Env, tenant: string): Promise<HostStatus[]> {
  const names = await tenantDirectory(env, tenant).list();
  const statuses = await Promise.all(names.map((name) => hostHub(env, tenant, name).status()));
  return statuses.filter((status): status is HostStatus => status !== null);
}

/** The session's stub, only for ids this deployment minted: nothing is created for others. */
export async function sessionStub(env: Env, sessionId: string) {
  if (!(await isMintedSessionId(env.SESSION_SECRET, sessionId))) return null;
  return env.SESSIONS.get(env.SESSIONS.idFromName(sessionId));
}

/**
 * The session's summary; 404 if unknown or another tenant's (the same answer: a key learns nothing
 * about sessions that are not its tenant's).
 */
export async function describeSession(
  env: Env,
  tenant: string,
  sessionId: string,
): Promise<SessionInfo> {
  return (await ownedSession(env, tenant, sessionId)).info;
}

/** The stub and summary of one of `tenant`'s sessions; 404 otherwise. */
export async function ownedSession(env: Env, tenant: string, sessionId: string) {
  const stub = await sessionStub(env, sessionId);
  const info = stub ? await stub.describe() : null;
  if (!stub || !info || info.tenant !== tenant) {
    throw new ApiError(404, "session_not_found", `no session with id "${sessionId}"`);
  }
  return { stub, info };
}

/** Picks the host: the one asked for, else the only one whose runner is online, else "local". */
export async function resolveHost(
  env: Env,
  tenant: string,
  requested: string | undefined,
): Promise<string> {
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
  const online = (await listHosts(env, tenant)).filter((status) => status.runner === "online");
  return online.length === 1 && online[0] ? online[0].host : "local";
}

/** Creates a session and asks its host's runner to start the shell. */
export async function createSession(
  env: Env,
  tenant: string,
  request: NewSession,
): Promise<{ id: string; host: string; size: TerminalSize }> {
  const host = await resolveHost(env, tenant, request.host);
  const size: TerminalSize = {
    cols: request.cols ?? DEFAULT_COLS,
    rows: request.rows ?? DEFAULT_ROWS,
  };
  const id = await mintSessionId(env.SESSION_SECRET);
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(id));
  const created = await stub.create({
    id,
    tenant,
    host,
    cwd: request.cwd ?? null,
    size,
  });
  if (!created.ok) throw new ApiError(409, "conflict", created.error);
  const opened = await hostHub(env, tenant, host).openSession({
    sessionId: id,
    host,
    cols: size.cols,
    rows: size.rows,
    cwd: request.cwd ?? null,
    env: {},
  });
  if (!opened.ok) {
    await stub.discard();
    throw new ApiError(503, "no_runner", opened.message);
  }
  await tenantDirectory(env, tenant).addSession({ id, host, createdAt: Date.now() });
  return { id, host, size };
}

/** Most sessions one listing returns. */
export const SESSION_LIST_LIMIT = 200;

/**
 * The tenant's sessions that have not ended, newest first, each as its own object describes it
 * (one call per session: a listing is for a person or an agent coming back, not a hot path).
 * Sessions whose objects say they ended are forgotten by the directory on the way.
 */
export async function listSessions(
  env: Env,
  tenant: string,
  limit: number,
): Promise<SessionInfo[]> {
  const directory = tenantDirectory(env, tenant);
  const live: SessionInfo[] = [];
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const entries = await directory.listSessions(limit, before);
    const infos = await Promise.all(
      entries.map(async (entry) => (await sessionStub(env, entry.id))?.describe() ?? null),
    );
    const gone = entries.filter((_, i) => {
      const info = infos[i];
      return !info || info.state === "ended" || info.tenant !== tenant;
    });
    if (gone.length > 0) await directory.removeSessions(gone.map((entry) => entry.id));
    for (const info of infos) {
      if (info && info.state !== "ended" && info.tenant === tenant) live.push(info);
    }
    if (live.length >= limit || entries.length < limit) return live.slice(0, limit);
    before = entries[entries.length - 1]!.createdAt;
  }
}

/** Ends a session; 404 if unknown, 409 if it had already ended. */
export async function endSession(
  env: Env,
  tenant: string,
  sessionId: string,
  reason: string,
): Promise<void> {
  const { stub } = await ownedSession(env, tenant, sessionId);
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
    // PUBLIC_ORIGIN when set: the request's Host header is the client's to choose.
    url: joinLink(readConfig(env).publicOrigin ?? origin, { sessionId, token }),
  };
}
