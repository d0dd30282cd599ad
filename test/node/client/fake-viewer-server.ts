/** A fake session for client tests: a real `ws` server on 127.0.0.1 that scripts what a viewer sees. */
import { WebSocketServer, type WebSocket } from "ws";
import type { AddressInfo } from "node:net";
import {
  encodeKeyframeFrame,
  encodeOutputFrame,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  parseOfferedSubprotocols,
  type Role,
  type SessionToViewer,
} from "../../../protocol/index.ts";
import { waitFor } from "../../harness/wait.ts";

/** One viewer connection as the fake session sees it. */
export class ViewerPeer {
  readonly socket: WebSocket;
  readonly url: URL;
  readonly token: string | null;
  /** Text messages received, heartbeats excluded. */
  readonly texts: string[] = [];
  /** Binary frames received. */
  readonly frames: Uint8Array[] = [];
  heartbeats = 0;
  closed: { code: number; reason: string } | null = null;

  constructor(socket: WebSocket, url: URL, token: string | null, answerHeartbeats: boolean) {
    this.socket = socket;
    this.url = url;
    this.token = token;
    socket.on("message", (data, isBinary) => {
      if (isBinary) {
        this.frames.push(new Uint8Array(data as Buffer));
        return;
      }
      const text = data.toString();
      if (text === HEARTBEAT_REQUEST) {
        this.heartbeats += 1;
        if (answerHeartbeats) socket.send(HEARTBEAT_REPLY);
        return;
      }
      this.texts.push(text);
    });
    socket.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  /** The `offset` query parameter the viewer connected with. */
  get offset(): number | null {
    const value = this.url.searchParams.get("offset");
    return value === null ? null : Number(value);
  }

  /** Control messages received, parsed. */
  get messages(): { type: string; [key: string]: unknown }[] {
    return this.texts.map((t) => JSON.parse(t) as { type: string });
  }

  send(message: SessionToViewer): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Sends a welcome as the session object would. */
  welcome(
    options: {
      role?: Role;
      start?: number;
      end?: number;
      replayFrom?: number;
      runner?: "online" | "offline";
      /** Announces a keyframe; replayFrom defaults to its offset. */
      keyframe?: { offset: number; cols: number; rows: number };
    } = {},
  ): void {
    const start = options.start ?? 0;
    const end = options.end ?? 0;
    this.send({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      sessionId: this.url.pathname.split("/")[3] ?? "",
      role: options.role ?? "writer",
      state: "running",
      history: { start, end },
      replayFrom:
        options.replayFrom ?? options.keyframe?.offset ?? Math.max(this.offset ?? start, start),
      ...(options.keyframe ? { keyframe: options.keyframe } : {}),
      size: { cols: 80, rows: 24 },
      runner: options.runner ?? "online",
      exit: null,
      lease: null,
    });
  }

  output(offset: number, text: string | Uint8Array): void {
    const data = typeof text === "string" ? new TextEncoder().encode(text) : text;
    this.socket.send(encodeOutputFrame(offset, data));
  }

  /** Sends a KEYFRAME frame: `text` rebuilds a cols×rows terminal's state after `offset` bytes. */
  keyframe(offset: number, cols: number, rows: number, text: string): void {
    this.socket.send(encodeKeyframeFrame(offset, cols, rows, new TextEncoder().encode(text)));
  }

  close(code: number, reason = ""): void {
    this.socket.close(code, reason);
  }
}

/** A WebSocket server that accepts viewers on /api/sessions/:id/connect. */
export class FakeViewerServer {
  readonly peers: ViewerPeer[] = [];
  /** Answer HEARTBEAT_REQUEST with HEARTBEAT_REPLY, as the session's auto-response does. */
  answerHeartbeats = true;
  #server: WebSocketServer;

  private constructor(server: WebSocketServer) {
    this.#server = server;
    server.on("connection", (socket, request) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const offered = parseOfferedSubprotocols(request.headers["sec-websocket-protocol"] ?? null);
      this.peers.push(new ViewerPeer(socket, url, offered.token, this.answerHeartbeats));
    });
  }

  /** Starts on a free port. */
  static async start(): Promise<FakeViewerServer> {
    const server = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      // Echo the version subprotocol, as the Worker does; never the credential.
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    return new FakeViewerServer(server);
  }

  /** The http origin a client is given as `server`. */
  get origin(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Waits for the n-th connection (1-based). */
  async peer(n: number): Promise<ViewerPeer> {
    return waitFor(() => this.peers[n - 1], { what: `viewer connection #${n}` });
  }

  async stop(): Promise<void> {
    for (const client of this.#server.clients) client.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
