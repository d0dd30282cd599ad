/**
 * The RunnerHub Durable Object: holds every runner's control connection (one per host), asks
 * a host's runner to open a session, and reports the sessions a restarted runner no longer has.
 * One instance ("global") serves a deployment.
 */
import { DurableObject } from "cloudflare:workers";
import {
  CloseCode,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  MAX_CONTROL_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  parseRunnerHubMessage,
  type HubToRunner,
} from "../../protocol/index.ts";
import { isMintedSessionId } from "../../worker/auth/session-id.ts";
import { refuseWebSocket } from "../../worker/http/refuse-socket.ts";
import { OpenedSessions } from "./opened-sessions.ts";

/** Header carrying the (already authenticated) runner's host name. */
export const HOST_HEADER = "x-webterm-host";
/** Header carrying the subprotocol to echo. */
export const HUB_SUBPROTOCOL_HEADER = "x-webterm-subprotocol";

/** What the hub knows about a connected runner. */
export interface HostInfo {
  host: string;
  version: string | null;
  maxSessions: number | null;
  connectedAt: string;
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

const HOST_TAG_PREFIX = "host:";

/** Name of the single hub instance. */
export const HUB_NAME = "global";

/** Tracks runner control connections and relays "open a session" to them. */
export class RunnerHub extends DurableObject<Env> {
  #opened: OpenedSessions;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#opened = new OpenedSessions(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(
      new WebSocketRequestResponsePair(HEARTBEAT_REQUEST, HEARTBEAT_REPLY),
    );
  }

  /** Accepts a runner's control connection; a new connection for a host replaces the old one. */
  override async fetch(request: Request): Promise<Response> {
    const host = request.headers.get(HOST_HEADER);
    const subprotocol = request.headers.get(HUB_SUBPROTOCOL_HEADER);
    if (!host) return refuseWebSocket(CloseCode.PROTOCOL_ERROR, "missing host name", subprotocol);
    for (const old of this.ctx.getWebSockets(HOST_TAG_PREFIX + host)) {
      old.close(CloseCode.REPLACED, "another runner connected for this host");
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [HOST_TAG_PREFIX + host]);
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

  /** Hosts with a connected runner. */
  async listHosts(): Promise<HostInfo[]> {
    return this.#liveSockets().map((ws) => {
      const att = ws.deserializeAttachment() as ControlAttachment;
      return {
        host: att.host,
        version: att.version,
        maxSessions: att.maxSessions,
        connectedAt: new Date(att.connectedAt).toISOString(),
      };
    });
  }

  /** Asks the host's runner to open a session; it then connects to the session by itself. */
  async openSession(request: OpenRequest): Promise<OpenResult> {
    const ws = this.#liveSockets(request.host)[0];
    if (!ws) {
      return {
        ok: false,
        error: "no_runner",
        message: `no runner is connected for host "${request.host}"; start one with: npx pty-runner --url <this server> --host ${request.host} (RUNNER_TOKEN in its environment)`,
      };
    }
    const { host: _host, ...open } = request;
    ws.send(JSON.stringify({ type: "open", ...open } satisfies HubToRunner));
    const att = ws.deserializeAttachment() as ControlAttachment;
    this.#opened.record(request.host, request.sessionId, att.connection, Date.now());
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
      this.#opened.forget(msg.sessionId);
      // Only ids this deployment minted: a runner must not bring session objects into being.
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

  #liveSockets(host?: string): WebSocket[] {
    const sockets = host
      ? this.ctx.getWebSockets(HOST_TAG_PREFIX + host)
      : this.ctx.getWebSockets();
    return sockets.filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  #error(ws: WebSocket, code: string, message: string): void {
    ws.send(JSON.stringify({ type: "error", code, message } satisfies HubToRunner));
  }
}
