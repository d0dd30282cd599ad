/** A fake edge for runner tests: the hub and session sides of the protocol on 127.0.0.1, real WebSockets. */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import {
  CloseCode,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  parseOfferedSubprotocols,
  parseRunnerHubMessage,
} from "../../protocol/index.ts";
import type { HubToRunner, RunnerToHub } from "../../protocol/index.ts";
import { FakeSession } from "./fake-session.ts";
import type { FakeSessionOptions } from "./fake-session.ts";
import { waitFor } from "./wait.ts";

/** Options of the fake edge. */
export interface FakeEdgeOptions {
  /** The token runners must offer. */
  runnerToken: string;
  /** Port to listen on (default: a free one). */
  port?: number;
}

/** What `openSession` sends besides the id. */
export interface OpenOptions extends FakeSessionOptions {
  cwd?: string | null;
  env?: Record<string, string>;
  /** Send these fields instead of the well-formed ones (malformed-open tests). */
  raw?: Record<string, unknown>;
}

type Hello = Extract<RunnerToHub, { type: "hello" }>;

/**
 * Routes exactly as the Worker does: `/api/runners/{host}/connect` (control) and
 * `/api/sessions/{id}/runner` (data). A wrong token or version is refused the way the Worker
 * refuses it: the upgrade completes, then the socket closes with 4401 / 4001.
 */
export class FakeEdge {
  readonly url: string;
  readonly sessions = new Map<string, FakeSession>();
  readonly hellos: Hello[] = [];
  /** Close codes the edge used to refuse connections. */
  readonly refusals: number[] = [];
  /** Control-connection close codes as the edge saw them. */
  readonly controlCloses: { code: number; reason: string }[] = [];
  /** Malformed messages runners sent on control connections. */
  readonly controlViolations: string[] = [];
  /** Hosts whose control connections get no answers at all (heartbeat tests). */
  readonly silentHosts = new Set<string>();
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #token: string;
  readonly #control = new Map<string, WebSocket>();
  #controlConnections = 0;

  private constructor(server: Server, wss: WebSocketServer, token: string) {
    this.#server = server;
    this.#wss = wss;
    this.#token = token;
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    wss.on("connection", (ws, request) => this.#onConnection(ws, request));
  }

  /** Starts listening on a free port of 127.0.0.1. */
  static async start(options: FakeEdgeOptions): Promise<FakeEdge> {
    const server = createServer((_req, res) => res.writeHead(426).end());
    const wss = new WebSocketServer({
      server,
      // Echo the version the runner offered, as the Worker does; never the token.
      handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", resolve);
    });
    return new FakeEdge(server, wss, options.runnerToken);
  }

  /** How many control connections were accepted so far (reconnect tests). */
  get controlConnections(): number {
    return this.#controlConnections;
  }

  /** Whether `host` has a live control connection. */
  hasRunner(host: string): boolean {
    const ws = this.#control.get(host);
    return ws !== undefined && ws.readyState === ws.OPEN;
  }

  /** Waits for a runner of `host` to connect and say hello. */
  waitForRunner(host: string, timeoutMs = 10_000): Promise<Hello> {
    return waitFor(() => this.hasRunner(host) && this.hellos.findLast((h) => h.host === host), {
      timeoutMs,
      what: `a runner for host ${host}`,
    });
  }

  /** Creates a session for `host` and asks its runner to open it. */
  openSession(host: string, options: OpenOptions = {}): FakeSession {
    const id = randomBytes(20).toString("base64url").slice(0, 27);
    const session = new FakeSession(id, host, options);
    this.sessions.set(id, session);
    const size = session.size;
    const message = options.raw ?? {
      type: "open",
      sessionId: id,
      cols: size.cols,
      rows: size.rows,
      cwd: options.cwd ?? null,
      env: options.env ?? {},
    };
    if (!this.sendToRunner(host, message)) throw new Error(`no runner for host ${host}`);
    return session;
  }

  /** Sends a raw message on `host`'s control connection. */
  sendToRunner(host: string, message: HubToRunner | Record<string, unknown> | string): boolean {
    const ws = this.#control.get(host);
    if (!ws || ws.readyState !== ws.OPEN) return false;
    ws.send(typeof message === "string" ? message : JSON.stringify(message));
    return true;
  }

  /** Drops `host`'s control connection abruptly. */
  killControl(host: string): void {
    this.#control.get(host)?.terminate();
  }

  /** Closes `host`'s control connection with a code. */
  closeControl(host: string, code: number, reason = ""): void {
    this.#control.get(host)?.close(code, reason);
  }

  /** Stops the server and drops every connection. */
  async stop(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onConnection(ws: WebSocket, request: IncomingMessage): void {
    const offered = parseOfferedSubprotocols(request.headers["sec-websocket-protocol"] ?? null);
    if (!offered.versions.includes(SUBPROTOCOL))
      return this.#refuse(ws, CloseCode.PROTOCOL_VERSION_UNSUPPORTED);
    if (offered.token !== this.#token) return this.#refuse(ws, CloseCode.UNAUTHORIZED);
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const control = /^\/api\/runners\/([^/]+)\/connect$/.exec(path);
    if (control) return this.#onControl(ws, decodeURIComponent(control[1]!));
    const data = /^\/api\/sessions\/([^/]+)\/runner$/.exec(path);
    if (data) return this.#onData(ws, decodeURIComponent(data[1]!));
    this.#refuse(ws, CloseCode.SESSION_NOT_FOUND);
  }

  #refuse(ws: WebSocket, code: number): void {
    this.refusals.push(code);
    ws.close(code, "refused by the fake edge");
  }

  #onControl(ws: WebSocket, host: string): void {
    this.#control.get(host)?.close(CloseCode.REPLACED, "another runner connected for this host");
    this.#control.set(host, ws);
    this.#controlConnections++;
    ws.on("close", (code, reason) => {
      this.controlCloses.push({ code, reason: reason.toString() });
      if (this.#control.get(host) === ws) this.#control.delete(host);
    });
    if (this.silentHosts.has(host)) return;
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? "" : data.toString();
      if (text === HEARTBEAT_REQUEST) return void ws.send(HEARTBEAT_REPLY);
      const parsed = parseRunnerHubMessage(text);
      if (!parsed.ok) return void this.controlViolations.push(parsed.error);
      const message = parsed.message;
      if (message.type === "hello") this.hellos.push(message);
      else {
        const session = this.sessions.get(message.sessionId);
        if (session) session.openFailed = message.message;
      }
    });
    ws.send(
      JSON.stringify({ type: "welcome", protocol: PROTOCOL_VERSION, host } satisfies HubToRunner),
    );
  }

  #onData(ws: WebSocket, sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) return this.#refuse(ws, CloseCode.SESSION_NOT_FOUND);
    if (session.ended) return this.#refuse(ws, CloseCode.SESSION_ENDED);
    session.attach(ws);
  }
}
