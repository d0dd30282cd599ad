/**
 * The RunnerHub Durable Object, one per host: keeps the hash of the host's credential, holds its
 * runner's control connection, knows from heartbeats whether that runner is alive, asks it to
 * open sessions, and reports the sessions a restarted runner no longer has.
 */
import { DurableObject } from "cloudflare:workers";
import {
  CloseCode,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  MAX_CONTROL_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  RUNNER_UNRESPONSIVE_MS,
  parseRunnerHubMessage,
  type HubToRunner,
  type RunnerState,
} from "../../protocol/index.ts";
import {
  credentialMatches,
  mintHostCredential,
  type StoredCredential,
} from "../../worker/auth/host-credentials.ts";
import { isMintedSessionId } from "../../worker/auth/session-id.ts";
import { refuseWebSocket } from "../../worker/http/refuse-socket.ts";
import { OpenedSessions } from "./opened-sessions.ts";

/** Header carrying the host name the route named. */
export const HOST_HEADER = "x-webterm-host";
/** Header carrying the tenant the runner's credential names. */
export const TENANT_HEADER = "x-webterm-tenant";
/** Header carrying the secret part of the credential the runner presented (checked here). */
export const HOST_SECRET_HEADER = "x-webterm-host-secret";
/** Header carrying the subprotocol to echo. */
export const HUB_SUBPROTOCOL_HEADER = "x-webterm-subprotocol";

/** The name of the hub object of `tenant`'s `host` (tenants never share a host object). */
export function hostHubName(tenant: string, host: string): string {
  return `host:${tenant}/${host}`;
}

/** What the hub says about its host, on every surface (hosts list, tool errors). */
export interface HostStatus {
  host: string;
  /** The credential's public fingerprint, or null: none minted, or revoked. */
  credential: { fingerprint: string; createdAt: string } | null;
  /** online: heartbeats arrive; unresponsive: connected but silent for 4 s; offline: no runner. */
  runner: RunnerState;
  version: string | null;
  maxSessions: number | null;
  connectedAt: string | null;
}

/** What the API asks a runner to open. */
export interface OpenRequest {
  sessionId: string;
  host: string;
  cols: number;
  rows: number;
  cwd: string | null;
  env: Record<string, string>;
}

/** Whether a runner took the request. */
export type OpenResult = { ok: true } | { ok: false; error: "no_runner"; message: string };

interface ControlAttachment {
  host: string;
  version: string | null;
  maxSessions: number | null;
  connectedAt: number;
  /** Unique per control connection: tells which `open`s its `hello` may have crossed. */
  connection: string;
}

const CREDENTIAL_KEY = "credential";
const HOST_KEY = "host";
const TENANT_KEY = "tenant";

/** One host: its credential, its runner's control connection, the sessions it was asked to open. */
export class RunnerHub extends DurableObject<Env> {
  #opened: OpenedSessions;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#opened = new OpenedSessions(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(
      new WebSocketRequestResponsePair(HEARTBEAT_REQUEST, HEARTBEAT_REPLY),
    );
  }

  /**
   * Accepts a runner's control connection if its credential is this host's; a new connection
   * replaces the old one (only ever a connection of this same host: the credential proved it).
   */
  override async fetch(request: Request): Promise<Response> {
    const host = request.headers.get(HOST_HEADER);
    const tenant = request.headers.get(TENANT_HEADER) ?? "";
    const secret = request.headers.get(HOST_SECRET_HEADER) ?? "";
    const subprotocol = request.headers.get(HUB_SUBPROTOCOL_HEADER);
    if (!host) return refuseWebSocket(CloseCode.PROTOCOL_ERROR, "missing host name", subprotocol);
    const refused = await this.#checkSecret(tenant, host, secret);
    if (refused) return refuseWebSocket(CloseCode.UNAUTHORIZED, refused, subprotocol);
    for (const old of this.ctx.getWebSockets()) {
      old.close(CloseCode.REPLACED, "another runner connected for this host");
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    const attachment: ControlAttachment = {
      host,
      version: null,
      maxSessions: null,
      connectedAt: Date.now(),
      connection: crypto.randomUUID(),
    };
    server.serializeAttachment(attachment);
    server.send(
      JSON.stringify({ type: "welcome", protocol: PROTOCOL_VERSION, host } satisfies HubToRunner),
    );
    const headers = new Headers();
    if (subprotocol) headers.set("Sec-WebSocket-Protocol", subprotocol);
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /** Why `secret` does not prove this host (null: it does). The reason never echoes the secret. */
  async verifySecret(tenant: string, host: string, secret: string): Promise<string | null> {
    return this.#checkSecret(tenant, host, secret);
  }

  /**
   * Mints the host's credential, replacing any earlier one: the runner that used the old one is
   * cut off (control and every session's data connection). Returns the credential, once.
   */
  async mintCredential(
    tenant: string,
    host: string,
  ): Promise<{ credential: string; fingerprint: string; createdAt: string; rotated: boolean }> {
    const rotated = this.#stored() !== null;
    const { credential, stored } = await mintHostCredential(tenant, host, Date.now());
    this.ctx.storage.kv.put(TENANT_KEY, tenant);
    this.ctx.storage.kv.put(HOST_KEY, host);
    this.ctx.storage.kv.put(CREDENTIAL_KEY, stored);
    if (rotated) await this.#cutRunner(`the credential of host "${host}" was replaced`);
    return {
      credential,
      fingerprint: stored.fingerprint,
      createdAt: new Date(stored.createdAt).toISOString(),
      rotated,
    };
  }

  /**
   * Revokes the host's credential: its runner is closed with 4401, its sessions' runner goes
   * offline, and no session can be opened here until a new credential is minted.
   * Returns false when there was nothing to revoke.
   */
  async revokeCredential(): Promise<boolean> {
    const host = this.#host();
    if (this.#stored() === null || host === null) return false;
    this.ctx.storage.kv.delete(CREDENTIAL_KEY);
    await this.#cutRunner(`the credential of host "${host}" was revoked`);
    return true;
  }

  /** The host as every surface shows it. Null for a host that never had a credential. */
  async status(): Promise<HostStatus | null> {
    const host = this.#host();
    if (host === null) return null;
    const stored = this.#stored();
    const ws = this.#liveSocket();
    const att = ws ? (ws.deserializeAttachment() as ControlAttachment) : null;
    return {
      host,
      credential: stored
        ? { fingerprint: stored.fingerprint, createdAt: new Date(stored.createdAt).toISOString() }
        : null,
      runner: this.#runnerState(),
      version: att?.version ?? null,
      maxSessions: att?.maxSessions ?? null,
      connectedAt: att ? new Date(att.connectedAt).toISOString() : null,
    };
  }

  /** Asks the host's runner to open a session; it then connects to the session by itself. */
  async openSession(request: OpenRequest): Promise<OpenResult> {
    const host = request.host;
    if (this.#stored() === null) {
      return {
        ok: false,
        error: "no_runner",
        message: `host "${host}" has no runner credential (never minted, or revoked): mint one with POST /api/hosts {"host":"${host}"} and start the runner with it: npx @edge-web-terminal/pty-runner --url <this server> --token-file <file with the credential>`,
      };
    }
    const ws = this.#liveSocket();
    const state = this.#runnerState();
    if (!ws || state === "offline") {
      return {
        ok: false,
        error: "no_runner",
        message: `no runner is connected for host "${host}"; start one with: npx @edge-web-terminal/pty-runner --url <this server> --token-file <file with the host's credential>`,
      };
    }
    if (state === "unresponsive") {
      return {
        ok: false,
        error: "no_runner",
        message: `the runner for host "${host}" is not responding (no heartbeat for ${RUNNER_UNRESPONSIVE_MS / 1000} s)`,
      };
    }
    const { host: _host, ...open } = request;
    ws.send(JSON.stringify({ type: "open", ...open } satisfies HubToRunner));
    const att = ws.deserializeAttachment() as ControlAttachment;
    this.#opened.record(host, request.sessionId, att.connection, Date.now());
    return { ok: true };
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string")
      return this.#error(ws, "bad_frame", "the control connection carries JSON text only");
    if (message.length > MAX_CONTROL_MESSAGE_BYTES) {
      ws.close(CloseCode.MESSAGE_TOO_BIG, "control message too big");
      return;
    }
    if (message === HEARTBEAT_REQUEST) return;
    const parsed = parseRunnerHubMessage(message);
    if (!parsed.ok) return this.#error(ws, "bad_message", parsed.error);
    const msg = parsed.message;
    if (msg.type === "hello") {
      const att = ws.deserializeAttachment() as ControlAttachment;
      const maxSessions = typeof msg.maxSessions === "number" ? msg.maxSessions : null;
      ws.serializeAttachment({
        ...att,
        version: msg.version,
        maxSessions,
      } satisfies ControlAttachment);
      await this.#reportLost(att, msg.sessions);
    } else {
      // Only sessions this host was asked to open: a runner speaks for its own host alone.
      if (!this.#opened.has(msg.sessionId)) {
        return this.#error(ws, "not_yours", `session ${msg.sessionId} was not opened on this host`);
      }
      this.#opened.forget(msg.sessionId);
      if (!(await isMintedSessionId(this.env.SESSION_SECRET, msg.sessionId))) return;
      await this.env.SESSIONS.get(this.env.SESSIONS.idFromName(msg.sessionId)).spawnFailed(
        msg.message,
      );
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code >= 3000 && code <= 4999 ? code : 1000, "closed");
    } catch {
      // Already closed.
    }
  }

  async #checkSecret(tenant: string, host: string, secret: string): Promise<string | null> {
    const stored = this.#stored();
    const ownTenant = this.ctx.storage.kv.get(TENANT_KEY) as string | undefined;
    if (stored === null || this.#host() !== host || ownTenant !== tenant) {
      return `host "${host}" has no runner credential (never minted, or revoked)`;
    }
    if (!(await credentialMatches(secret, stored))) {
      return `this is not the current credential of host "${host}" (wrong, or replaced)`;
    }
    return null;
  }

  // Everything the old credential opened is closed: the control connection and every session's
  // data connection (a runner holding a stolen credential must not keep typing or reading).
  async #cutRunner(reason: string): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) ws.close(CloseCode.UNAUTHORIZED, reason);
    await Promise.all(
      this.#opened.all().map(async (sessionId) => {
        try {
          await this.env.SESSIONS.get(this.env.SESSIONS.idFromName(sessionId)).dropRunner(reason);
        } catch (error) {
          console.error(`could not cut the runner of session ${sessionId}: ${String(error)}`);
        }
      }),
    );
  }

  // A runner's `hello` lists every shell it still has; a session it was asked to open and lacks
  // died with an earlier runner process, and would otherwise wait for its idle timeout.
  async #reportLost(att: ControlAttachment, present: string[]): Promise<void> {
    const lost = this.#opened.missing(att.host, att.connection, present, Date.now());
    const reason = `the runner on host "${att.host}" restarted without this shell`;
    await Promise.all(
      lost.map(async (sessionId) => {
        try {
          await this.env.SESSIONS.get(this.env.SESSIONS.idFromName(sessionId)).lost(reason);
          this.#opened.forget(sessionId);
        } catch (error) {
          // Kept: the runner's next hello tries again.
          console.error(`could not report session ${sessionId} lost: ${String(error)}`);
        }
      }),
    );
  }

  // Heartbeats are answered by the runtime without waking the object; their timestamp says when
  // the runner was last heard.
  #runnerState(): RunnerState {
    const ws = this.#liveSocket();
    if (!ws) return "offline";
    const att = ws.deserializeAttachment() as ControlAttachment;
    const beat = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
    const heard = Math.max(beat, att.connectedAt);
    return Date.now() - heard > RUNNER_UNRESPONSIVE_MS ? "unresponsive" : "online";
  }

  #liveSocket(): WebSocket | null {
    return this.ctx.getWebSockets().find((ws) => ws.readyState === WebSocket.OPEN) ?? null;
  }

  #stored(): StoredCredential | null {
    return (this.ctx.storage.kv.get(CREDENTIAL_KEY) as StoredCredential | undefined) ?? null;
  }

  #host(): string | null {
    return (this.ctx.storage.kv.get(HOST_KEY) as string | undefined) ?? null;
  }

  #error(ws: WebSocket, code: string, message: string): void {
    ws.send(JSON.stringify({ type: "error", code, message } satisfies HubToRunner));
  }
}
