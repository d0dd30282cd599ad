/**
 * The TerminalSession Durable Object: one per session. It wires sockets (runner, viewers) and
 * SQLite storage to the session's logic (history, fan-out, messages, tool calls, lifetime).
 */
import { DurableObject } from "cloudflare:workers";
import {
  CloseCode,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  PROTOCOL_VERSION,
  type ExitStatus,
  type Role,
  type SessionToViewer,
} from "../../protocol/index.ts";
import { readConfig, type Config } from "../../worker/config.ts";
import { refuseWebSocket } from "../../worker/http/refuse-socket.ts";
import { OutputHistory } from "./output-history.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { handleRunnerMessage } from "./runner-messages.ts";
import { endReasonAt, nextAlarmAt, runnerSilent, tombstoneExpired } from "./session-lifetime.ts";
import {
  loadMeta,
  newMeta,
  saveMeta,
  type SessionInfo,
  type SessionInit,
  type SessionMeta,
} from "./session-meta.ts";
import { sendToRunner, type SessionPort } from "./session-port.ts";
import {
  AttachmentCache,
  RUNNER_TAG,
  VIEWER_TAG,
  type RunnerAttachment,
  type ViewerAttachment,
} from "./socket-attachments.ts";
import { createChunkTable, SqliteChunkStore } from "./sqlite-chunk-store.ts";
import { ToolRunner, type ToolRequest, type ToolResult } from "./tool-runner.ts";
import { pumpViewer, sendMessage } from "./viewer-fanout.ts";
import { handleViewerMessage } from "./viewer-messages.ts";

/** Headers the Worker sets after it has authenticated a socket; never taken from a client. */
export const PEER_HEADER = "x-webterm-peer";
export const ROLE_HEADER = "x-webterm-role";
export const OFFSET_HEADER = "x-webterm-offset";
export const SUBPROTOCOL_HEADER = "x-webterm-subprotocol";

/** Activity is written to storage at most this often (ms); idle deadlines are that coarse. */
const ACTIVITY_PERSIST_MS = 60_000;

/** Result of creating a session. */
export type CreateResult = { ok: true } | { ok: false; error: string };

/** One terminal session: its output history, its runner connection and its viewers. */
export class TerminalSession extends DurableObject<Env> {
  #config: Config;
  #attachments = new AttachmentCache();
  #limiter = new RateLimiter();
  #meta: SessionMeta | null | undefined;
  #history: OutputHistory | null = null;
  #activityPersistedAt = 0;
  #tools = new ToolRunner({
    history: () => this.#openHistory(),
    runner: () => this.#currentRunner(),
    exited: () => this.#loadMeta()?.exit != null,
    ended: () => this.#loadMeta()?.state === "ended",
  });
  /** What the message handlers may do; see session-port.ts. */
  #port: SessionPort = {
    attachments: this.#attachments,
    tools: this.#tools,
    meta: () => this.#loadMeta()!,
    saveMeta: (meta) => this.#saveMeta(meta),
    history: () => this.#openHistory(),
    runner: () => this.#currentRunner(),
    viewers: () => this.ctx.getWebSockets(VIEWER_TAG),
    replyingWriter: () => this.#replyingWriter(),
    broadcast: (message) => this.#broadcast(message),
    noteActivity: () => this.#noteActivity(),
    recordExit: (exit, reason) => this.#recordExit(exit, reason),
    scheduleAlarm: () => this.#scheduleAlarm(),
  };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    // Heartbeats are answered by the runtime without waking the object; the timestamp of the
    // last one tells the alarm whether the runner is still there.
    ctx.setWebSocketAutoResponse(
      new WebSocketRequestResponsePair(HEARTBEAT_REQUEST, HEARTBEAT_REPLY),
    );
  }

  // ----- RPC from the Worker ------------------------------------------------------------------

  /** Creates the session. Only the API calls this; joining never does. */
  async create(init: SessionInit): Promise<CreateResult> {
    if (this.#loadMeta()) return { ok: false, error: "session already exists" };
    createChunkTable(this.ctx.storage.sql);
    this.#saveMeta(newMeta(init, Date.now()));
    await this.#scheduleAlarm();
    return { ok: true };
  }

  /** The session's summary, or null if it was never created (and nothing is created by asking). */
  async describe(): Promise<SessionInfo | null> {
    const meta = this.#loadMeta();
    if (!meta) return null;
    const history = meta.state === "ended" ? { start: 0, end: 0 } : this.#openHistory();
    return {
      id: meta.id,
      host: meta.host,
      state: meta.state,
      createdAt: new Date(meta.createdAt).toISOString(),
      size: meta.size,
      history: { start: history.start, end: history.end },
      runner: this.#currentRunner() ? "online" : "offline",
      viewers: this.ctx.getWebSockets(VIEWER_TAG).length,
      exit: meta.exit,
      reason: meta.reason,
    };
  }

  /** Ends the session: the shell is killed, viewers are told, the output is deleted. */
  async end(reason: string): Promise<boolean> {
    const meta = this.#loadMeta();
    if (!meta || meta.state === "ended") return false;
    this.#endNow(reason);
    await this.#scheduleAlarm();
    return true;
  }

  /** Deletes a session that never became visible (the API could not find a runner for it). */
  async discard(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.#meta = null;
    this.#history = null;
  }

  /** The runner could not start the shell: the session fails with the runner's reason. */
  async spawnFailed(message: string): Promise<void> {
    const meta = this.#loadMeta();
    if (!meta || meta.state === "ended" || meta.exit) return;
    this.#recordExit(
      { code: null, signal: null },
      `the runner could not start the shell: ${message}`,
    );
    await this.#scheduleAlarm();
  }

  /** Runs an agent tool call (a command, or input) and waits for its outcome. */
  async runTool(
    request: ToolRequest,
  ): Promise<ToolResult | { ok: false; code: "session_not_found"; message: string }> {
    const meta = this.#loadMeta();
    if (!meta) return { ok: false, code: "session_not_found", message: "no such session" };
    if (meta.state === "ended") {
      const message = `the session has ended: ${meta.reason ?? "closed"}`;
      return { ok: false, code: "session_ended", message };
    }
    const result = await this.#tools.run(request);
    const after = this.#loadMeta();
    if (after?.state !== "ended") this.#noteActivity();
    // Say why the shell is gone when the runner told us (for example "max sessions reached").
    if (!result.ok && result.code === "session_exited" && after?.reason) {
      return { ...result, message: `${result.message}: ${after.reason}` };
    }
    return result;
  }

  /** Raw output bytes from `since` (clamped to the retained history), at most `maxBytes` from the end. */
  async readBytes(
    since: number,
    maxBytes: number,
  ): Promise<{ start: number; end: number; bytes: Uint8Array; trimmed: boolean } | null> {
    const meta = this.#loadMeta();
    if (!meta || meta.state === "ended") return null;
    const history = this.#openHistory();
    const wanted = Math.max(0, since);
    let from = Math.max(wanted, history.start);
    if (history.end - from > maxBytes) from = history.end - maxBytes;
    const chunks = history.read(from, history.end - from);
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.data.byteLength, 0));
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk.data, at);
      at += chunk.data.byteLength;
    }
    return { start: from, end: history.end, bytes, trimmed: from > wanted };
  }

  // ----- Socket upgrades (already authenticated by the Worker) --------------------------------

  override async fetch(request: Request): Promise<Response> {
    const subprotocol = request.headers.get(SUBPROTOCOL_HEADER);
    const meta = this.#loadMeta();
    if (!meta) return refuseWebSocket(CloseCode.SESSION_NOT_FOUND, "no such session", subprotocol);
    if (meta.state === "ended") {
      const reason = `session ended: ${meta.reason ?? "closed"}`;
      return refuseWebSocket(CloseCode.SESSION_ENDED, reason, subprotocol);
    }
    const peer = request.headers.get(PEER_HEADER);
    if (peer === "runner") return this.#acceptRunner(meta, subprotocol);
    if (peer === "viewer") {
      const role: Role = request.headers.get(ROLE_HEADER) === "writer" ? "writer" : "viewer";
      const offset = request.headers.get(OFFSET_HEADER);
      return this.#acceptViewer(meta, role, offset === null ? null : Number(offset), subprotocol);
    }
    return new Response("not found", { status: 404 });
  }

  #acceptViewer(
    meta: SessionMeta,
    role: Role,
    resumeFrom: number | null,
    subprotocol: string | null,
  ): Response {
    if (this.ctx.getWebSockets(VIEWER_TAG).length >= this.#config.maxViewers) {
      const reason = `this session already has ${this.#config.maxViewers} viewers`;
      return refuseWebSocket(CloseCode.TOO_MANY_VIEWERS, reason, subprotocol);
    }
    const history = this.#openHistory();
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [VIEWER_TAG]);
    const wanted =
      resumeFrom !== null && Number.isSafeInteger(resumeFrom) && resumeFrom >= 0
        ? resumeFrom
        : null;
    let from = Math.max(wanted ?? history.start, history.start);
    if (from > history.end) {
      const message = `offset ${from} is beyond the end of the output (${history.end}); replaying from the end`;
      sendMessage(server, { type: "error", code: "offset_ahead", message });
      from = history.end;
    }
    const attachment: ViewerAttachment = {
      kind: "viewer",
      role,
      sent: from,
      acked: from,
      live: false,
      connectedAt: Date.now(),
    };
    this.#attachments.set(server, attachment);
    sendMessage(server, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      sessionId: meta.id,
      role,
      state: meta.state,
      history: { start: history.start, end: history.end },
      replayFrom: from,
      size: meta.size,
      runner: this.#currentRunner() ? "online" : "offline",
      exit: meta.exit,
    } satisfies SessionToViewer);
    if (wanted !== null && wanted < history.start) {
      sendMessage(server, { type: "history-trimmed", requested: wanted, start: history.start });
    }
    pumpViewer(server, this.#attachments, history);
    return upgraded(client, subprotocol);
  }

  #acceptRunner(meta: SessionMeta, subprotocol: string | null): Response {
    const history = this.#openHistory();
    const generation = meta.runnerGeneration + 1;
    // Fencing: a newer runner connection wins; the old socket can never write again.
    for (const old of this.ctx.getWebSockets(RUNNER_TAG)) {
      old.close(CloseCode.REPLACED, "replaced by a newer runner connection");
    }
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [RUNNER_TAG]);
    const attachment: RunnerAttachment = { kind: "runner", generation, connectedAt: Date.now() };
    this.#attachments.set(server, attachment);
    const state = meta.state === "starting" ? "running" : meta.state;
    this.#saveMeta({ ...meta, runnerGeneration: generation, state });
    sendToRunner(server, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      generation,
      storedEnd: history.end,
      size: meta.size,
    });
    this.#broadcast({ type: "runner", state: "online" });
    void this.#scheduleAlarm();
    return upgraded(client, subprotocol);
  }

  // ----- Socket events ------------------------------------------------------------------------

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const att = this.#attachments.get(ws);
    const meta = this.#loadMeta();
    if (!att || !meta || meta.state === "ended") {
      ws.close(CloseCode.SESSION_ENDED, "session ended");
      return;
    }
    if (att.kind === "runner") {
      if (att.generation !== meta.runnerGeneration) {
        ws.close(CloseCode.REPLACED, "replaced by a newer runner connection");
        return;
      }
      handleRunnerMessage(this.#port, ws, message);
      return;
    }
    if (!this.#limiter.take(ws, Date.now())) {
      ws.close(CloseCode.RATE_LIMITED, "too many messages; slow down and reconnect");
      return;
    }
    handleViewerMessage(this.#port, ws, att, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const att = this.#attachments.get(ws);
    const meta = this.#loadMeta();
    if (
      att?.kind === "runner" &&
      meta?.state !== "ended" &&
      att.generation === meta?.runnerGeneration
    ) {
      this.#broadcast({ type: "runner", state: "offline" });
    }
    // Reciprocate the close; 1005/1006 must never be sent back.
    try {
      ws.close(code >= 3000 && code <= 4999 ? code : 1000, "closed");
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.webSocketClose(ws, 1011);
  }

  // ----- Lifetime -----------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    const meta = this.#loadMeta();
    if (!meta) return;
    const now = Date.now();
    if (tombstoneExpired(meta, now)) return this.discard();
    const runner = this.#currentRunner();
    if (runner) {
      const att = this.#attachments.get(runner);
      const lastBeat = this.ctx.getWebSocketAutoResponseTimestamp(runner)?.getTime() ?? 0;
      if (runnerSilent(Math.max(lastBeat, att?.connectedAt ?? 0, meta.lastActivityAt), now)) {
        runner.close(CloseCode.INTERNAL_ERROR, "no heartbeat from the runner");
        this.#broadcast({ type: "runner", state: "offline" });
      }
    }
    const reason = endReasonAt(meta, this.#config, now);
    if (reason) this.#endNow(reason);
    await this.#scheduleAlarm();
  }

  async #scheduleAlarm(): Promise<void> {
    const meta = this.#loadMeta();
    if (!meta) return;
    const at = nextAlarmAt(meta, this.#config, this.#currentRunner() !== null, Date.now());
    await this.ctx.storage.setAlarm(at);
  }

  #endNow(reason: string): void {
    const runner = this.#currentRunner();
    if (runner) {
      sendToRunner(runner, { type: "close", reason });
      runner.close(1000, "session ended");
    }
    const closeReason = `session ended: ${reason}`.slice(0, 120);
    for (const ws of this.ctx.getWebSockets(VIEWER_TAG))
      ws.close(CloseCode.SESSION_ENDED, closeReason);
    this.#tools.onExit(this.#history?.end ?? 0);
    this.ctx.storage.sql.exec("DROP TABLE IF EXISTS chunks");
    this.#history = null;
    this.#saveMeta({ ...this.#loadMeta()!, state: "ended", endedAt: Date.now(), reason });
  }

  #recordExit(exit: ExitStatus, reason: string | null): void {
    const end = this.#openHistory().end;
    this.#saveMeta({ ...this.#loadMeta()!, state: "exited", exit, exitedAt: Date.now(), reason });
    this.#tools.onExit(end);
    if (reason) this.#broadcast({ type: "error", code: "spawn_failed", message: reason });
    this.#broadcast({ type: "exit", exit, offset: end });
  }

  // ----- Helpers ------------------------------------------------------------------------------

  #loadMeta(): SessionMeta | null {
    if (this.#meta === undefined) {
      this.#meta = loadMeta(this.ctx.storage.kv);
      // Looking may have opened an empty database; leave nothing behind for a session that
      // does not exist, so asking never brings one into being.
      if (!this.#meta) void this.ctx.storage.deleteAll();
    }
    return this.#meta;
  }

  #saveMeta(meta: SessionMeta): void {
    this.#meta = meta;
    saveMeta(this.ctx.storage.kv, meta);
  }

  #openHistory(): OutputHistory {
    if (!this.#history) {
      createChunkTable(this.ctx.storage.sql);
      this.#history = new OutputHistory(new SqliteChunkStore(this.ctx.storage.sql), {
        capBytes: this.#config.historyCapBytes,
      });
    }
    return this.#history;
  }

  #noteActivity(): void {
    const now = Date.now();
    const meta = this.#loadMeta();
    if (!meta || now - this.#activityPersistedAt < ACTIVITY_PERSIST_MS) return;
    this.#activityPersistedAt = now;
    this.#saveMeta({ ...meta, lastActivityAt: now });
  }

  #currentRunner(): WebSocket | null {
    const generation = this.#loadMeta()?.runnerGeneration;
    for (const ws of this.ctx.getWebSockets(RUNNER_TAG)) {
      const att = this.#attachments.get(ws);
      const current = att?.kind === "runner" && att.generation === generation;
      if (current && ws.readyState === WebSocket.OPEN) return ws;
    }
    return null;
  }

  // The longest-connected writer answers terminal queries for everyone (see REPLY frames).
  #replyingWriter(): WebSocket | null {
    let best: WebSocket | null = null;
    let bestAt = Infinity;
    for (const ws of this.ctx.getWebSockets(VIEWER_TAG)) {
      const att = this.#attachments.get(ws);
      const writer = att?.kind === "viewer" && att.role === "writer";
      if (writer && ws.readyState === WebSocket.OPEN && att.connectedAt < bestAt) {
        best = ws;
        bestAt = att.connectedAt;
      }
    }
    return best;
  }

  #broadcast(message: SessionToViewer): void {
    const text = JSON.stringify(message);
    for (const ws of this.ctx.getWebSockets(VIEWER_TAG)) {
      try {
        ws.send(text);
      } catch {
        // Closing socket; nothing to tell it.
      }
    }
  }
}

function upgraded(client: WebSocket, subprotocol: string | null): Response {
  const headers = new Headers();
  if (subprotocol) headers.set("Sec-WebSocket-Protocol", subprotocol);
  return new Response(null, { status: 101, webSocket: client, headers });
}
