/** A lean viewer of our protocol for benchmarks: output and keyframe callbacks, acks every 256 KiB, resume after 4008. */
// Uses the `ws` package and keeps no copies of output. Like the browser client, it resumes at once
// with its offset when the session closes it with 4008 (fell behind the retained history), and
// counts what that skipped: bytes the welcome's `history-trimmed` reports, or, when the session
// answers a trimmed offset with a keyframe, the bytes between that offset and the keyframe's.
import WebSocket from "ws";
import {
  CloseCode,
  FrameKind,
  VIEWER_ACK_INTERVAL_BYTES,
  decodeBinaryFrame,
  encodeInputFrame,
  offeredSubprotocols,
} from "../../protocol/index.ts";
import { withTimeout } from "./clock.ts";

/** Where to join and how to acknowledge. */
export interface WebtermClientOptions {
  /** The edge's base URL (http://127.0.0.1:PORT). */
  url: string;
  sessionId: string;
  token: string;
  /** Resume after this offset (`?offset=N`). */
  offset?: number;
  /**
   * "receipt": acknowledge output as it arrives (the transport's pace). "manual": the owner calls
   * `processed()` (a terminal's pace, as the browser does). "never": a viewer that stopped.
   */
  ack?: "receipt" | "manual" | "never";
}

/** The welcome message fields a benchmark needs. */
export interface Welcome {
  history: { start: number; end: number };
  replayFrom: number;
  /** Set when the replay starts from a keyframe (a KEYFRAME frame comes next); null or absent otherwise. */
  keyframe?: { offset: number; cols: number; rows: number } | null;
  /** The terminal's size now. */
  size: { cols: number; rows: number };
}

/** A KEYFRAME frame: the terminal's state after `offset` bytes, rebuilt by `data` (UTF-8) in a cols×rows terminal. */
export interface KeyframeFrame {
  offset: number;
  cols: number;
  rows: number;
  data: Uint8Array;
}

/** Most resumes after 4008 before giving up (a bound, not an expectation). */
const MAX_RESUMES = 1000;

/** One viewer, across the reconnects its resumes need. */
export class WebtermClient {
  ws: WebSocket;
  /** Offset one past the last byte received. */
  end = 0;
  /** Bytes received, over all connections. */
  received = 0;
  /** The first welcome, as soon as it arrived (set before any output frame is handled). */
  welcomed: Welcome | null = null;
  /** Resolve with the first connection's welcome and `live`; reject if it closes first. */
  readonly welcome: Promise<Welcome>;
  readonly live: Promise<number>;
  /** Called for every output frame, before any ack is sent. */
  onOutput: (offset: number, data: Uint8Array) => void = () => {};
  /** Called for every keyframe frame (it comes right after a welcome that announced it). */
  onKeyframe: (keyframe: KeyframeFrame) => void = () => {};
  /** Keyframe frames received, and their bytes (not counted in `received`). */
  keyframes = 0;
  keyframeBytes = 0;
  /** How often the session made this viewer resume (4008), and the bytes trimmed meanwhile. */
  resumes = 0;
  skippedBytes = 0;
  closed: { code: number; reason: string } | null = null;
  readonly #options: WebtermClientOptions;
  readonly #ack: "receipt" | "manual" | "never";
  #closing = false;
  #acked = 0;
  /** The offset the current connection asked for (`?offset=N`), if any. */
  #requested: number | undefined;
  #onWelcome!: (w: Welcome) => void;
  #onLive!: (offset: number) => void;
  #onFail!: (error: Error) => void;

  constructor(options: WebtermClientOptions) {
    this.#options = options;
    this.#ack = options.ack ?? "receipt";
    const failed = new Promise<never>((_, reject) => (this.#onFail = reject));
    failed.catch(() => {});
    this.welcome = Promise.race([new Promise<Welcome>((r) => (this.#onWelcome = r)), failed]);
    this.live = Promise.race([new Promise<number>((r) => (this.#onLive = r)), failed]);
    // Nobody may be waiting for these (a stalled viewer, a viewer closed early): no unhandled rejections.
    this.welcome.catch(() => {});
    this.live.catch(() => {});
    this.ws = this.#connect(options.offset);
  }

  #connect(offset: number | undefined): WebSocket {
    const base = this.#options.url.replace(/^http/, "ws");
    this.#requested = offset;
    const query = offset === undefined ? "" : `?offset=${offset}`;
    const ws = new WebSocket(
      `${base}/api/sessions/${this.#options.sessionId}/connect${query}`,
      offeredSubprotocols(this.#options.token),
      { perMessageDeflate: false },
    );
    ws.binaryType = "nodebuffer";
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.#onFrame(data);
      else this.#onControl(JSON.parse(data.toString("utf8")) as Record<string, any>);
    });
    ws.on("close", (code, reason) => this.#onClose(ws, code, reason.toString()));
    ws.on("error", (error) => this.#onFail(error));
    return ws;
  }

  #onControl(message: Record<string, any>): void {
    if (message.type === "welcome") {
      // A trimmed offset answered with a keyframe: the bytes before the keyframe are skipped
      // (without one, a `history-trimmed` message says what was).
      if (message.keyframe && this.#requested !== undefined && message.replayFrom > this.#requested)
        this.skippedBytes += message.replayFrom - this.#requested;
      this.end = message.replayFrom;
      this.#acked = message.replayFrom;
      this.welcomed ??= message as unknown as Welcome;
      this.#onWelcome(message as unknown as Welcome);
    } else if (message.type === "live") this.#onLive(message.offset);
    else if (message.type === "history-trimmed")
      this.skippedBytes += message.start - message.requested;
    else if (message.type === "error") {
      // A benchmark never provokes errors: say so, or a lost keystroke looks like a hang.
      console.error(`bench viewer: the session reported ${message.code}: ${message.message}`);
    }
  }

  #onFrame(data: Buffer): void {
    const decoded = decodeBinaryFrame(data);
    if (!decoded.ok) return;
    if (decoded.frame.kind === FrameKind.KEYFRAME) {
      const { offset, cols, rows, data: bytes } = decoded.frame;
      this.keyframes++;
      this.keyframeBytes += bytes.byteLength;
      this.end = Math.max(this.end, offset);
      this.onKeyframe({ offset, cols, rows, data: bytes });
      return;
    }
    if (decoded.frame.kind !== FrameKind.OUTPUT) return;
    const { offset, data: bytes } = decoded.frame;
    this.end = offset + bytes.byteLength;
    this.received += bytes.byteLength;
    this.onOutput(offset, bytes);
    if (this.#ack === "receipt") this.processed(this.end);
  }

  #onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    if (code === CloseCode.RESUME_REQUIRED && !this.#closing && this.resumes < MAX_RESUMES) {
      this.resumes++;
      this.ws = this.#connect(this.end);
      return;
    }
    this.closed = { code, reason };
    if (!this.#closing && code !== CloseCode.SESSION_ENDED) {
      // wrangler dev reloads on a source change and drops every socket (1006): say so, or a
      // run during someone's edit would just hang until a timeout.
      console.error(
        `bench viewer: the session closed the connection (${code} ${reason}); did wrangler dev reload after a source change?`,
      );
    }
    this.#onFail(new Error(`viewer closed: ${code} ${reason}`));
  }

  /** Reports output processed up to `end`; acknowledges once a full ack interval has built up. */
  processed(end: number, force = false): void {
    if (this.#ack === "never" || this.ws.readyState !== WebSocket.OPEN) return;
    const offset = Math.min(end, this.end);
    if (offset - this.#acked >= VIEWER_ACK_INTERVAL_BYTES || (force && offset > this.#acked)) {
      this.#acked = offset;
      this.ws.send(JSON.stringify({ type: "ack", offset }));
    }
  }

  /** Types bytes (writers only). */
  type(text: string | Uint8Array): void {
    const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
    this.ws.send(encodeInputFrame(bytes));
  }

  /** Stops reading the socket: TCP backpressure reaches the session (a frozen viewer). */
  pause(): void {
    this.ws.pause();
  }

  /** Drops the connection at once (a stalled viewer cannot complete a close handshake). */
  terminate(): void {
    this.#closing = true;
    this.ws.terminate();
  }

  /** Closes the connection and waits (briefly) for the close handshake. */
  async close(): Promise<void> {
    this.#closing = true;
    const ws = this.ws;
    if (ws.readyState === WebSocket.CLOSED) return;
    const done = new Promise<void>((resolve) => ws.once("close", () => resolve()));
    ws.close(1000);
    await withTimeout(done, 3000, "a viewer to close").catch(() => ws.terminate());
  }
}
