/**
 * The TerminalSession Durable Object: one per session. It wires sockets (runner, viewers) and
 * SQLite storage to the output history, and owns the session's lifetime.
 */
import { DurableObject } from "cloudflare:workers";
import {
  CloseCode,
  FrameKind,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  MAX_CONTROL_MESSAGE_BYTES,
  MAX_INPUT_FRAME_BYTES,
  MAX_OUTPUT_FRAME_BYTES,
  PROTOCOL_VERSION,
  checkTerminalSize,
  decodeBinaryFrame,
  encodeInputFrame,
  parseRunnerMessage,
  parseViewerMessage,
  type ExitStatus,
  type Role,
  type SessionToRunner,
  type SessionToViewer,
} from "../../protocol/index.ts";
import { readConfig, type Config } from "../../worker/config.ts";
import { refuseWebSocket } from "../../worker/http/refuse-socket.ts";
import { OutputHistory } from "./output-history.ts";
import { RateLimiter } from "./rate-limiter.ts";
import {
  loadMeta,
  newMeta,
  saveMeta,
  type SessionInfo,
  type SessionInit,
  type SessionMeta,
} from "./session-meta.ts";
import {
  AttachmentCache,
  RUNNER_TAG,
  VIEWER_TAG,
  type RunnerAttachment,
  type ViewerAttachment,
} from "./socket-attachments.ts";
import { createChunkTable, SqliteChunkStore } from "./sqlite-chunk-store.ts";
import { ToolRunner, type ToolRequest, type ToolResult } from "./tool-runner.ts";
import { fanOutLive, pumpViewer, sendMessage } from "./viewer-fanout.ts";

/** Headers the Worker sets after it has authenticated a socket; never taken from a client. */
export const PEER_HEADER = "x-webterm-peer";
export const ROLE_HEADER = "x-webterm-role";
export const OFFSET_HEADER = "x-webterm-offset";
export const SUBPROTOCOL_HEADER = "x-webterm-subprotocol";

/**
 * An ended session keeps a tombstone (its meta, no output) this long, so joins say "ended".
 * It outlives the longest join token (7 days), so no valid token can reach a purged session.
 */
const TOMBSTONE_MS = 7 * 24 * 60 * 60 * 1000;
/** Activity is written to storage at most this often (ms); idle deadlines are that coarse. */
const ACTIVITY_PERSIST_MS = 60_000;
/** A runner silent for this long is considered gone. */
const RUNNER_SILENCE_MS = 3 * HEARTBEAT_INTERVAL_MS;

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
    const meta = newMeta(init, Date.now());
    createChunkTable(this.ctx.storage.sql);
    this.#saveMeta(meta);
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
    this.#endNow(meta, reason);
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
      meta,
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
    if (meta.state === "ended")
      return {
        ok: false,
        code: "session_ended",
        message: `the session has ended: ${meta.reason ?? "closed"}`,
      };
    const result = await this.#tools.run(request);
    this.#noteActivity(this.#loadMeta() ?? meta);
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
      return refuseWebSocket(
        CloseCode.SESSION_ENDED,
        `session ended: ${meta.reason ?? "closed"}`,
        subprotocol,
      );
    }
    const peer = request.headers.get(PEER_HEADER);
    if (peer === "runner") return this.#acceptRunner(meta, subprotocol);
    if (peer === "viewer") {
      const role: Role = request.headers.get(ROLE_HEADER) === "writer" ? "writer" : "viewer";
      const offsetText = request.headers.get(OFFSET_HEADER);
      return this.#acceptViewer(
        meta,
        role,
        offsetText === null ? null : Number(offsetText),
        subprotocol,
      );
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
      return refuseWebSocket(
        CloseCode.TOO_MANY_VIEWERS,
        `this session already has ${this.#config.maxViewers} viewers`,
        subprotocol,
      );
    }
    const history = this.#openHistory();
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [VIEWER_TAG]);
    const wanted =
      resumeFrom !== null && Number.isSafeInteger(resumeFrom) && resumeFrom >= 0
        ? resumeFrom
        : null;
    let from = Math.max(wanted ?? history.start, history.start);
    if (from > history.end) {
      sendMessage(server, {
        type: "error",
        code: "offset_ahead",
        message: `offset ${from} is beyond the end of the output (${history.end}); replaying from the end`,
      });
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
    this.#send(server, {
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
    });
    if (wanted !== null && wanted < history.start) {
      this.#send(server, { type: "history-trimmed", requested: wanted, start: history.start });
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
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [RUNNER_TAG]);
    const attachment: RunnerAttachment = { kind: "runner", generation, connectedAt: Date.now() };
    this.#attachments.set(server, attachment);
    const wasStarting = meta.state === "starting";
    this.#saveMeta({
      ...meta,
      runnerGeneration: generation,
      state: wasStarting ? "running" : meta.state,
    });
    this.#send(server, {
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

  // ----- Messages -----------------------------------------------------------------------------

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
      this.#onRunnerMessage(ws, meta, message);
    } else {
      if (!this.#limiter.take(ws, Date.now())) {
        ws.close(CloseCode.RATE_LIMITED, "too many messages; slow down and reconnect");
        return;
      }
      this.#onViewerMessage(ws, att, meta, message);
    }
  }

  #onViewerMessage(
    ws: WebSocket,
    att: ViewerAttachment,
    meta: SessionMeta,
    message: string | ArrayBuffer,
  ): void {
    if (typeof message !== "string") {
      const decoded = decodeBinaryFrame(message);
      if (!decoded.ok) return this.#error(ws, "bad_frame", decoded.error);
      if (decoded.frame.kind === FrameKind.OUTPUT) {
        return this.#error(ws, "bad_frame", "viewers may only send input and reply frames");
      }
      if (decoded.frame.data.byteLength > MAX_INPUT_FRAME_BYTES) {
        ws.close(
          CloseCode.MESSAGE_TOO_BIG,
          `input frames are limited to ${MAX_INPUT_FRAME_BYTES} bytes`,
        );
        return;
      }
      if (decoded.frame.kind === FrameKind.REPLY) {
        // Every xterm answers a query; forward one writer's answers only. Viewers' are dropped
        // silently: answering is automatic, not something a read-only person did.
        if (att.role !== "writer" || meta.exit || ws !== this.#replyingWriter()) return;
        this.#currentRunner()?.send(encodeInputFrame(decoded.frame.data));
        return;
      }
      if (!this.#mayWrite(ws, att, meta, "type")) return;
      const runner = this.#currentRunner();
      if (!runner)
        return this.#error(ws, "runner_offline", "the runner is offline; input was not delivered");
      runner.send(message);
      this.#noteActivity(meta);
      return;
    }
    if (message.length > MAX_CONTROL_MESSAGE_BYTES) {
      ws.close(
        CloseCode.MESSAGE_TOO_BIG,
        `control messages are limited to ${MAX_CONTROL_MESSAGE_BYTES} bytes`,
      );
      return;
    }
    const parsed = parseViewerMessage(message);
    if (!parsed.ok) return this.#error(ws, "bad_message", parsed.error);
    const msg = parsed.message;
    switch (msg.type) {
      case "ack": {
        if (msg.offset > att.sent || msg.offset < att.acked) {
          return this.#error(
            ws,
            "bad_ack",
            `ack ${msg.offset} is outside what was sent (${att.acked}..${att.sent})`,
          );
        }
        this.#attachments.set(ws, { ...att, acked: msg.offset });
        pumpViewer(ws, this.#attachments, this.#openHistory());
        return;
      }
      case "resize": {
        if (!this.#mayWrite(ws, att, meta, "resize")) return;
        const checked = checkTerminalSize(msg.cols, msg.rows);
        if (!checked.ok) return this.#error(ws, "bad_size", checked.error);
        // Size policy: the last writer to resize wins; everyone is told the new size.
        this.#saveMeta({ ...meta, size: checked.size });
        this.#currentRunner()?.send(
          JSON.stringify({ type: "resize", ...checked.size } satisfies SessionToRunner),
        );
        this.#broadcast({ type: "resize", ...checked.size });
        return;
      }
      case "signal": {
        if (!this.#mayWrite(ws, att, meta, "signal")) return;
        const runner = this.#currentRunner();
        if (!runner)
          return this.#error(
            ws,
            "runner_offline",
            "the runner is offline; the signal was not delivered",
          );
        runner.send(
          JSON.stringify({ type: "signal", signal: msg.signal } satisfies SessionToRunner),
        );
        return;
      }
    }
  }

  #mayWrite(ws: WebSocket, att: ViewerAttachment, meta: SessionMeta, what: string): boolean {
    if (att.role !== "writer") {
      this.#error(ws, "read_only", `this is a read-only (viewer) connection; it cannot ${what}`);
      return false;
    }
    if (meta.exit) {
      this.#error(
        ws,
        "exited",
        `the shell has exited (${describeExit(meta.exit)}); it cannot ${what} any more`,
      );
      return false;
    }
    return true;
  }

  #onRunnerMessage(ws: WebSocket, meta: SessionMeta, message: string | ArrayBuffer): void {
    if (typeof message !== "string") {
      const decoded = decodeBinaryFrame(message);
      if (!decoded.ok) return this.#error(ws, "bad_frame", decoded.error);
      if (decoded.frame.kind !== FrameKind.OUTPUT)
        return this.#error(ws, "bad_frame", "runners send output frames");
      if (decoded.frame.data.byteLength > MAX_OUTPUT_FRAME_BYTES) {
        return this.#error(
          ws,
          "frame_too_big",
          `output frames are limited to ${MAX_OUTPUT_FRAME_BYTES} bytes`,
        );
      }
      if (meta.exit) return; // Output after the exit was recorded cannot belong to this shell.
      const history = this.#openHistory();
      const result = history.append(decoded.frame.offset, decoded.frame.data);
      if (result.kind === "gap") {
        // Bytes are missing: make the runner reconnect, learn the stored end and resend.
        ws.close(CloseCode.PROTOCOL_ERROR, `gap in output: expected offset ${result.expected}`);
        return;
      }
      // The output gate holds this ack (and the fan-out) until the write above is durable.
      this.#send(ws, { type: "ack", offset: history.end });
      if (result.kind === "stored") {
        fanOutLive(
          this.ctx.getWebSockets(VIEWER_TAG),
          this.#attachments,
          result.offset,
          result.data,
        );
        this.#tools.onOutput(result.offset, result.data);
        this.#noteActivity(meta);
      }
      return;
    }
    if (message === HEARTBEAT_REQUEST) return; // Answered by the auto-response when hibernating.
    const parsed = parseRunnerMessage(message);
    if (!parsed.ok) return this.#error(ws, "bad_message", parsed.error);
    const msg = parsed.message;
    if (msg.type === "exit") {
      const end = this.#openHistory().end;
      if (msg.offset !== end) {
        ws.close(
          CloseCode.PROTOCOL_ERROR,
          `exit at offset ${msg.offset} but ${end} bytes are stored; resend`,
        );
        return;
      }
      if (!meta.exit) this.#recordExit(meta, msg.exit, null);
      this.#send(ws, { type: "close", reason: "exit recorded" });
      void this.#scheduleAlarm();
    } else {
      void this.spawnFailed(msg.message);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const att = this.#attachments.get(ws);
    if (att?.kind === "runner") {
      const meta = this.#loadMeta();
      if (meta && att.generation === meta.runnerGeneration && meta.state !== "ended") {
        this.#broadcast({ type: "runner", state: "offline" });
      }
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
    if (meta.state === "ended") {
      if (now >= (meta.endedAt ?? now) + TOMBSTONE_MS) await this.discard();
      else await this.#scheduleAlarm();
      return;
    }
    const runner = this.#currentRunner();
    if (runner) {
      const att = this.#attachments.get(runner);
      const lastBeat = this.ctx.getWebSocketAutoResponseTimestamp(runner)?.getTime() ?? 0;
      const lastSeen = Math.max(lastBeat, att?.connectedAt ?? 0, meta.lastActivityAt);
      if (now - lastSeen > RUNNER_SILENCE_MS) {
        runner.close(CloseCode.INTERNAL_ERROR, "no heartbeat from the runner");
        this.#broadcast({ type: "runner", state: "offline" });
      }
    }
    if (meta.exitedAt !== null && now >= meta.exitedAt + this.#config.exitedRetentionMs) {
      this.#endNow(meta, "the shell exited and its retention time elapsed");
    } else if (now >= meta.lastActivityAt + this.#config.idleTimeoutMs) {
      this.#endNow(meta, "idle for too long");
    }
    await this.#scheduleAlarm();
  }

  async #scheduleAlarm(): Promise<void> {
    const meta = this.#loadMeta();
    if (!meta) return;
    const deadlines: number[] = [];
    if (meta.state === "ended") deadlines.push((meta.endedAt ?? Date.now()) + TOMBSTONE_MS);
    else {
      deadlines.push(meta.lastActivityAt + this.#config.idleTimeoutMs);
      if (meta.exitedAt !== null) deadlines.push(meta.exitedAt + this.#config.exitedRetentionMs);
      if (this.#currentRunner()) deadlines.push(Date.now() + RUNNER_SILENCE_MS);
    }
    await this.ctx.storage.setAlarm(Math.min(...deadlines));
  }

  #endNow(meta: SessionMeta, reason: string): void {
    const runner = this.#currentRunner();
    if (runner) {
      this.#send(runner, { type: "close", reason });
      runner.close(1000, "session ended");
    }
    for (const ws of this.ctx.getWebSockets(VIEWER_TAG))
      ws.close(CloseCode.SESSION_ENDED, `session ended: ${reason}`.slice(0, 120));
    this.#tools.onExit(this.#history?.end ?? 0);
    this.ctx.storage.sql.exec("DROP TABLE IF EXISTS chunks");
    this.#history = null;
    this.#saveMeta({ ...meta, state: "ended", endedAt: Date.now(), reason });
  }

  #recordExit(meta: SessionMeta, exit: ExitStatus, reason: string | null): void {
    const end = this.#openHistory().end;
    this.#saveMeta({ ...meta, state: "exited", exit, exitedAt: Date.now(), reason });
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

  #noteActivity(meta: SessionMeta): void {
    const now = Date.now();
    if (now - this.#activityPersistedAt < ACTIVITY_PERSIST_MS) return;
    this.#activityPersistedAt = now;
    this.#saveMeta({ ...meta, lastActivityAt: now });
  }

  #currentRunner(): WebSocket | null {
    const generation = this.#loadMeta()?.runnerGeneration;
    for (const ws of this.ctx.getWebSockets(RUNNER_TAG)) {
      const att = this.#attachments.get(ws);
      if (
        att?.kind === "runner" &&
        att.generation === generation &&
        ws.readyState === WebSocket.OPEN
      )
        return ws;
    }
    return null;
  }

  /** The writer whose automatic terminal replies reach the shell: the longest connected one. */
  #replyingWriter(): WebSocket | null {
    let best: WebSocket | null = null;
    let bestAt = Infinity;
    for (const ws of this.ctx.getWebSockets(VIEWER_TAG)) {
      const att = this.#attachments.get(ws);
      if (att?.kind !== "viewer" || att.role !== "writer" || ws.readyState !== WebSocket.OPEN)
        continue;
      if (att.connectedAt < bestAt) {
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

  #send(ws: WebSocket, message: SessionToViewer | SessionToRunner): void {
    sendMessage(ws, message);
  }

  #error(ws: WebSocket, code: string, message: string): void {
    sendMessage(ws, { type: "error", code, message });
  }
}

function upgraded(client: WebSocket, subprotocol: string | null): Response {
  const headers = new Headers();
  if (subprotocol) headers.set("Sec-WebSocket-Protocol", subprotocol);
  return new Response(null, { status: 101, webSocket: client, headers });
}

function describeExit(exit: ExitStatus): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
