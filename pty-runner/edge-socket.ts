/** One WebSocket to the edge that reconnects by itself, beats a heartbeat and knows fatal codes. */
import { WebSocket as ReconnectingWebSocket } from "partysocket";
import WebSocket from "ws";
import {
  CloseCode,
  FATAL_CLOSE_CODES,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  closeReason,
  offeredSubprotocols,
} from "../protocol/index.ts";

/** Reconnect timing. partysocket grows the delay; we add jitter (partysocket 1.3 has none). */
export interface BackoffOptions {
  /** Delay before the first reconnect (ms). */
  minDelayMs: number;
  /** Cap of the delay (ms). */
  maxDelayMs: number;
  /** Each failed attempt multiplies the delay by this. */
  growFactor: number;
  /** Up to this fraction of the delay is added at random, so 100 sessions do not reconnect in step. */
  jitterRatio: number;
  /** Give up on a connection attempt after this long (ms). */
  connectTimeoutMs: number;
}

/** Defaults for a runner on the internet. */
export const DEFAULT_BACKOFF: BackoffOptions = {
  minDelayMs: 500,
  maxDelayMs: 15_000,
  growFactor: 1.6,
  jitterRatio: 0.5,
  connectTimeoutMs: 10_000,
};

/** What the owner of a socket hears. */
export interface EdgeSocketHandlers {
  /** A connection opened (the first, or a reconnect). */
  onOpen(): void;
  onText(text: string): void;
  onBinary(bytes: Uint8Array): void;
  /** The connection dropped; a reconnect is scheduled. */
  onDisconnect(code: number, reason: string): void;
  /** The edge refused us for good (FATAL_CLOSE_CODES); no reconnect. */
  onFatal(code: number, reason: string): void;
  /** A handler above threw while handling a message. */
  onHandlerError(error: unknown): void;
}

/** Where to connect and how. */
export interface EdgeSocketOptions {
  url: string;
  token: string;
  backoff?: BackoffOptions;
  /** How often to send a heartbeat (ms; default HEARTBEAT_INTERVAL_MS). */
  heartbeatIntervalMs?: number;
  /**
   * Reconnect once this many heartbeats in a row (default 3), spanning at least as many
   * intervals, went by without anything received.
   */
  silentBeatsBeforeReconnect?: number;
}

// Input frames are at most 64 KiB and control messages 8 KiB; refuse anything absurd.
const MAX_INCOMING_BYTES = 1024 * 1024;
// Terminal output compresses well, but deflate costs CPU on both ends of a 40 MB/s flood.
const WS_CLIENT_OPTIONS = { perMessageDeflate: false, maxPayload: MAX_INCOMING_BYTES };
const CLOSE_WAIT_MS = 2_000;
// ws reports a refused upgrade as an error "Unexpected server response: 401".
const HTTP_STATUS_AS_CLOSE_CODE: Record<string, number> = {
  "401": CloseCode.UNAUTHORIZED,
  "403": CloseCode.FORBIDDEN,
  "404": CloseCode.SESSION_NOT_FOUND,
  "410": CloseCode.SESSION_ENDED,
};

/**
 * partysocket's ReconnectingWebSocket over the `ws` package (Node 20 has no global WebSocket).
 * Its message queue is off (`maxEnqueuedMessages: 0`): output is resent by offset after each
 * welcome, so anything sent while down is simply dropped.
 */
export class EdgeSocket {
  readonly #rws: ReconnectingWebSocket;
  readonly #handlers: EdgeSocketHandlers;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  readonly #intervalMs: number;
  readonly #silentBeatsAllowed: number;
  #current: WebSocket | null = null;
  #lastReceivedAt = performance.now();
  /** Heartbeats sent since anything was last received. */
  #silentBeats = 0;
  #closed = false;
  #reconnects = true;

  constructor(options: EdgeSocketOptions, handlers: EdgeSocketHandlers) {
    this.#handlers = handlers;
    this.#intervalMs = options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.#silentBeatsAllowed = options.silentBeatsBeforeReconnect ?? 3;
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    const setCurrent = (ws: WebSocket): void => {
      this.#current = ws;
    };
    class EdgeWebSocket extends WebSocket {
      constructor(url: string, protocols: string[]) {
        super(url, protocols, WS_CLIENT_OPTIONS);
        setCurrent(this);
      }
    }
    const url = async (): Promise<string> => {
      await sleep(jitterMs(this.#rws?.retryCount ?? 0, backoff));
      return options.url;
    };
    this.#rws = new ReconnectingWebSocket(url, offeredSubprotocols(options.token), {
      WebSocket: EdgeWebSocket,
      maxEnqueuedMessages: 0,
      minReconnectionDelay: backoff.minDelayMs,
      maxReconnectionDelay: backoff.maxDelayMs,
      reconnectionDelayGrowFactor: backoff.growFactor,
      connectionTimeout: backoff.connectTimeoutMs,
      shouldReconnectOnClose: (event) =>
        this.#reconnects && !this.#closed && !FATAL_CLOSE_CODES.has(event.code),
    });
    this.#rws.binaryType = "arraybuffer";
    this.#rws.addEventListener("open", () => {
      this.#heard();
      this.#handlers.onOpen();
    });
    this.#rws.addEventListener("message", (event) => this.#onMessage(event.data));
    this.#rws.addEventListener("close", (event) => this.#onClose(event.code, event.reason));
    this.#rws.addEventListener("error", (event) => this.#onError(event.message));
    this.#heartbeat = setInterval(() => this.#beat(), this.#intervalMs);
  }

  /** Whether a connection is open right now. */
  get isOpen(): boolean {
    return !this.#closed && this.#rws.readyState === ReconnectingWebSocket.OPEN;
  }

  /** Bytes handed to the socket but not yet written to the network. */
  get bufferedAmount(): number {
    return this.#current?.bufferedAmount ?? 0;
  }

  /** Sends a text or binary frame; false (and dropped) when not connected. */
  send(data: string | Uint8Array<ArrayBuffer>): boolean {
    if (!this.isOpen) return false;
    return this.#rws.send(data);
  }

  /**
   * Keeps the current connection but does not reconnect once it drops (the session is over:
   * whatever is left to say goes on this connection or not at all).
   */
  stopReconnecting(): void {
    this.#reconnects = false;
  }

  /** Drops the current connection and connects again (a dead link the OS has not noticed). */
  reconnect(): void {
    if (!this.#closed && this.#reconnects) this.#rws.reconnect(1000, "heartbeat timeout");
  }

  /**
   * Closes for good with `code`. Resolves when the close handshake finished (so frames sent just
   * before, like an exit report, reached the edge) or after a short wait.
   */
  close(code: number = 1000, reason = ""): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearInterval(this.#heartbeat);
    const ws = this.#current;
    this.#rws.close(code, closeReason(reason));
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, CLOSE_WAIT_MS);
      ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #onMessage(data: unknown): void {
    this.#heard();
    try {
      this.#dispatch(data);
    } catch (error) {
      // A bug that one message triggers must not take down every other shell of the runner.
      this.#handlers.onHandlerError(error);
    }
  }

  #dispatch(data: unknown): void {
    if (typeof data === "string") {
      if (data !== HEARTBEAT_REPLY) this.#handlers.onText(data);
    } else if (data instanceof ArrayBuffer) {
      this.#handlers.onBinary(new Uint8Array(data));
    } else if (ArrayBuffer.isView(data)) {
      this.#handlers.onBinary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    if (FATAL_CLOSE_CODES.has(code)) {
      this.#fatal(code, reason);
    } else {
      this.#handlers.onDisconnect(code, reason);
    }
  }

  #onError(message: string | undefined): void {
    const status = /Unexpected server response: (\d+)/.exec(message ?? "")?.[1];
    const code = status ? HTTP_STATUS_AS_CLOSE_CODE[status] : undefined;
    if (code !== undefined && !this.#closed) this.#fatal(code, `HTTP ${status}`);
  }

  #fatal(code: number, reason: string): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#rws.close();
    this.#handlers.onFatal(code, reason);
  }

  #heard(): void {
    this.#lastReceivedAt = performance.now();
    this.#silentBeats = 0;
  }

  /**
   * Silence is counted in beats as well as in time. After the event loop was blocked (a busy
   * machine, a long synchronous task), timers run before pending socket reads are handled: by
   * the clock alone the first beat after the stall would see a long silence and drop a healthy
   * connection whose answers are already waiting to be read. Counting beats gives the loop a turn
   * between beats to read them.
   */
  #beat(): void {
    if (this.#rws.readyState !== ReconnectingWebSocket.OPEN) return;
    const silentMs = performance.now() - this.#lastReceivedAt;
    if (
      this.#silentBeats >= this.#silentBeatsAllowed &&
      silentMs > this.#silentBeatsAllowed * this.#intervalMs
    ) {
      this.reconnect();
      return;
    }
    this.#silentBeats++;
    this.#rws.send(HEARTBEAT_REQUEST);
  }
}

// partysocket waits min * grow^(n-1) before attempt n; this adds up to jitterRatio of that.
function jitterMs(attempt: number, backoff: BackoffOptions): number {
  if (attempt <= 0) return 0;
  const delay = Math.min(
    backoff.maxDelayMs,
    backoff.minDelayMs * backoff.growFactor ** (attempt - 1),
  );
  return Math.random() * delay * backoff.jitterRatio;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
