/** A viewer in Node speaking the real protocol (for end-to-end tests and benchmarks): joins, replays (from a keyframe too), acks, resumes. */
import {
  FrameKind,
  decodeBinaryFrame,
  encodeInputFrame,
  offeredSubprotocols,
} from "../../protocol/index.ts";

/** A connected viewer that records everything and acknowledges output as it arrives. */
export class NodeViewer {
  readonly ws: WebSocket;
  readonly messages: Record<string, any>[] = [];
  readonly frames: { offset: number; data: Uint8Array }[] = [];
  /** KEYFRAME frames received: each stands for the output before its offset. */
  readonly keyframes: { offset: number; cols: number; rows: number; data: Uint8Array }[] = [];
  closed: { code: number; reason: string } | null = null;
  #bytes = 0;
  /** One past the last byte received, or a keyframe's offset if that came last. */
  #end = 0;
  #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (event) => {
      if (typeof event.data === "string") this.messages.push(JSON.parse(event.data));
      else {
        const decoded = decodeBinaryFrame(event.data as ArrayBuffer);
        if (decoded.ok && decoded.frame.kind === FrameKind.OUTPUT) {
          const { offset, data } = decoded.frame;
          this.frames.push({ offset, data: data.slice() });
          this.#bytes += data.byteLength;
          this.#end = offset + data.byteLength;
          if (ws.readyState === WebSocket.OPEN)
            ws.send(JSON.stringify({ type: "ack", offset: this.end() }));
        } else if (decoded.ok && decoded.frame.kind === FrameKind.KEYFRAME) {
          // No ack: the session counts from the keyframe's offset (its replayFrom) already.
          const { offset, cols, rows, data } = decoded.frame;
          this.keyframes.push({ offset, cols, rows, data: data.slice() });
          this.#end = offset;
        }
      }
      this.#wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.#wake();
    });
  }

  /** Joins `sessionId` on `url` with a join token, resuming after `offset` if given. */
  static join(url: string, sessionId: string, token: string, offset?: number): NodeViewer {
    const base = url.replace(/^http/, "ws");
    const query = offset === undefined ? "" : `?offset=${offset}`;
    return new NodeViewer(
      new WebSocket(
        `${base}/api/sessions/${sessionId}/connect${query}`,
        offeredSubprotocols(token),
      ),
    );
  }

  /**
   * Offset one past the last byte received (a keyframe at K counts as bytes up to K: the output
   * after it starts there).
   */
  end(): number {
    return this.#end;
  }

  /** The last keyframe's data, as text (the escape sequences that rebuild the screen). */
  keyframeText(): string {
    const last = this.keyframes[this.keyframes.length - 1];
    return last ? Buffer.from(last.data).toString("utf8") : "";
  }

  /** All output received, as text (a keyframe's data not included: see keyframeText). */
  text(): string {
    return Buffer.concat(this.frames.map((f) => f.data)).toString("utf8");
  }

  /** Bytes received in all (duplicates included, so tests can detect them). */
  receivedBytes(): number {
    return this.#bytes;
  }

  /** Types text (writers only). */
  type(text: string): void {
    this.ws.send(encodeInputFrame(new TextEncoder().encode(text)));
  }

  /** Waits until `check` is truthy. */
  async until<T>(
    check: () => T | undefined | null | false,
    what: string,
    timeoutMs = 10_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; text so far: ${JSON.stringify(this.text().slice(-500))}, closed: ${JSON.stringify(this.closed)}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for a message of `type`. */
  message(type: string, timeoutMs?: number): Promise<Record<string, any>> {
    return this.until(
      () => this.messages.find((m) => m.type === type),
      `a "${type}" message`,
      timeoutMs,
    );
  }

  close(): void {
    this.ws.close(1000);
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}
