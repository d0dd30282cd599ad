/**
 * The TerminalSession Durable Object: one per session. It wires sockets (runner, viewers) and
 * SQLite storage to the session's logic (history, fan-out, messages, tool calls, lifetime).
 */
import { DurableObject } from "cloudflare:workers";
import {
  CloseCode,
  DEFAULT_COLS,
  MAX_SOCKETS_PER_TOKEN,
  WRITER_RESERVED_SLOTS,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  PROTOCOL_VERSION,
  RUNNER_UNRESPONSIVE_MS,
  encodeInputFrame,
  encodeKeyframeFrame,
  keyframeIntervalFor,
  type ExitStatus,
  type RunnerState,
  type Role,
  type SessionToViewer,
  type ViewerPresence,
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
  tenantOf,
  type SessionInfo,
  type SessionInit,
  type SessionMeta,
} from "./session-meta.ts";
import { sendError, sendToRunner, type SessionPort } from "./session-port.ts";
import {
  AttachmentCache,
  RUNNER_TAG,
  TOKEN_TAG_PREFIX,
  VIEWER_TAG,
  type RunnerAttachment,
  type ViewerAttachment,
} from "./socket-attachments.ts";
import { KvCallStore } from "./call-store.ts";
import {
  CommandLog,
  KEPT_COMMANDS,
  outputRange,
  type CommandList,
  type CommandOutput,
  type CommandRefusal,
} from "./command-log.ts";
import { createCommandTable, SqliteCommandStore } from "./sqlite-command-store.ts";
import { ResizeLog } from "./resize-log.ts";
import type { RecordingPage } from "../../worker/sessions/asciicast.ts";
import { InputLog, type InputRun, type InputSource } from "./input-log.ts";
import { joinTokenId } from "../../worker/auth/token-id.ts";
import { verifyAnyJoinToken } from "../../worker/auth/verify-join.ts";
import { ShellDriver } from "./shell-driver.ts";
import { createChunkTable, SqliteChunkStore } from "./sqlite-chunk-store.ts";
import { createKeyframeTable, KeyframeStore, type StoredKeyframe } from "./keyframe-store.ts";
import { ToolCalls, type ToolRequest, type ToolResult } from "./tool-calls.ts";
import { pumpViewer, sendMessage } from "./viewer-fanout.ts";
import { handleViewerMessage } from "./viewer-messages.ts";
import { HostPings } from "./host-pings.ts";
import { settleSize } from "./size-policy.ts";

/** Headers the Worker sets after it has authenticated a socket; never taken from a client. */
export const PEER_HEADER = "x-webterm-peer";
export const ROLE_HEADER = "x-webterm-role";
export const OFFSET_HEADER = "x-webterm-offset";
export const SUBPROTOCOL_HEADER = "x-webterm-subprotocol";
/** Id of the join token a viewer connected with (a hash of it, set by the Worker). */
export const TOKEN_ID_HEADER = "x-webterm-token-id";
/** When that token expires (seconds since the epoch). */
export const EXPIRES_HEADER = "x-webterm-expires";
/** The token's subject (URI-encoded; empty when it has none). */
export const SUBJECT_HEADER = "x-webterm-subject";
/** The tenant whose join secret signed the token (empty for tokens the edge minted). */
export const TOKEN_TENANT_HEADER = "x-webterm-token-tenant";
/** The host whose credential the connecting runner proved (set by the Worker after checking it). */
export const RUNNER_HOST_HEADER = "x-webterm-runner-host";

/** Activity is written to storage at most this often (ms); idle deadlines are that coarse. */
const ACTIVITY_PERSIST_MS = 60_000;
/** While people watch, the runner's heartbeats are checked this often (ms), so "Live" stays true. */
const WATCHED_LIVENESS_CHECK_MS = 1_000;
/** A runner that has not connected this long after the session was created is not coming (ms). */
const FIRST_CONNECT_GRACE_MS = 15_000;
/** KV key of the revoked join tokens (id → expiry in seconds). */
const REVOKED_KEY = "revoked-tokens";
const REVOKED_REASON = "this join link was revoked";

/** What a viewer's join token grants it, as the Worker verified it. */
interface ViewerGrant {
  role: Role;
  tokenId: string;
  expiresAt: number;
  subject: string | null;
}

/** Why a join token may not read the session over HTTP, with the status the Worker answers. */
export interface JoinRefusal {
  ok: false;
  status: 401 | 403 | 404;
  code: string;
  message: string;
}

/** Result of creating a session. */
export type CreateResult = { ok: true } | { ok: false; error: string };

/** One terminal session: its output history, its runner connection and its viewers. */
export class TerminalSession extends DurableObject<Env> {
  #config: Config;
  #attachments = new AttachmentCache();
  /** Message budgets per join token (shared by all of its sockets). */
  #limiter = new RateLimiter();
  /** Viewer sockets this object closed; their remaining messages are dropped. */
  #closing = new WeakSet<WebSocket>();
  #meta: SessionMeta | null | undefined;
  #history: OutputHistory | null = null;
  #keyframes: KeyframeStore | null = null;
  #activityPersistedAt = 0;
  /** The last input or output this instance saw (ms); storage has it to within ACTIVITY_PERSIST_MS. */
  #activityAt = 0;
  #commandLog: CommandLog | null = null;
  #resizeLog: ResizeLog | null = null;
  #driver: ShellDriver | null = null;
  #inputLog: InputLog | null = null;
  /** When this instance last heard from the runner (a message; heartbeats are auto-answered). */
  #runnerHeardAt = 0;
  /** When the runner's connection was last lost; this instance's start until one connects. */
  #runnerGoneSince = Date.now();
  #announcedRunner: RunnerState | null = null;
  #callStore = new KvCallStore(this.ctx.storage.kv);
  #tools = new ToolCalls({
    store: this.#callStore,
    driver: () => this.#shellDriver(),
    read: (from, to) => this.#readRange(from, to),
    historyStart: () => this.#openHistory().start,
    runnerState: () => this.#runnerState(),
    runnerLost: () => this.#runnerLost(),
    type: (bytes, callId) => this.#typeAsAgent(bytes, callId),
    probe: () => this.#probe(),
    ended: () => this.#loadMeta()?.state === "ended",
    leaseChanged: (lease) => this.#broadcast({ type: "lease", lease }),
  });
  /** What the message handlers may do; see session-port.ts. */
  #port: SessionPort = {
    attachments: this.#attachments,
    tools: this.#tools,
    hostPings: new HostPings(),
    driver: () => this.#shellDriver(),
    inputLog: () => this.#openInputLog(),
    recordCommands: () => this.#recordCommands(),
    recordResize: (size) => this.#openResizeLog().record(this.#openHistory().end, Date.now(), size),
    runnerState: () => this.#runnerState(),
    meta: () => this.#loadMeta()!,
    saveMeta: (meta) => this.#saveMeta(meta),
    history: () => this.#openHistory(),
    keyframes: () => this.#openKeyframes(),
    runner: () => this.#currentRunner(),
    viewers: () => this.ctx.getWebSockets(VIEWER_TAG),
    replyingWriter: () => this.#replyingWriter(),
    broadcast: (message) => this.#broadcast(message),
    noteActivity: () => this.#noteActivity(),
    recordExit: (exit, reason) => this.#recordExit(exit, reason),
    scheduleAlarm: () => this.#scheduleAlarm(),
    renewToken: (ws, token) => this.#renewToken(ws, token),
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
      tenant: tenantOf(meta),
      host: meta.host,
      state: meta.state,
      createdAt: new Date(meta.createdAt).toISOString(),
      size: meta.size,
      history: { start: history.start, end: history.end },
      runner: this.#runnerState(),
      viewers: this.ctx.getWebSockets(VIEWER_TAG).length,
      exit: meta.exit,
      reason: meta.reason,
      lastActivityAt: new Date(Math.max(meta.lastActivityAt, this.#activityAt)).toISOString(),
      lastCommand: meta.state === "ended" ? null : this.#openCommandLog().newest(),
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
    this.#keyframes = null;
    this.#commandLog = null;
    this.#resizeLog = null;
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

  /**
   * The hub found that this session's runner came back without the shell (the runner process
   * restarted): the shell is gone for good. A no-op for a session that already exited or ended.
   */
  /**
   * The host's credential was revoked or replaced: close the runner's data connection (4401, so
   * it does not come back with the old credential); the session shows its runner offline.
   */
  async dropRunner(reason: string): Promise<void> {
    for (const ws of this.ctx.getWebSockets(RUNNER_TAG)) ws.close(CloseCode.UNAUTHORIZED, reason);
    this.#runnerGoneSince = Date.now();
    this.#announceRunner();
    this.#tools.update();
  }

  async lost(reason: string): Promise<void> {
    const meta = this.#loadMeta();
    if (!meta || meta.state === "ended" || meta.exit) return;
    this.#recordExit({ code: null, signal: null }, `lost: ${reason}`);
    await this.#scheduleAlarm();
  }

  /** Runs an agent tool call (a command, or input) and waits for its outcome. */
  async runTool(
    request: ToolRequest,
    tenant: string,
  ): Promise<ToolResult | { ok: false; code: "session_not_found"; message: string }> {
    const meta = this.#loadMeta();
    // Another tenant's session answers exactly as one that does not exist.
    if (!meta || tenantOf(meta) !== tenant) {
      return { ok: false, code: "session_not_found", message: "no such session" };
    }
    // A finished call's result outlives the session's output: `wait` may still read it.
    if (meta.state === "ended" && request.kind !== "wait") {
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

  /** Who typed into the shell: the latest `limit` runs of input, oldest first; null if no such session. */
  async inputs(limit: number): Promise<InputRun[] | null> {
    if (!this.#loadMeta()) return null;
    return this.#openInputLog().recent(limit);
  }

  /**
   * The commands the shell ran (see command-log.ts): records numbered above `after`, oldest first,
   * at most `limit`. Another tenant's session answers as one that does not exist.
   */
  async commands(
    tenant: string,
    after: number,
    limit: number,
  ): Promise<CommandList | CommandRefusal> {
    const meta = this.#loadMeta();
    if (!meta || tenantOf(meta) !== tenant) return NO_SUCH_SESSION;
    if (meta.state === "ended") return endedRefusal(meta);
    const shell = meta.shell ?? null;
    return {
      ok: true,
      shell: shell?.name ?? null,
      marks: shell?.marks ?? null,
      commands: this.#openCommandLog().list(after, limit),
    };
  }

  /**
   * Command `number`'s record and its output bytes [start, end) as far as the history retains
   * them, at most the last `maxBytes` (`trimmed` says when some are missing). A running command's
   * output so far.
   */
  async commandOutput(
    tenant: string,
    number: number,
    maxBytes: number,
  ): Promise<CommandOutput | CommandRefusal> {
    const meta = this.#loadMeta();
    if (!meta || tenantOf(meta) !== tenant) return NO_SUCH_SESSION;
    if (meta.state === "ended") return endedRefusal(meta);
    const command = this.#openCommandLog().get(number);
    if (!command) {
      const why =
        meta.shell?.marks === false
          ? `this session's shell (${meta.shell.name}) prints no prompt marks, so it has no command records`
          : `no command ${number} in this session (the newest ${KEPT_COMMANDS} are kept)`;
      return { ok: false, code: "command_not_found", message: why };
    }
    const range = outputRange(command, this.#openHistory(), maxBytes);
    const bytes = this.#readRange(range.start, range.end);
    return { ok: true, command, ...range, bytes };
  }

  /**
   * Whether a join token the Worker verified for this session may read it over HTTP (its
   * recording): not revoked, and, for a product's JWT, signed by this session's tenant. The
   * answer names that tenant, which the reads that follow are made as.
   */
  async admitJoinToken(
    tokenId: string,
    tokenTenant: string | null,
  ): Promise<{ ok: true; tenant: string } | JoinRefusal> {
    const meta = this.#loadMeta();
    if (!meta) return { ...NO_SUCH_SESSION, status: 404 };
    if (tokenTenant && tokenTenant !== tenantOf(meta)) {
      const message = "this join token is for another tenant's session";
      return { ok: false, status: 403, code: "forbidden", message };
    }
    if (this.#revokedTokens(Date.now()).has(tokenId)) {
      return { ok: false, status: 401, code: "unauthorized", message: REVOKED_REASON };
    }
    return { ok: true, tenant: tenantOf(meta) };
  }

  /**
   * One page of the session's recording: the stored chunks from `from` (clamped to the retained
   * history) covering about `maxBytes`, with their times, and the resizes among them (those after
   * the last byte too, on the last page). See worker/sessions/asciicast.ts.
   */
  async recordingPage(
    tenant: string,
    from: number,
    maxBytes: number,
  ): Promise<RecordingPage | CommandRefusal> {
    const meta = this.#loadMeta();
    if (!meta || tenantOf(meta) !== tenant) return NO_SUCH_SESSION;
    if (meta.state === "ended") return endedRefusal(meta);
    const history = this.#openHistory();
    const chunks = history.readTimed(from, maxBytes);
    const start = chunks[0]?.start ?? Math.min(Math.max(from, history.start), history.end);
    const last = chunks.at(-1);
    const end = last ? last.start + last.data.byteLength : start;
    const resizes = this.#openResizeLog();
    return {
      ok: true,
      createdAt: meta.createdAt,
      size: resizes.sizeAt(start) ?? meta.initialSize ?? meta.size,
      start,
      end,
      historyEnd: history.end,
      chunks: chunks.map((chunk) => ({ ...chunk, times: chunk.times ?? null })),
      resizes: resizes.between(start, end === history.end ? end + 1 : end),
    };
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

  /**
   * What the screen is rebuilt from: the newest keyframe and the output after it, or, without
   * one, all retained output. Null if there is no such session, or it ended.
   */
  async screenSource(): Promise<{
    keyframe: StoredKeyframe | null;
    tail: Uint8Array;
    size: { cols: number; rows: number };
  } | null> {
    const meta = this.#loadMeta();
    if (!meta || meta.state === "ended") return null;
    const history = this.#openHistory();
    const keyframe = this.#openKeyframes().read();
    const tail = this.#readRange(keyframe?.offset ?? history.start, history.end);
    return { keyframe, tail, size: meta.size };
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
    if (peer === "runner") {
      // One credential, one host: a runner of another host (or another tenant's host of the same
      // name) may not serve, read or fence this shell. The header is "tenant/host".
      const host = request.headers.get(RUNNER_HOST_HEADER);
      if (host !== `${tenantOf(meta)}/${meta.host}`) {
        const sameTenant = host?.startsWith(`${tenantOf(meta)}/`) ?? false;
        const reason = sameTenant
          ? `this session runs on host "${meta.host}", not "${host!.slice(host!.indexOf("/") + 1)}"`
          : "this session belongs to another tenant";
        return refuseWebSocket(CloseCode.FORBIDDEN, reason, subprotocol);
      }
      return this.#acceptRunner(meta, subprotocol);
    }
    if (peer === "viewer") {
      const role: Role = request.headers.get(ROLE_HEADER) === "writer" ? "writer" : "viewer";
      const offset = request.headers.get(OFFSET_HEADER);
      const tokenTenant = request.headers.get(TOKEN_TENANT_HEADER);
      if (tokenTenant && tokenTenant !== tenantOf(meta)) {
        const reason = "this join token is for another tenant's session";
        return refuseWebSocket(CloseCode.FORBIDDEN, reason, subprotocol);
      }
      const grant: ViewerGrant = {
        role,
        tokenId: request.headers.get(TOKEN_ID_HEADER) ?? "",
        expiresAt: Number(request.headers.get(EXPIRES_HEADER) ?? 0),
        subject: decodeURIComponent(request.headers.get(SUBJECT_HEADER) ?? "") || null,
      };
      const resume = offset === null ? null : Number(offset);
      return this.#acceptViewer(meta, grant, resume, subprotocol);
    }
    return new Response("not found", { status: 404 });
  }

  #acceptViewer(
    meta: SessionMeta,
    grant: ViewerGrant,
    resumeFrom: number | null,
    subprotocol: string | null,
  ): Response {
    const { role, tokenId } = grant;
    if (this.#revokedTokens(Date.now()).has(tokenId)) {
      return refuseWebSocket(CloseCode.UNAUTHORIZED, REVOKED_REASON, subprotocol);
    }
    const refused = this.#viewerSlotRefusal(role, tokenId);
    if (refused) return refuseWebSocket(CloseCode.TOO_MANY_VIEWERS, refused, subprotocol);
    const history = this.#openHistory();
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [VIEWER_TAG, TOKEN_TAG_PREFIX + tokenId]);
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
    // A joiner whose offset was trimmed away (0 included) would replay from the middle of the
    // stream: it gets the newest keyframe and every byte after it instead. A join whose bytes are
    // all retained is unchanged: every byte, once.
    const keyframe = (wanted ?? 0) < history.start ? this.#openKeyframes().read() : null;
    if (keyframe) from = keyframe.offset;
    const attachment: ViewerAttachment = {
      kind: "viewer",
      role,
      sent: from,
      acked: from,
      live: false,
      connectedAt: Date.now(),
      tokenId,
      expiresAt: grant.expiresAt,
      subject: grant.subject,
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
      keyframe: keyframe && { offset: keyframe.offset, cols: keyframe.cols, rows: keyframe.rows },
      size: meta.size,
      runner: this.#runnerState(),
      host: meta.host,
      exit: meta.exit,
      exitReason: meta.exit ? meta.reason : null,
      lease: this.#tools.lease(),
    } satisfies SessionToViewer);
    if (keyframe) sendKeyframe(server, keyframe);
    else if (wanted !== null && wanted < history.start) {
      sendMessage(server, { type: "history-trimmed", requested: wanted, start: history.start });
    }
    pumpViewer(server, this.#attachments, history);
    this.#announceViewers();
    // Someone watches now: the runner's liveness is checked often enough to keep "Live" true.
    void this.#scheduleAlarm();
    return upgraded(client, subprotocol);
  }

  // Budgets, so one leaked link cannot lock others out: a token holds at most
  // MAX_SOCKETS_PER_TOKEN sockets, and read-only viewers leave the last slots to writers.
  #viewerSlotRefusal(role: Role, tokenId: string): string | null {
    const max = this.#config.maxViewers;
    const viewers = this.ctx.getWebSockets(VIEWER_TAG).length;
    if (viewers >= max) return `this session already has ${max} viewers`;
    if (role === "viewer" && viewers >= max - WRITER_RESERVED_SLOTS) {
      return `the last ${WRITER_RESERVED_SLOTS} of this session's ${max} slots are kept for writers`;
    }
    if (this.ctx.getWebSockets(TOKEN_TAG_PREFIX + tokenId).length >= MAX_SOCKETS_PER_TOKEN) {
      return `this join token already has ${MAX_SOCKETS_PER_TOKEN} connections open`;
    }
    return null;
  }

  // A token grants a socket until it expires, not for ever: a writer whose link ran out (or was
  // cut short) stops typing. Clients with a token provider renew in time (a `token` message).
  #closeIfExpired(ws: WebSocket, att: ViewerAttachment, now: number): boolean {
    if (att.expiresAt * 1000 > now) return false;
    this.#closing.add(ws);
    ws.close(CloseCode.UNAUTHORIZED, "join token expired; reconnect with a new one");
    return true;
  }

  async #renewToken(ws: WebSocket, token: string): Promise<void> {
    const att = this.#attachments.get(ws);
    const meta = this.#loadMeta();
    if (att?.kind !== "viewer" || !meta) return;
    const check = await verifyAnyJoinToken(this.env, token, Math.floor(Date.now() / 1000));
    let refused: string | null = null;
    if (!check.ok) refused = check.reason;
    else if (check.claims.sessionId !== meta.id) refused = "this join token is for another session";
    else if (this.#revokedTokens(Date.now()).has(await joinTokenId(token)))
      refused = REVOKED_REASON;
    else if (check.claims.role !== att.role)
      refused = `this socket is a ${att.role}'s; the token is a ${check.claims.role}'s`;
    else if (check.claims.tenant && check.claims.tenant !== tenantOf(meta))
      refused = "this join token is for another tenant's session";
    if (refused || !check.ok) return sendError(ws, "bad_token", refused ?? "refused");
    const current = this.#attachments.get(ws);
    if (current?.kind !== "viewer") return;
    this.#attachments.set(ws, {
      ...current,
      expiresAt: check.claims.expiresAt,
      subject: check.claims.subject ?? current.subject,
    });
    sendMessage(ws, { type: "token-renewed", expiresAt: check.claims.expiresAt });
    if (check.claims.subject && check.claims.subject !== current.subject) this.#announceViewers();
  }

  /**
   * Revokes one join token before its expiry: its open sockets are closed (4401) and it is refused
   * from now on, here and in renewals. Kept until the token would have expired anyway.
   */
  async revokeToken(tokenId: string, expiresAt: number): Promise<number> {
    const revoked = Object.fromEntries(this.#revokedTokens(Date.now()));
    revoked[tokenId] = expiresAt;
    this.ctx.storage.kv.put(REVOKED_KEY, revoked);
    const sockets = this.ctx.getWebSockets(TOKEN_TAG_PREFIX + tokenId);
    for (const ws of sockets) {
      this.#closing.add(ws);
      ws.close(CloseCode.UNAUTHORIZED, REVOKED_REASON);
    }
    return sockets.length;
  }

  // Revoked token ids with their expiry (seconds), without the ones that have expired anyway.
  #revokedTokens(now: number): Map<string, number> {
    const stored = (this.ctx.storage.kv.get(REVOKED_KEY) ?? {}) as Record<string, number>;
    return new Map(Object.entries(stored).filter(([, expiresAt]) => expiresAt * 1000 > now));
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
      keyframeEveryBytes: keyframeIntervalFor(this.#config.historyCapBytes),
    });
    this.#runnerHeardAt = Date.now();
    this.#announceRunner();
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
      this.#runnerHeardAt = Date.now();
      if (this.#announcedRunner !== "online") this.#announceRunner();
      handleRunnerMessage(this.#port, ws, message);
      return;
    }
    // A socket being closed costs nothing more: what it still sends is dropped unread.
    if (this.#closing.has(ws)) return;
    if (this.#closeIfExpired(ws, att, Date.now())) return;
    if (!this.#limiter.take(att.tokenId, Date.now())) {
      this.#closing.add(ws);
      ws.close(CloseCode.RATE_LIMITED, "too many messages from this link; slow down and reconnect");
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
      this.#runnerGoneSince = Date.now();
      this.#announceRunner();
      this.#tools.update();
    }
    // Reciprocate the close; 1005/1006 must never be sent back.
    try {
      ws.close(code >= 3000 && code <= 4999 ? code : 1000, "closed");
    } catch {
      // Already closed.
    }
    if (att?.kind === "viewer") {
      this.#announceViewers();
      // A writer that leaves no longer holds the size down.
      if (att.role === "writer" && meta && meta.state !== "ended") settleSize(this.#port, ws);
    }
  }

  // Everyone is told who is here (by their token's subject) when someone joins or leaves.
  #announceViewers(): void {
    const viewers: ViewerPresence[] = [];
    for (const ws of this.ctx.getWebSockets(VIEWER_TAG)) {
      const att = this.#attachments.get(ws);
      if (att?.kind !== "viewer" || ws.readyState !== WebSocket.OPEN) continue;
      viewers.push({ subject: att.subject, role: att.role });
    }
    this.#broadcast({ type: "viewers", viewers });
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
    if (runner && runnerSilent(this.#heardFromRunner(), now)) {
      runner.close(CloseCode.INTERNAL_ERROR, "no heartbeat from the runner");
      this.#runnerGoneSince = now;
    }
    this.#announceRunner();
    this.#tools.update();
    // Sockets whose token ran out are closed even if they never send again (alarms come every
    // second while anyone watches).
    for (const ws of this.ctx.getWebSockets(VIEWER_TAG)) {
      const att = this.#attachments.get(ws);
      if (att?.kind === "viewer" && !this.#closing.has(ws)) this.#closeIfExpired(ws, att, now);
    }
    const reason = endReasonAt(meta, this.#config, now);
    if (reason) this.#endNow(reason);
    await this.#scheduleAlarm();
  }

  async #scheduleAlarm(): Promise<void> {
    const meta = this.#loadMeta();
    if (!meta) return;
    const now = Date.now();
    let at = nextAlarmAt(meta, this.#config, this.#currentRunner() !== null, now);
    // People watching must see a frozen runner as such within seconds, not at the next deadline.
    const watched = this.ctx.getWebSockets(VIEWER_TAG).length > 0;
    if (watched && meta.state === "running" && this.#currentRunner()) {
      at = Math.min(at, now + WATCHED_LIVENESS_CHECK_MS);
    }
    await this.ctx.storage.setAlarm(at);
  }

  #endNow(reason: string): void {
    // Ended first: whatever fails below, the session can never be left "running" (a failed
    // DROP TABLE once did that). Every read path refuses an ended session, so output that
    // could not be deleted is unreachable, and the tombstone's deleteAll removes it later.
    this.#saveMeta({ ...this.#loadMeta()!, state: "ended", endedAt: Date.now(), reason });
    const runner = this.#currentRunner();
    if (runner) {
      sendToRunner(runner, { type: "close", reason });
      runner.close(1000, "session ended");
    }
    const closeReason = `session ended: ${reason}`.slice(0, 120);
    for (const ws of this.ctx.getWebSockets(VIEWER_TAG))
      ws.close(CloseCode.SESSION_ENDED, closeReason);
    // Calls still going end as "exited" (the session is marked ended above), read before the
    // output goes.
    this.#tools.update();
    this.#tools.dispose();
    this.#history = null;
    this.#keyframes = null;
    this.#commandLog = null;
    this.#resizeLog = null;
    try {
      this.ctx.storage.sql.exec("DROP TABLE IF EXISTS chunks");
      this.ctx.storage.sql.exec("DROP TABLE IF EXISTS keyframes");
      this.ctx.storage.sql.exec("DROP TABLE IF EXISTS commands");
      this.ctx.storage.sql.exec("DROP TABLE IF EXISTS resizes");
    } catch (error) {
      console.error(`session ${this.#meta?.id}: could not delete its output: ${String(error)}`);
    }
  }

  #recordExit(exit: ExitStatus, reason: string | null): void {
    const end = this.#openHistory().end;
    this.#saveMeta({ ...this.#loadMeta()!, state: "exited", exit, exitedAt: Date.now(), reason });
    this.#shellDriver().onExit();
    // A command still running ends with the shell (`exit`, or the shell was killed).
    for (const command of this.#openCommandLog().shellExited(end, Date.now())) {
      this.#broadcast({ type: "command", command });
    }
    this.#tools.update();
    if (reason) {
      const code = reason.startsWith("lost:") ? "shell_lost" : "spawn_failed";
      this.#broadcast({ type: "error", code, message: reason });
    }
    this.#broadcast({ type: "exit", exit, offset: end, reason });
  }

  // ----- Shell driver, runner liveness --------------------------------------------------------

  // Built from the stored tail of the output: after a restart, the marks since the oldest call
  // still going say where it is. The shell's kind comes from the runner's `hello`, kept in meta.
  #shellDriver(): ShellDriver {
    if (this.#driver) return this.#driver;
    const history = this.#openHistory();
    const meta = this.#loadMeta();
    let from = Math.max(history.start, history.end - 64 * 1024);
    for (const id of this.#callStore.ids()) {
      const call = this.#callStore.get(id);
      const at = call && call.phase !== "done" ? (call.clearFrom ?? call.typedAt) : null;
      if (at !== null) from = Math.max(history.start, Math.min(from, at));
    }
    const driver = new ShellDriver(
      from,
      history.end > 0 || (meta?.runnerGeneration ?? 0) > 0,
      () => this.#loadMeta()?.size.cols ?? DEFAULT_COLS,
    );
    if (meta?.shell) driver.onHello(meta.shell.marks, meta.shell.nonce);
    for (const chunk of history.read(from, history.end - from)) {
      const skip = Math.max(0, from - chunk.start);
      driver.onOutput(chunk.start + skip, chunk.data.subarray(skip));
    }
    if (meta?.exit) driver.onExit();
    this.#driver = driver;
    return driver;
  }

  #readRange(from: number, to: number): Uint8Array {
    const history = this.#openHistory();
    const start = Math.max(from, history.start);
    const end = Math.min(to, history.end);
    if (end <= start) return new Uint8Array(0);
    const chunks = history.read(start, end - start);
    const bytes = new Uint8Array(end - start);
    for (const chunk of chunks) {
      const skip = Math.max(0, start - chunk.start);
      const part = chunk.data.subarray(skip, Math.min(chunk.data.byteLength, end - chunk.start));
      bytes.set(part, chunk.start + skip - start);
    }
    return bytes;
  }

  // Marks only count from shells that print them with the session's nonce (the driver checks).
  #recordCommands(): void {
    const driver = this.#shellDriver();
    if (driver.mode !== "marks") return;
    const log = this.#openCommandLog();
    const changed = log.observe(driver.marksSince(log.scanFrom()), Date.now(), (offset) =>
      this.#openInputLog().sourceAt(offset),
    );
    // Viewers (the console's cards) learn a command's end even when it was answered in the panel.
    for (const command of changed) this.#broadcast({ type: "command", command });
  }

  #openCommandLog(): CommandLog {
    if (!this.#commandLog) {
      createCommandTable(this.ctx.storage.sql);
      this.#commandLog = new CommandLog(new SqliteCommandStore(this.ctx.storage.sql));
    }
    return this.#commandLog;
  }

  #openResizeLog(): ResizeLog {
    this.#resizeLog ??= new ResizeLog(this.ctx.storage.sql);
    return this.#resizeLog;
  }

  #openInputLog(): InputLog {
    this.#inputLog ??= new InputLog(this.ctx.storage.sql);
    return this.#inputLog;
  }

  #typeAsAgent(bytes: Uint8Array, callId: string): boolean {
    const runner = this.#currentRunner();
    if (!runner) return false;
    const source: InputSource = { kind: "agent", callId };
    this.#openInputLog().record(source, this.#openHistory().end, bytes.byteLength, Date.now());
    runner.send(encodeInputFrame(bytes));
    this.#noteActivity();
    return true;
  }

  #probe(): void {
    const runner = this.#currentRunner();
    if (runner) sendToRunner(runner, { type: "probe", probe: this.#shellDriver().newProbe() });
  }

  /** The last time the runner was heard from: a message, a heartbeat, or its connection. */
  #heardFromRunner(): number {
    const runner = this.#currentRunner();
    if (!runner) return 0;
    const att = this.#attachments.get(runner);
    const beat = this.ctx.getWebSocketAutoResponseTimestamp(runner)?.getTime() ?? 0;
    const connected = att?.kind === "runner" ? att.connectedAt : 0;
    this.#runnerHeardAt = Math.max(this.#runnerHeardAt, beat, connected);
    return this.#runnerHeardAt;
  }

  #runnerState(): RunnerState {
    if (!this.#currentRunner()) return "offline";
    return Date.now() - this.#heardFromRunner() > RUNNER_UNRESPONSIVE_MS
      ? "unresponsive"
      : "online";
  }

  // Calls fail fast when the runner stopped answering, or has been away longer than a reconnect
  // takes (a deploy or restart of the edge closes every socket; the runner is back in a second).
  #runnerLost(): boolean {
    const state = this.#runnerState();
    if (state === "unresponsive") return true;
    if (state === "online") return false;
    const meta = this.#loadMeta();
    const now = Date.now();
    if (!meta || meta.runnerGeneration === 0)
      return now - (meta?.createdAt ?? now) > FIRST_CONNECT_GRACE_MS;
    return now - this.#runnerGoneSince > RUNNER_UNRESPONSIVE_MS;
  }

  #announceRunner(): void {
    const state = this.#runnerState();
    if (state === this.#announcedRunner) return;
    this.#announcedRunner = state;
    this.#broadcast({ type: "runner", state });
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
      this.#history.keepFrom(this.#openKeyframes().newest?.offset ?? null);
    }
    return this.#history;
  }

  #openKeyframes(): KeyframeStore {
    if (!this.#keyframes) {
      createKeyframeTable(this.ctx.storage.sql);
      this.#keyframes = new KeyframeStore(this.ctx.storage.sql);
    }
    return this.#keyframes;
  }

  #noteActivity(): void {
    const now = Date.now();
    this.#activityAt = now;
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

/** Another tenant's session answers exactly as one that does not exist. */
const NO_SUCH_SESSION: CommandRefusal = {
  ok: false,
  code: "session_not_found",
  message: "no such session",
};

function endedRefusal(meta: SessionMeta): CommandRefusal {
  const message = `the session has ended (${meta.reason ?? "closed"}); its output and command records are deleted`;
  return { ok: false, code: "session_ended", message };
}

function upgraded(client: WebSocket, subprotocol: string | null): Response {
  const headers = new Headers();
  if (subprotocol) headers.set("Sec-WebSocket-Protocol", subprotocol);
  return new Response(null, { status: 101, webSocket: client, headers });
}

/** Sends a keyframe to a joiner; a socket closed meanwhile is cleaned up by its close handler. */
function sendKeyframe(ws: WebSocket, keyframe: StoredKeyframe): void {
  try {
    ws.send(encodeKeyframeFrame(keyframe.offset, keyframe.cols, keyframe.rows, keyframe.data));
  } catch {
    // Closed between accept and send.
  }
}
