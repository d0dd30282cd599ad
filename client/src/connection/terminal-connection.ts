/**
 * A viewer's connection to one terminal session: the protocol, with no UI and no xterm. It
 * joins with a token, resumes from the end of what it already has after every reconnect, drops
 * duplicate output, refuses holes, hands over the keyframe a late joiner starts from,
 * acknowledges processed output and measures latency.
 */
import ReconnectingWebSocket, { type CloseEvent } from "partysocket/ws";
import {
  checkTerminalSize,
  CloseCode,
  decodeBinaryFrame,
  FATAL_CLOSE_CODES,
  FrameKind,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  offeredSubprotocols,
  parseSessionToViewerMessage,
  PROTOCOL_VERSION,
  tokenExpiry,
  type CommandRecord,
  type TerminalSize,
  type ViewerToSession,
} from "../../../protocol/index.ts";
import { AckTracker } from "./ack-tracker.ts";
import { connectUrl } from "./connect-url.ts";
import { INITIAL_SNAPSHOT, type ConnectionSnapshot } from "./connection-status.ts";
import { encodeInputFrames, inputBytes, MAX_PASTE_BYTES } from "./input-frames.ts";
import { DEFAULT_HOST_PROBE, HostProbe, type HostProbeTiming } from "./host-probe.ts";
import { DEFAULT_PROBE, LatencyProbe, type ProbeTiming } from "./latency-probe.ts";
import { OutputCursor } from "./output-cursor.ts";
import { TypedEmitter, type Unsubscribe } from "./typed-emitter.ts";

/** Bytes of output for the terminal, starting at absolute `offset`. */
export interface OutputChunk {
  offset: number;
  data: Uint8Array;
  /** Arrived after the session's `live` message (not part of a replay). */
  live: boolean;
}

/**
 * The terminal's whole state after the first `offset` bytes of output: written into a fresh
 * terminal of `cols`×`rows`, `data` (UTF-8 escape sequences and text) rebuilds it. It replaces
 * whatever the terminal showed; the output that follows starts at `offset`.
 */
export interface KeyframeChunk {
  offset: number;
  cols: number;
  rows: number;
  data: Uint8Array;
}

/** Something worth telling the person at the terminal; the connection lives on. */
export interface ConnectionNotice {
  level: "info" | "warning" | "error";
  /** The session's error code, or a local one such as "history_trimmed". */
  code: string;
  text: string;
}

/** Events a TerminalConnection emits. */
export interface TerminalConnectionEvents {
  /** The snapshot changed. */
  state: ConnectionSnapshot;
  /** New output, in order, without duplicates. */
  output: OutputChunk;
  /**
   * The session replays from a keyframe (the viewer's offset was trimmed away): reset the
   * terminal and rebuild it from this, then the output from its offset. Comes before that output.
   */
  keyframe: KeyframeChunk;
  /** The session's size (from its welcome or a `resize`): the terminal should take it. */
  resize: TerminalSize;
  /** A round trip was measured (ms). */
  latency: number;
  notice: ConnectionNotice;
  /**
   * A command of the shell started or ended (its record, from the session's nonce'd marks). Comes
   * after the output that carried the mark.
   */
  command: CommandRecord;
}

/** Reconnection timing (ms), passed to partysocket. */
export interface ReconnectTiming {
  minReconnectionDelay: number;
  maxReconnectionDelay: number;
  reconnectionDelayGrowFactor: number;
  /** A connection must stay up this long before the attempt counter resets. */
  minUptime: number;
  /** An attempt that has not opened after this long is abandoned. */
  connectionTimeout: number;
}

/** Options of a TerminalConnection. */
export interface TerminalConnectionOptions {
  /** The server's http(s) origin, for example "https://term.example.com". */
  server: string;
  sessionId: string;
  /** A join token; its role (viewer or writer) is told back in `welcome`. */
  token: string;
  /**
   * Where fresh tokens come from (your backend). With it, the connection renews its token over the
   * open socket before it expires (no reconnect, nothing visible), and fetches one when the edge
   * refuses an expired token. Without it, the socket is closed when the token expires.
   */
  getToken?: () => Promise<string>;
  /** WebSocket constructor, for runtimes without a global one. */
  WebSocket?: unknown;
  reconnect?: Partial<ReconnectTiming>;
  probe?: Partial<ProbeTiming>;
  /** Timing of the pings to the shell's host. */
  hostProbe?: Partial<HostProbeTiming>;
}

/** Quick first retries (a reload of `wrangler dev` drops every socket), backing off to 10 s. */
export const DEFAULT_RECONNECT: ReconnectTiming = {
  minReconnectionDelay: 500,
  maxReconnectionDelay: 10_000,
  reconnectionDelayGrowFactor: 1.5,
  minUptime: 5_000,
  connectionTimeout: 8_000,
};

/** Gaps in a row (without reaching `live`) after which the connection gives up. */
const MAX_CONSECUTIVE_GAPS = 3;

/** One viewer's connection to one session. Call start() after subscribing. */
export class TerminalConnection {
  #options: TerminalConnectionOptions;
  #token: string;
  #events = new TypedEmitter<TerminalConnectionEvents>();
  #socket: ReconnectingWebSocket | null = null;
  #probe: LatencyProbe;
  #hostProbe: HostProbe;
  #snapshot: ConnectionSnapshot = INITIAL_SNAPSHOT;
  #cursor = new OutputCursor();
  #closed = false;

  #acks = new AckTracker();
  // Per socket: reset by every `welcome`.
  #welcomed = false;
  #live = false;
  #sessionSize: TerminalSize | null = null;
  /** The keyframe the welcome announced and that has not arrived yet. */
  #expectedKeyframe: { offset: number; cols: number; rows: number } | null = null;
  /** The size this writer's panel fits; claimed again after every reconnect. */
  #wantedSize: TerminalSize | null = null;
  /** The size last claimed on this socket (reset by every `welcome`). */
  #claimedSize: TerminalSize | null = null;
  #gapsInARow = 0;
  /** When the token is renewed next (a timer), and how many refusals came in a row. */
  #renewal: ReturnType<typeof setTimeout> | null = null;
  #refusedInARow = 0;

  constructor(options: TerminalConnectionOptions) {
    this.#options = options;
    this.#token = options.token;
    this.#probe = new LatencyProbe({
      ...DEFAULT_PROBE,
      ...options.probe,
      send: () => this.#sendText(HEARTBEAT_REQUEST),
      onRoundTrip: (ms) => {
        this.#update({ latencyMs: Math.round(ms) });
        this.#events.emit("latency", ms);
      },
      // A half-open link (a laptop waking up, a phone changing networks) never sends close.
      onSilent: () => this.#socket?.reconnect(1000, "no heartbeat reply"),
    });
    this.#hostProbe = new HostProbe({
      ...DEFAULT_HOST_PROBE,
      ...options.hostProbe,
      // Every ping wakes the session object: none while there is no host to reach (no runner
      // connected, or the shell is gone).
      send: (id) =>
        this.#snapshot.runner !== "offline" &&
        !this.#snapshot.exit &&
        this.#sendMessage({ type: "host-ping", id }),
      onRoundTrip: (ms) => this.#update({ hostLatencyMs: Math.round(ms), hostSilent: false }),
      onNoHost: () => this.#update({ hostLatencyMs: null }),
      // No answer for several intervals: the round trip shown last is no longer true.
      onSilent: (silent) =>
        this.#update(silent ? { hostSilent: true, hostLatencyMs: null } : { hostSilent: false }),
    });
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof TerminalConnectionEvents>(
    type: K,
    listener: (value: TerminalConnectionEvents[K]) => void,
  ): Unsubscribe {
    return this.#events.on(type, listener);
  }

  /** The current snapshot. */
  get snapshot(): ConnectionSnapshot {
    return this.#snapshot;
  }

  /** The absolute end of the output handed to the terminal: where a reconnect resumes. */
  get offset(): number {
    return this.#cursor.end;
  }

  /** Opens the socket. Reconnects on its own until close() or a fatal close code. */
  start(): void {
    if (this.#socket || this.#closed) return;
    const timing = { ...DEFAULT_RECONNECT, ...this.#options.reconnect };
    const socket = new ReconnectingWebSocket(
      // A provider, not a string: each attempt resumes from the offset reached by then.
      () => connectUrl(this.#options.server, this.#options.sessionId, this.#cursor.end),
      () => offeredSubprotocols(this.#token),
      {
        ...timing,
        WebSocket: this.#options.WebSocket,
        // Input typed while disconnected is dropped, never replayed into a shell later.
        maxEnqueuedMessages: 0,
        // RESUME_REQUIRED is handled in #onClose: it reconnects at once instead of backing off.
        shouldReconnectOnClose: (event) =>
          !FATAL_CLOSE_CODES.has(event.code) && event.code !== CloseCode.RESUME_REQUIRED,
      },
    );
    socket.binaryType = "arraybuffer";
    socket.addEventListener("open", this.#onOpen);
    socket.addEventListener("message", this.#onMessage);
    socket.addEventListener("close", this.#onClose);
    this.#socket = socket;
  }

  /**
   * Sends keystrokes or a paste to the shell. Only writers send; a paste is split into frames
   * of at most MAX_INPUT_FRAME_BYTES. Returns false when nothing was sent.
   */
  sendInput(input: string | Uint8Array): boolean {
    // Viewers never send; their panel says so. Before the first welcome the role is unknown.
    if (this.#snapshot.role === "viewer") return false;
    const bytes = inputBytes(input);
    if (bytes.byteLength === 0) return true;
    if (bytes.byteLength > MAX_PASTE_BYTES) {
      this.#notice(
        "warning",
        "paste_too_big",
        `Paste refused: it is larger than ${MAX_PASTE_BYTES >> 20} MiB.`,
      );
      return false;
    }
    if (!this.#isOpen() || this.#snapshot.role !== "writer") {
      this.#notice("warning", "not_connected", "Not connected: that input was not sent.");
      return false;
    }
    // Pings to the host go unanswered: keys are refused here rather than queued behind them.
    if (this.#snapshot.hostSilent && !this.#snapshot.exit) {
      this.#notice(
        "warning",
        "host_not_responding",
        "The shell's host is not responding: that input was not sent.",
      );
      return false;
    }
    for (const frame of encodeInputFrames(bytes)) this.#socket?.send(frame);
    return true;
  }

  /**
   * Sends the terminal's automatic answer to a live query (cursor position, device attributes,
   * colours) as REPLY frames. Every writer's xterm answers; the session forwards one writer's
   * answers only, so the shell reads one answer per query. Writers only; an answer that cannot
   * go out now is dropped silently (the person did not type it). Returns whether it was sent.
   */
  sendReply(answer: string | Uint8Array): boolean {
    const bytes = inputBytes(answer);
    if (bytes.byteLength === 0 || bytes.byteLength > MAX_PASTE_BYTES) return false;
    if (!this.#isOpen() || this.#snapshot.role !== "writer") return false;
    for (const frame of encodeInputFrames(bytes, FrameKind.REPLY)) this.#socket?.send(frame);
    return true;
  }

  /**
   * Says the size this writer's panel fits (viewers follow the session). The session takes the
   * smallest size among its writers and announces it with `resize`, which is what the terminal
   * shows. Remembered and claimed again after every reconnect. Returns whether it was sent now.
   */
  resize(cols: number, rows: number): boolean {
    const checked = checkTerminalSize(cols, rows);
    if (!checked.ok) return false;
    this.#wantedSize = checked.size;
    return this.#claimSize();
  }

  /**
   * The terminal has processed everything before `end`. Acknowledges every
   * VIEWER_ACK_INTERVAL_BYTES, so the session can spot a viewer that cannot keep up and stop
   * sending it more than its window.
   */
  acknowledge(end: number): void {
    const offset = this.#acks.processed(end);
    if (offset !== null && this.#sendMessage({ type: "ack", offset })) this.#acks.acked(offset);
  }

  /**
   * Uses a new token (same session, same role) from now on. An open socket gets it at once, as
   * a renewal does: the session extends the socket's life to the new token's expiry. Every later
   * connection attempt offers it. If the old token was refused, retries at once.
   */
  setToken(token: string): void {
    if (token === this.#token) return;
    this.#token = token;
    const refused =
      this.#snapshot.phase === "failed" &&
      (this.#snapshot.closeCode === CloseCode.UNAUTHORIZED ||
        this.#snapshot.closeCode === CloseCode.FORBIDDEN);
    if (refused) this.#restart();
    else if (this.#isOpen()) this.#sendMessage({ type: "token", token });
  }

  /** Skips the back-off wait (for example when the browser comes back online). */
  reconnectNow(): void {
    if (this.#snapshot.phase === "reconnecting") this.#socket?.reconnect();
  }

  /** Closes for good. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#renewal) clearTimeout(this.#renewal);
    this.#probe.stop();
    this.#hostProbe.stop();
    this.#socket?.close(1000, "viewer left");
    this.#update({ phase: "closed" });
    this.#events.clear();
  }

  // ----- Socket events ------------------------------------------------------------------------

  #onOpen = (): void => {
    this.#welcomed = false;
    this.#live = false;
    this.#expectedKeyframe = null;
    this.#probe.start();
  };

  #onMessage = (event: MessageEvent): void => {
    const data: unknown = event.data;
    if (typeof data === "string") this.#onText(data);
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data))
      this.#onFrame(data as ArrayBuffer | Uint8Array);
  };

  #onClose = (event: CloseEvent): void => {
    this.#probe.stop();
    this.#hostProbe.stop();
    this.#acks.closed();
    this.#welcomed = false;
    this.#live = false;
    this.#expectedKeyframe = null;
    // Our own close() or #fail() already set the final phase.
    if (this.#closed || this.#snapshot.phase === "failed") return;
    // A refused or expired token: a token provider gives a fresh one (twice at most in a row).
    if (
      event.code === CloseCode.UNAUTHORIZED &&
      this.#options.getToken &&
      this.#refusedInARow < 2
    ) {
      this.#refusedInARow++;
      this.#update({ phase: "reconnecting", attempt: 1 });
      void this.#freshToken().then((token) => {
        if (token === null || this.#closed) {
          this.#update({
            phase: "failed",
            closeCode: event.code,
            closeReason: event.reason || null,
          });
          return;
        }
        this.#token = token;
        this.#socket?.reconnect();
      });
      return;
    }
    if (FATAL_CLOSE_CODES.has(event.code)) {
      this.#update({ phase: "failed", closeCode: event.code, closeReason: event.reason || null });
      return;
    }
    if (event.code === CloseCode.RESUME_REQUIRED) {
      // The session cut us off for falling behind; resuming from our offset catches us up.
      this.#update({ phase: "reconnecting", attempt: 1 });
      this.#socket?.reconnect();
      return;
    }
    // partysocket has already counted the attempt it is about to make.
    this.#update({ phase: "reconnecting", attempt: Math.max(1, this.#socket?.retryCount ?? 1) });
  };

  // ----- Messages -----------------------------------------------------------------------------

  #onText(text: string): void {
    if (text === HEARTBEAT_REPLY) {
      this.#probe.reply();
      return;
    }
    // A message that fails its schema (a newer server's, or a broken one) is ignored.
    const parsed = parseSessionToViewerMessage(text);
    if (!parsed.ok) return;
    const message = parsed.message;
    switch (message.type) {
      case "welcome": {
        if (message.protocol !== PROTOCOL_VERSION) {
          this.#fail(
            CloseCode.PROTOCOL_VERSION_UNSUPPORTED,
            `server speaks protocol ${message.protocol}`,
          );
          return;
        }
        this.#welcomed = true;
        this.#live = false;
        this.#refusedInARow = 0;
        this.#scheduleRenewal();
        this.#acks.welcome(message.replayFrom);
        this.#cursor.allowGapTo(null);
        // The cursor moves only when the keyframe itself arrives: a socket lost in between must
        // resume from the old end, or the terminal would get the tail without the keyframe.
        this.#expectedKeyframe = message.keyframe ?? null;
        this.#sessionSize = message.size;
        this.#claimedSize = null;
        this.#update({
          phase: "replaying",
          attempt: 0,
          role: message.role,
          runner: message.runner,
          host: message.host ?? null,
          exit: message.exit,
          exitReason: message.exitReason ?? null,
          lease: message.lease,
          closeCode: null,
          closeReason: null,
          hostLatencyMs: null,
          hostSilent: false,
        });
        // Everyone shows the session's size; a writer also says again what its panel fits.
        this.#events.emit("resize", message.size);
        this.#claimSize();
        this.#hostProbe.start();
        return;
      }
      case "history-trimmed": {
        this.#cursor.allowGapTo(message.start);
        const fresh = this.#cursor.end === 0 && message.requested === 0;
        const text = fresh
          ? `Output before byte ${message.start} is no longer kept; showing what is.`
          : `${message.start - Math.max(message.requested, this.#cursor.end)} bytes of output were trimmed before this terminal could show them.`;
        this.#notice(fresh ? "info" : "warning", "history_trimmed", text);
        return;
      }
      case "token-renewed":
        this.#scheduleRenewal();
        return;
      case "viewers":
        this.#update({ viewers: message.viewers });
        return;
      case "live":
        this.#live = true;
        this.#gapsInARow = 0;
        this.#update({ phase: "live" });
        return;
      case "runner":
        // A host that left has no round trip to show.
        this.#update(
          message.state === "offline"
            ? { runner: message.state, hostLatencyMs: null }
            : { runner: message.state },
        );
        return;
      case "host-pong":
        this.#hostProbe.pong(message.id, message.from);
        return;
      case "lease":
        this.#update({ lease: message.lease });
        return;
      case "resize":
        this.#sessionSize = { cols: message.cols, rows: message.rows };
        this.#events.emit("resize", this.#sessionSize);
        return;
      case "exit":
        this.#update({ exit: message.exit, exitReason: message.reason ?? null });
        return;
      case "command":
        this.#events.emit("command", message.command);
        return;
      case "error":
        this.#notice("error", message.code, message.message);
        return;
    }
  }

  #onFrame(buffer: ArrayBuffer | Uint8Array): void {
    const decoded = decodeBinaryFrame(buffer);
    if (!decoded.ok) return;
    if (decoded.frame.kind === FrameKind.KEYFRAME) {
      this.#onKeyframe(decoded.frame);
      return;
    }
    if (decoded.frame.kind !== FrameKind.OUTPUT) return;
    // The announced keyframe comes before any output; a late one would rewind the screen.
    this.#expectedKeyframe = null;
    const { offset, data } = decoded.frame;
    this.#acks.sent(offset + data.byteLength);
    const verdict = this.#cursor.accept(offset, data);
    if (verdict.kind === "duplicate") return;
    if (verdict.kind === "gap") {
      this.#onGap(verdict.expected, verdict.offset);
      return;
    }
    this.#events.emit("output", { offset: verdict.offset, data: verdict.data, live: this.#live });
  }

  /**
   * A keyframe replaces the terminal's state, so only the one the welcome announced is taken:
   * anything else (unannounced, another offset or size, a second one, one after output) is
   * ignored with a notice; output that counted on it then shows up as a gap, which resumes from
   * our own offset.
   */
  #onKeyframe(frame: KeyframeChunk): void {
    const expected = this.#expectedKeyframe;
    if (
      !expected ||
      expected.offset !== frame.offset ||
      expected.cols !== frame.cols ||
      expected.rows !== frame.rows
    ) {
      const announced = expected
        ? `the announced one at byte ${expected.offset} (${expected.cols}x${expected.rows})`
        : "none was announced";
      this.#notice(
        "warning",
        "unexpected_keyframe",
        `Ignored a keyframe at byte ${frame.offset} (${frame.cols}x${frame.rows}): ${announced}.`,
      );
      return;
    }
    this.#expectedKeyframe = null;
    this.#cursor.restartAt(frame.offset);
    // The keyframe stands for everything before its offset, on this socket too.
    this.#acks.sent(frame.offset);
    const { offset, cols, rows, data } = frame;
    this.#events.emit("keyframe", { offset, cols, rows, data });
  }

  /** Bytes are missing and the session never said they were trimmed: resume from our end. */
  #onGap(expected: number, got: number): void {
    this.#gapsInARow += 1;
    if (this.#gapsInARow > MAX_CONSECUTIVE_GAPS) {
      this.#fail(
        CloseCode.PROTOCOL_ERROR,
        `output keeps skipping bytes (expected ${expected}, got ${got})`,
      );
      return;
    }
    this.#notice(
      "warning",
      "output_gap",
      `Output skipped from byte ${expected} to ${got}; resuming.`,
    );
    this.#socket?.reconnect(CloseCode.PROTOCOL_ERROR, "gap in output");
  }

  // ----- Helpers ------------------------------------------------------------------------------

  #claimSize(): boolean {
    const size = this.#wantedSize;
    if (!size || this.#snapshot.role !== "writer" || !this.#welcomed) return false;
    const claimed = this.#claimedSize;
    if (claimed && claimed.cols === size.cols && claimed.rows === size.rows) return true;
    if (!this.#sendMessage({ type: "resize", cols: size.cols, rows: size.rows })) return false;
    // Not applied here: the session answers with the size it takes (maybe smaller, for another
    // writer's sake), or nothing when its size does not change.
    this.#claimedSize = size;
    return true;
  }

  // Renews after 60% of what is left of the token's life: a 5 s token at 3 s, an hour's at 36 min.
  #scheduleRenewal(): void {
    if (this.#renewal) clearTimeout(this.#renewal);
    this.#renewal = null;
    const expiry = tokenExpiry(this.#token);
    if (!this.#options.getToken || expiry === null || this.#closed) return;
    const delay = Math.max(0, (expiry * 1000 - Date.now()) * 0.6);
    this.#renewal = setTimeout(() => void this.#renew(), delay);
  }

  async #renew(): Promise<void> {
    const token = await this.#freshToken();
    if (token === null || this.#closed) return;
    this.#token = token;
    // Over the open socket: the session extends it. Closed meanwhile: the reconnect uses it.
    this.#sendMessage({ type: "token", token });
  }

  async #freshToken(): Promise<string | null> {
    try {
      return (await this.#options.getToken?.()) ?? null;
    } catch (error) {
      this.#notice(
        "warning",
        "token_refresh_failed",
        `could not get a new join token: ${String(error)}`,
      );
      return null;
    }
  }

  #fail(code: number, reason: string): void {
    this.#update({ phase: "failed", closeCode: code, closeReason: reason });
    this.#socket?.close(code, reason.slice(0, 120));
  }

  #restart(): void {
    this.#update({ phase: "connecting", closeCode: null, closeReason: null });
    this.#socket?.reconnect();
  }

  #isOpen(): boolean {
    return this.#socket?.readyState === ReconnectingWebSocket.OPEN && this.#welcomed;
  }

  #sendMessage(message: ViewerToSession): boolean {
    return this.#sendText(JSON.stringify(message));
  }

  #sendText(text: string): boolean {
    if (this.#socket?.readyState !== ReconnectingWebSocket.OPEN) return false;
    return this.#socket.send(text);
  }

  #notice(level: ConnectionNotice["level"], code: string, text: string): void {
    this.#events.emit("notice", { level, code, text });
  }

  #update(change: Partial<ConnectionSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...change };
    this.#events.emit("state", this.#snapshot);
  }
}
