/** One session: a shell in a PTY, its unacked output, and its data connection to the session object. */
import { CloseCode, describeCloseCode } from "../protocol/index.ts";
import type {
  ExitStatus,
  RunnerToSession,
  TerminalFacts,
  TerminalSize,
} from "../protocol/index.ts";
import { EdgeSocket } from "./edge-socket.ts";
import type { KeyframeWorkers } from "./keyframes/keyframe-workers.ts";
import { OnceLogger } from "./log.ts";
import { OutputChannel } from "./output-channel.ts";
import { PtyProcess } from "./pty-process.ts";
import type { RunnerOptions } from "./options.ts";
import { sessionUrl } from "./options.ts";
import { SessionInbox } from "./session-inbox.ts";
import { SessionKeyframeFeed } from "./session-keyframes.ts";
import type { SessionPlan } from "./session-plan.ts";
import { readTerminalFacts } from "./terminal-facts.ts";
import { ProbeQueue } from "./terminal-probe.ts";

/** What the session's `hello` says about the shell: its name, and whether its marks carry a nonce. */
export type SessionHello = Omit<Extract<RunnerToSession, { type: "hello" }>, "type">;

// The data connection beats every second; a session object that stays silent for ten beats
// (10 s) is taken for a dead link. Fewer would reconnect on a busy machine whose event loop or
// network stalled for a few seconds, and a reconnect costs a resend of everything unacked.
export const SILENT_BEATS_BEFORE_RECONNECT = 10;

/** What a session needs from the runner. */
export interface SessionContext {
  plan: SessionPlan;
  /** The program, its arguments and the environment it gets. */
  launch: { file: string; args: string[]; env: Record<string, string> };
  /** Sent after every welcome. */
  hello: SessionHello;
  options: RunnerOptions;
  /** The runner's keyframe workers; null when keyframes are off (--no-keyframes). */
  keyframes: KeyframeWorkers | null;
  /** Called once, when the session is over and may be forgotten. */
  onGone: (sessionId: string) => void;
}

/** A snapshot for tests and diagnostics. */
export interface SessionStats {
  /** Total output bytes so far. */
  end: number;
  unackedBytes: number;
  /** Most unacked bytes ever held: flow control keeps this near the high watermark. */
  highWaterMark: number;
  paused: boolean;
  connected: boolean;
  exit: ExitStatus | null;
}

/**
 * Wires a PtyProcess to an EdgeSocket through an OutputChannel (offsets, resend, frame sizes,
 * flow control), and handles what the session object says. The session object speaks first on
 * every connection (`welcome`); nothing is sent before it says where its stored output ends.
 */
export class Session {
  readonly id: string;
  readonly #ctx: SessionContext;
  readonly #pty: PtyProcess;
  readonly #output: OutputChannel;
  readonly #socket: EdgeSocket;
  readonly #once: OnceLogger;
  readonly #probes: ProbeQueue;
  readonly #keyframes: SessionKeyframeFeed | null;
  /** Who holds the PTY paused: flow control (the edge has not acked) and the keyframe worker. */
  readonly #pausedBy = new Set<"flow" | "keyframes">();
  /** This connection's hello went out (after the resend); the exit report may follow. */
  #helloSent = false;
  #exitSent = false;
  /** The edge said `close`, or the runner is stopping: report the exit, then go. */
  #ending = false;
  /** The edge refused this session for good: nothing more will be sent. */
  #abandoned = false;
  #gone = false;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  /** Starts the shell (throws if node-pty cannot) and connects to the session object. */
  constructor(ctx: SessionContext) {
    this.id = ctx.plan.sessionId;
    this.#ctx = ctx;
    const { options, plan, launch } = ctx;
    this.#once = new OnceLogger(options.log);
    this.#done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#pty = new PtyProcess({
      file: launch.file,
      args: launch.args,
      cwd: plan.cwd,
      env: launch.env,
      size: plan.size,
      drain: options.drain,
    });
    if (!this.#pty.drainGuarded) {
      this.#once.warn(
        "drain",
        "node-pty internals changed: output just before an exit may be lost",
      );
    }
    this.#output = new OutputChannel(options, {
      sendFrame: (frame) => !this.#abandoned && this.#socket.send(frame),
      pausePty: () => this.#pause("flow"),
      resumePty: () => this.#resume("flow"),
      afterFlush: () => {
        this.#keyframes?.trySend();
        this.#sendExitIfDue();
      },
    });
    this.#keyframes = ctx.keyframes
      ? new SessionKeyframeFeed(
          ctx.keyframes.open({ cols: plan.size.cols, rows: plan.size.rows }),
          {
            sentEnd: () => (this.#canSend() ? this.#output.sentEnd : null),
            send: (frame) => this.#socket.send(frame),
          },
          { pause: () => this.#pause("keyframes"), resume: () => this.#resume("keyframes") },
          this.id,
          this.#once,
        )
      : null;
    this.#pty.onData((bytes) => {
      this.#output.append(bytes);
      this.#keyframes?.output(bytes);
    });
    this.#pty.onExit((status) => this.#onPtyExit(status));
    this.#probes = new ProbeQueue(
      {
        readFacts: () => readTerminalFacts(this.#pty.pid),
        delivered: () => this.#output.end,
        // Paused by flow control or the keyframe worker: output may wait unread in the PTY.
        paused: () => this.#pausedBy.size > 0,
        recheck: () => this.#recheck(),
        inputDelivered: (maxWaitMs) => this.#inputDelivered(maxWaitMs),
      },
      (probes, facts) => this.#answerProbes(probes, facts),
      (error) =>
        this.#once.warn("bug", `session ${this.id}: failed to answer a probe: ${stack(error)}`),
    );
    const inbox = new SessionInbox(this.id, this.#once, {
      welcome: (storedEnd, size, keyframeEveryBytes) =>
        this.#onWelcome(storedEnd, size, keyframeEveryBytes),
      ack: (offset) => {
        if (!this.#output.ack(offset)) {
          this.#once.warn("ack", `session ${this.id}: ignored an ack beyond the sent output`);
        }
      },
      resize: (size) => this.#resize(size),
      signal: (signal) => void this.#pty.signal(signal),
      close: () => this.#end(),
      probe: (probe) => {
        if (!this.#probes.ask(probe)) {
          this.#once.warn("probes", `session ${this.id}: too many probes waiting; ignored some`);
        }
      },
      // Frames are handled in order, so this answer goes after every key that came before it
      // was written to the PTY.
      hostPing: (id) => this.#sendJson({ type: "host-pong", id }),
      // Exactly the bytes the writer sent: no decoding, no newline translation.
      input: (bytes) => this.#pty.write(bytes),
    });
    this.#socket = new EdgeSocket(
      {
        url: sessionUrl(options.url, this.id),
        token: options.token,
        backoff: options.backoff,
        heartbeatIntervalMs: options.sessionHeartbeatIntervalMs,
        silentBeatsBeforeReconnect: SILENT_BEATS_BEFORE_RECONNECT,
      },
      {
        onOpen: () => this.#onOpen(),
        onText: (text) => inbox.text(text),
        onBinary: (bytes) => inbox.binary(bytes),
        onDisconnect: (code, reason) => this.#onDisconnect(code, reason),
        onFatal: (code, reason) => this.#onFatal(code, reason),
        onHandlerError: (error) =>
          this.#once.warn("bug", `session ${this.id}: failed to handle a message: ${stack(error)}`),
      },
    );
  }

  /** The shell's process id. */
  get pid(): number {
    return this.#pty.pid;
  }

  /** Resolves when the session is over and forgotten. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Current counters. */
  stats(): SessionStats {
    return {
      end: this.#output.end,
      ...this.#output.counters,
      connected: this.#canSend(),
      exit: this.#pty.exitStatus,
    };
  }

  /** Ends the shell (runner shutdown); its exit is reported if the connection is up. */
  stop(): Promise<void> {
    this.#end();
    return this.#done;
  }

  /** Last resort when stopping takes too long: kill everything now and forget the session. */
  forceEnd(): void {
    this.#abandoned = true;
    this.#pty.terminate(0);
    void this.#finish(CloseCode.GOING_AWAY, "runner stopping");
  }

  // ----- PTY ----------------------------------------------------------------------------------

  #onPtyExit(status: ExitStatus): void {
    const how = status.signal ? `signal ${status.signal}` : `code ${status.code}`;
    this.#ctx.options.log.info(`session ${this.id}: shell exited (${how})`);
    this.#output.flushNow();
    this.#finishIfDone();
  }

  #pause(by: "flow" | "keyframes"): void {
    this.#pausedBy.add(by);
    this.#pty.pause();
  }

  #resume(by: "flow" | "keyframes"): void {
    this.#pausedBy.delete(by);
    if (this.#pausedBy.size === 0) this.#pty.resume();
  }

  // ----- Sending ------------------------------------------------------------------------------

  #canSend(): boolean {
    return this.#output.live && !this.#abandoned && this.#socket.isOpen;
  }

  /** The exit goes after the last output frame, on every connection until the edge says close. */
  #sendExitIfDue(): void {
    const exit = this.#pty.exitStatus;
    if (!exit || this.#exitSent || !this.#helloSent || !this.#canSend()) return;
    if (this.#output.unsentBytes > 0) return;
    this.#sendJson({ type: "exit", exit, offset: this.#output.end });
    this.#exitSent = true;
    this.#finishIfDone();
  }

  #sendJson(message: RunnerToSession): void {
    this.#socket.send(JSON.stringify(message));
  }

  /**
   * Every output frame goes before the answer, so once the session has stored everything before
   * `offset` the facts hold. Probes of a connection that is gone are not answered (reset()).
   */
  #answerProbes(probes: number[], facts: TerminalFacts | null): void {
    this.#output.flushNow();
    if (!this.#canSend() || this.#output.unsentBytes > 0) return;
    const offset = this.#output.end;
    for (const probe of probes) this.#sendJson({ type: "terminal", probe, offset, facts });
  }

  async #inputDelivered(maxWaitMs: number): Promise<void> {
    if (await this.#pty.inputDelivered(maxWaitMs)) return;
    this.#once.warn(
      "input-flush",
      `session ${this.id}: could not make sure typed input reached the program before a probe (no bash on this machine, or node-pty internals changed); answers right after input may describe the terminal before it`,
    );
  }

  #recheck(): void {
    if (this.#pty.recheck() === null) {
      this.#once.warn(
        "recheck",
        "node-pty internals changed: a probe may answer before the last output arrived",
      );
    }
  }

  // ----- Data connection ----------------------------------------------------------------------

  #onOpen(): void {
    // Wait for the welcome: only the session knows where its stored output ends.
    this.#output.halt();
    this.#probes.reset();
    this.#helloSent = false;
    this.#exitSent = false;
  }

  #onDisconnect(code: number, reason: string): void {
    this.#output.halt();
    this.#probes.reset();
    if (this.#ending) {
      this.#finishIfDone();
      return;
    }
    const why = reason ? `${describeCloseCode(code)}: ${reason}` : describeCloseCode(code);
    this.#ctx.options.log.info(`session ${this.id}: connection lost (${why}); reconnecting`);
  }

  #onFatal(code: number, reason: string): void {
    this.#ctx.options.log.warn(
      `session ${this.id}: the edge closed it for good (${code}, ${describeCloseCode(code)}${reason ? `: ${reason}` : ""}); ending the shell`,
    );
    this.#output.halt();
    this.#abandoned = true;
    this.#ending = true;
    if (this.#pty.exitStatus) void this.#finish();
    else this.#pty.terminate(this.#ctx.options.killGraceMs);
  }

  #onWelcome(
    storedEnd: number,
    size: TerminalSize | null,
    keyframeEveryBytes: number | undefined,
  ): void {
    // Resend first (start() flushes), then hello, then apply the size: the order the session
    // expects. An exit already due waits for the hello.
    this.#helloSent = false;
    const resumed = this.#output.start(storedEnd);
    if (!resumed.ok) {
      this.#ctx.options.log.warn(
        `session ${this.id}: ${resumed.error}; sending from ${resumed.from}`,
      );
    }
    this.#sendJson({ type: "hello", ...this.#ctx.hello });
    this.#helloSent = true;
    if (size) this.#resize(size);
    this.#keyframes?.welcomed(keyframeEveryBytes);
    this.#sendExitIfDue();
  }

  /** The edge's `close`, or runner shutdown: end the shell, report its exit, then go. */
  #end(): void {
    this.#ending = true;
    this.#socket.stopReconnecting();
    if (this.#pty.exitStatus) this.#finishIfDone();
    else this.#pty.terminate(this.#ctx.options.killGraceMs);
  }

  #resize(size: TerminalSize): void {
    const before = this.#pty.size;
    if (this.#pty.resize(size)) {
      if (before.cols !== size.cols || before.rows !== size.rows) {
        this.#keyframes?.resized(size.cols, size.rows);
      }
    } else if (!this.#pty.exitStatus) {
      this.#once.warn("resize", `session ${this.id}: the PTY refused a resize`);
    }
  }

  // ----- Ending -------------------------------------------------------------------------------

  /** Goes once the shell has exited and either the exit was reported or cannot be. */
  #finishIfDone(): void {
    if (!this.#pty.exitStatus || !this.#ending) return;
    if (this.#exitSent || this.#abandoned || !this.#socket.isOpen) void this.#finish();
    else this.#sendExitIfDue();
  }

  async #finish(code = 1000, reason = "session over"): Promise<void> {
    if (this.#gone) return;
    this.#gone = true;
    this.#output.halt();
    this.#keyframes?.close();
    this.#pty.dispose();
    await this.#socket.close(code, reason);
    this.#ctx.onGone(this.id);
    this.#resolveDone();
  }
}

function stack(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
