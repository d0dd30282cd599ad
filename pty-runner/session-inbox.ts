/** Decodes what a session object sends its runner; anything malformed is logged once and dropped. */
import {
  FrameKind,
  PROTOCOL_VERSION,
  decodeBinaryFrame,
  parseSessionToRunnerMessage,
} from "../protocol/index.ts";
import type { SignalName, TerminalSize } from "../protocol/index.ts";
import type { OnceLogger } from "./log.ts";

/** What a session does with each well-formed message. Sizes and offsets arrive checked by the schema. */
export interface SessionInboxHandlers {
  /** `keyframeEveryBytes`: the keyframe interval the session object asks for, if it says. */
  welcome(storedEnd: number, size: TerminalSize, keyframeEveryBytes: number | undefined): void;
  ack(offset: number): void;
  resize(size: TerminalSize): void;
  signal(signal: SignalName): void;
  close(reason: string): void;
  /** Asks for the terminal facts; answered later with a `terminal` message of the same number. */
  probe(probe: number): void;
  /** A viewer measures the round trip to this host; answer at once with the same id. */
  hostPing(id: number): void;
  input(bytes: Uint8Array): void;
}

/**
 * The edge is trusted to be the edge, not to be bug-free: a bad size, an unknown type or a
 * frame of the wrong kind must never reach node-pty (which throws) or kill the runner.
 */
export class SessionInbox {
  readonly #prefix: string;
  readonly #once: OnceLogger;
  readonly #handlers: SessionInboxHandlers;

  constructor(sessionId: string, once: OnceLogger, handlers: SessionInboxHandlers) {
    this.#prefix = `session ${sessionId}:`;
    this.#once = once;
    this.#handlers = handlers;
  }

  /** A text frame. */
  text(text: string): void {
    const parsed = parseSessionToRunnerMessage(text);
    if (!parsed.ok) {
      const type = parsed.raw?.type;
      const what = typeof type === "string" ? `a "${type.slice(0, 40)}" message` : "a message";
      return this.#drop(`bad:${parsed.error}`, `ignored ${what}: ${parsed.error}`);
    }
    const message = parsed.message;
    switch (message.type) {
      case "welcome":
        if (message.protocol !== PROTOCOL_VERSION) {
          this.#drop("protocol", `the edge speaks protocol ${message.protocol}`);
        }
        return this.#handlers.welcome(message.storedEnd, message.size, message.keyframeEveryBytes);
      case "ack":
        return this.#handlers.ack(message.offset);
      case "resize":
        return this.#handlers.resize({ cols: message.cols, rows: message.rows });
      case "signal":
        return this.#handlers.signal(message.signal);
      case "close":
        return this.#handlers.close(message.reason);
      case "probe":
        return this.#handlers.probe(message.probe);
      case "host-ping":
        return this.#handlers.hostPing(message.id);
      case "error":
        return this.#drop(
          `error:${message.code}`,
          `the edge reported ${message.code}: ${message.message}`,
        );
    }
  }

  /** A binary frame: only INPUT frames mean something to a runner. */
  binary(bytes: Uint8Array): void {
    const decoded = decodeBinaryFrame(bytes);
    if (decoded.ok && decoded.frame.kind === FrameKind.INPUT) {
      return this.#handlers.input(decoded.frame.data);
    }
    const why = decoded.ok ? `a frame of kind ${decoded.frame.kind} from the edge` : decoded.error;
    this.#drop(`frame:${why}`, `ignored ${why}`);
  }

  #drop(key: string, message: string): void {
    this.#once.warn(key, `${this.#prefix} ${message}`);
  }
}
