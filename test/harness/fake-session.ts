/** The session side of a fake edge: stores a runner's output by offset exactly as the session object does. */
import type { WebSocket } from "ws";
import {
  CloseCode,
  FrameKind,
  HEARTBEAT_REPLY,
  HEARTBEAT_REQUEST,
  PROTOCOL_VERSION,
  decodeBinaryFrame,
  encodeInputFrame,
  parseRunnerMessage,
} from "../../protocol/index.ts";
import type {
  ExitStatus,
  RunnerToSession,
  SessionToRunner,
  SignalName,
  TerminalFacts,
  TerminalSize,
} from "../../protocol/index.ts";
import { ByteLog } from "./byte-log.ts";
import { waitFor } from "./wait.ts";

/** How the fake session acknowledges stored output. */
export type AckMode =
  /** Ack after every stored frame, as the session object does. */
  | { kind: "each" }
  /** Hold acks (storage "slow"); `releaseAcks()` sends one for everything stored. */
  | { kind: "held" }
  /** Ack at most every `intervalMs`, like storage with latency. */
  | { kind: "interval"; intervalMs: number };

/** Options of one fake session. */
export interface FakeSessionOptions {
  size?: TerminalSize;
  /** Keep every byte (default) or only a hash, the total and a tail. */
  keepBytes?: boolean;
  ack?: AckMode;
  /** Answer the runner's exit with `close` (default), or leave the session open after it. */
  closeOnExit?: boolean;
  /** The keyframe interval the welcome asks for (default: none, the runner's own). */
  keyframeEveryBytes?: number;
}

/** The runner's `hello` on a data connection. */
export type RunnerHello = Extract<RunnerToSession, { type: "hello" }>;

/** A `terminal` answer, with how much output was stored when it arrived. */
export interface TerminalAnswer {
  probe: number;
  offset: number;
  facts: TerminalFacts | null;
  /** The stored end when the answer arrived: never below `offset`. */
  storedEnd: number;
}

/** A C mark found in output: where it is, and what it says (its percent-encoded parameters, decoded). */
export interface CommandStartMark {
  /** Index of its ESC. */
  index: number;
  /** Index one past its BEL: where the command's output starts. */
  end: number;
  commandLine: string | null;
  cwd: string | null;
}

/** OSC 133 marks as a shell with this nonce prints them (null: marks without a nonce). */
export function shellMarks(nonce: string | null) {
  const n = nonce === null ? "" : `;n=${nonce}`;
  return {
    promptStart: `\x1b]133;A${n}\x07`,
    promptEnd: `\x1b]133;B${n}\x07`,
    /** How every C mark begins; its parameters (line, directory) and the nonce follow. */
    commandStartPrefix: "\x1b]133;C",
    /** Every C mark in `text` (a string or bytes read as Latin-1: the marks are ASCII) with this nonce. */
    commandStarts(text: string): CommandStartMark[] {
      const found: CommandStartMark[] = [];
      for (const match of text.matchAll(/\x1b\]133;C([^\x07]*)\x07/g)) {
        if (!match[1]!.endsWith(n) || (n === "" && match[1]!.includes(";n="))) continue;
        const params = match[1]!
          .slice(0, match[1]!.length - n.length)
          .split(";")
          .slice(1);
        const value = (name: string) => {
          const param = params.find((p) => p.startsWith(`${name}=`));
          return param === undefined ? null : decodeURIComponent(param.slice(name.length + 1));
        };
        found.push({
          index: match.index,
          end: match.index + match[0].length,
          commandLine: value("cmdline_url"),
          cwd: value("cwd"),
        });
      }
      return found;
    },
    commandDone: (status: number) => `\x1b]133;D;${status}${n}\x07`,
  } as const;
}

/** A frame the runner sent, for checking frame sizes. */
export interface FrameRecord {
  offset: number;
  bytes: number;
}

/**
 * One session. It keeps the stored output in a ByteLog (only bytes at `storedEnd` extend it;
 * bytes already stored are dropped, a gap closes the socket with 4002 exactly as the real
 * session object does) and records everything a test may assert on.
 */
export class FakeSession {
  readonly id: string;
  readonly host: string;
  readonly output: ByteLog;
  size: TerminalSize;
  ack: AckMode;
  closeOnExit: boolean;
  /** Sent in every welcome when set. */
  keyframeEveryBytes: number | undefined;
  generation = 0;
  socket: WebSocket | null = null;
  exit: { exit: ExitStatus; offset: number } | null = null;
  openFailed: string | null = null;
  spawnFailed: string | null = null;
  ended = false;
  /** Protocol violations seen (gaps, bad frames, exits at the wrong offset). */
  readonly violations: string[] = [];
  readonly frames: FrameRecord[] = [];
  /** Keyframes received, in order (the escape sequences as text). */
  readonly keyframes: { offset: number; cols: number; rows: number; text: string }[] = [];
  /** Bytes received again that were already stored (resends after a reconnect). */
  duplicateBytes = 0;
  /** Close codes of this session's data connections, as the edge saw them. */
  readonly closes: number[] = [];
  /** Called after each stored frame (e.g. to kill the connection mid-stream). */
  onStored: ((session: FakeSession) => void) | null = null;
  /** Every `hello`, in order (one per welcome). */
  readonly hellos: RunnerHello[] = [];
  /** Every `terminal` answer, in order of arrival. */
  readonly answers: TerminalAnswer[] = [];
  /** Ids of the runner's `host-pong`s, in the order they came. */
  readonly hostPongs: number[] = [];
  /** Ignore everything the runner sends, heartbeats included (a frozen session object). */
  silent = false;
  /** Heartbeat requests answered, and those ignored while `silent`. */
  pings = 0;
  ignoredPings = 0;
  #ackTimer: ReturnType<typeof setTimeout> | null = null;
  #nextProbe = 1;

  constructor(id: string, host: string, options: FakeSessionOptions = {}) {
    this.id = id;
    this.host = host;
    this.size = options.size ?? { cols: 80, rows: 24 };
    this.output = new ByteLog({ keep: options.keepBytes ?? true });
    this.ack = options.ack ?? { kind: "each" };
    this.closeOnExit = options.closeOnExit ?? true;
    this.keyframeEveryBytes = options.keyframeEveryBytes;
  }

  /** The latest `hello`, or null before the first. */
  get hello(): RunnerHello | null {
    return this.hellos.at(-1) ?? null;
  }

  /** The marks this session's shell prints (with the nonce of its latest hello). */
  get marks(): ReturnType<typeof shellMarks> {
    return shellMarks(this.hello?.nonce ?? null);
  }

  /** Everything before this offset is stored. */
  get storedEnd(): number {
    return this.output.length;
  }

  /** Whether a runner connection is open. */
  get connected(): boolean {
    return this.socket !== null && this.socket.readyState === this.socket.OPEN;
  }

  /** The stored output as text (UTF-8). */
  text(): string {
    return this.output.view().bytes.toString("utf8");
  }

  /** Accepts a runner data connection (the old one, if any, is fenced with 4010). */
  attach(ws: WebSocket): void {
    if (this.socket && this.socket.readyState === this.socket.OPEN) {
      this.socket.close(CloseCode.REPLACED, "replaced by a newer runner connection");
    }
    this.socket = ws;
    this.generation++;
    const generation = this.generation;
    ws.on("message", (data, isBinary) => {
      if (generation !== this.generation) return;
      if (this.silent) {
        if (!isBinary && toBuffer(data).toString("utf8") === HEARTBEAT_REQUEST) this.ignoredPings++;
        return;
      }
      if (isBinary) this.#onFrame(toBuffer(data));
      else this.#onText(toBuffer(data).toString("utf8"));
    });
    ws.on("close", (code) => {
      this.closes.push(code);
      if (this.socket === ws) this.socket = null;
    });
    this.send({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      generation,
      storedEnd: this.storedEnd,
      size: this.size,
      ...(this.keyframeEveryBytes !== undefined
        ? { keyframeEveryBytes: this.keyframeEveryBytes }
        : {}),
    });
  }

  /** Sends a control message to the runner; false when not connected. */
  send(message: SessionToRunner | Record<string, unknown>): boolean {
    return this.sendRaw(JSON.stringify(message));
  }

  /** Sends a text or binary frame as is (for malformed-input tests). */
  sendRaw(data: string | Uint8Array): boolean {
    if (!this.connected) return false;
    this.socket!.send(data);
    return true;
  }

  /** Types into the shell (an INPUT frame). */
  type(text: string | Uint8Array): boolean {
    const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
    return this.sendRaw(encodeInputFrame(bytes));
  }

  resize(cols: unknown, rows: unknown): boolean {
    return this.send({ type: "resize", cols, rows });
  }

  signal(signal: SignalName): boolean {
    return this.send({ type: "signal", signal });
  }

  /** Ends the session as the session object's #endNow does: `close`, then a 1000 close. */
  end(reason = "ended by test"): void {
    this.ended = true;
    this.send({ type: "close", reason });
    this.socket?.close(1000, "session ended");
  }

  /** Drops the data connection abruptly (no close frame), as a network failure would. */
  killConnection(): void {
    this.socket?.terminate();
  }

  /** Sends one ack for everything stored (with `ack: held`). */
  releaseAcks(): void {
    this.send({ type: "ack", offset: this.storedEnd });
  }

  /** Waits until the stored output contains `needle` at or after `from`; resolves its offset. */
  waitForOutput(needle: string | Uint8Array, options: { from?: number; timeoutMs?: number } = {}) {
    const bytes = typeof needle === "string" ? Buffer.from(needle) : Buffer.from(needle);
    return waitFor(
      () => {
        const { start, bytes: held } = this.output.view();
        const at = held.indexOf(bytes, Math.max(0, (options.from ?? 0) - start));
        return at >= 0 ? start + at + 1 : null;
      },
      {
        timeoutMs: options.timeoutMs ?? 10_000,
        what: () =>
          `${JSON.stringify(bytes.toString())} in session ${this.id} (tail: ${JSON.stringify(this.text().slice(-300))})`,
      },
    ).then((position) => position - 1);
  }

  /** Waits for the runner's hello, then for the shell's prompt (mark B with the hello's nonce). */
  async waitForPrompt(options: { from?: number; timeoutMs?: number } = {}): Promise<number> {
    await waitFor(() => this.hello, {
      timeoutMs: options.timeoutMs ?? 10_000,
      what: `the hello of session ${this.id}`,
    });
    return this.waitForOutput(this.marks.promptEnd, options);
  }

  /** Sends a `probe` and waits for its `terminal` answer. */
  async probe(timeoutMs = 10_000): Promise<TerminalAnswer> {
    const probe = this.#nextProbe++;
    if (!this.send({ type: "probe", probe }))
      throw new Error(`session ${this.id} is not connected`);
    return waitFor(() => this.answers.find((answer) => answer.probe === probe), {
      timeoutMs,
      what: `the answer to probe ${probe} of session ${this.id}`,
    });
  }

  /** Waits for the runner's exit report. */
  waitForExit(timeoutMs = 10_000): Promise<{ exit: ExitStatus; offset: number }> {
    return waitFor(() => this.exit, { timeoutMs, what: `the exit of session ${this.id}` });
  }

  #onFrame(data: Buffer): void {
    const decoded = decodeBinaryFrame(data);
    if (decoded.ok && decoded.frame.kind === FrameKind.KEYFRAME) {
      // A keyframe must come after the output before it, on the same connection.
      const { offset, cols, rows } = decoded.frame;
      if (offset > this.storedEnd) {
        this.violations.push(`keyframe at ${offset} ahead of the stored end ${this.storedEnd}`);
      }
      this.keyframes.push({
        offset,
        cols,
        rows,
        text: Buffer.from(decoded.frame.data).toString("utf8"),
      });
      return;
    }
    if (!decoded.ok || decoded.frame.kind !== FrameKind.OUTPUT) {
      this.violations.push(decoded.ok ? "runner sent a non-output frame" : decoded.error);
      return;
    }
    const { offset, data: bytes } = decoded.frame;
    this.frames.push({ offset, bytes: bytes.byteLength });
    if (this.exit) {
      this.violations.push(`output at ${offset} after the exit`);
      return;
    }
    const end = this.storedEnd;
    if (offset > end) {
      this.violations.push(`gap: frame at ${offset}, stored end ${end}`);
      this.socket?.close(CloseCode.PROTOCOL_ERROR, `gap in output: expected offset ${end}`);
      return;
    }
    const skip = end - offset;
    this.duplicateBytes += Math.min(skip, bytes.byteLength);
    if (skip < bytes.byteLength) this.output.append(bytes.subarray(skip));
    this.#acknowledge();
    this.onStored?.(this);
  }

  #acknowledge(): void {
    if (this.ack.kind === "each") this.releaseAcks();
    else if (this.ack.kind === "interval" && this.#ackTimer === null) {
      this.#ackTimer = setTimeout(() => {
        this.#ackTimer = null;
        this.releaseAcks();
      }, this.ack.intervalMs);
    }
  }

  #onText(text: string): void {
    if (text === HEARTBEAT_REQUEST) {
      this.pings++;
      this.socket?.send(HEARTBEAT_REPLY);
      return;
    }
    const parsed = parseRunnerMessage(text);
    if (!parsed.ok) {
      this.violations.push(`bad message: ${parsed.error}`);
      return;
    }
    const message = parsed.message;
    if (message.type === "spawn-failed") {
      this.spawnFailed = message.message;
      return;
    }
    if (message.type === "hello") {
      this.hellos.push(message);
      return;
    }
    if (message.type === "terminal") {
      const { probe, offset, facts } = message;
      if (offset > this.storedEnd) {
        this.violations.push(`terminal answer at ${offset} but only ${this.storedEnd} stored`);
      }
      this.answers.push({ probe, offset, facts, storedEnd: this.storedEnd });
      return;
    }
    if (message.type === "host-pong") {
      this.hostPongs.push(message.id);
      return;
    }
    if (message.offset !== this.storedEnd) {
      this.violations.push(`exit at ${message.offset} but ${this.storedEnd} stored`);
      this.socket?.close(CloseCode.PROTOCOL_ERROR, "exit offset does not match stored output");
      return;
    }
    this.exit ??= { exit: message.exit, offset: message.offset };
    if (this.closeOnExit) this.send({ type: "close", reason: "exit recorded" });
  }
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  return Buffer.from(data as ArrayBuffer);
}
