/** The runner: one control connection to the hub, and one Session per shell the hub asks for. */
import { basename } from "node:path";
import {
  CloseCode,
  PROTOCOL_VERSION,
  describeCloseCode,
  parseHubToRunnerMessage,
} from "../protocol/index.ts";
import type { HubToRunner, RunnerToHub } from "../protocol/index.ts";
import { EdgeSocket } from "./edge-socket.ts";
import { KeyframeWorkers } from "./keyframes/keyframe-workers.ts";
import { OnceLogger } from "./log.ts";
import { newMarkNonce } from "./mark-nonce.ts";
import { controlUrl, resolveRunnerOptions } from "./options.ts";
import type { RunnerOptions, RunnerOptionsInput } from "./options.ts";
import { SILENT_BEATS_BEFORE_RECONNECT, Session } from "./session.ts";
import type { SessionStats } from "./session.ts";
import { refusalMessage } from "./refusal-message.ts";
import { planSession } from "./session-plan.ts";
import { ShellIntegration } from "./shell-integration.ts";
import { RUNNER_VERSION } from "./version.ts";

/** Why a runner stopped. */
export type RunnerStopReason =
  | { kind: "stopped" }
  /** The edge refused this runner for good (bad token, wrong version, replaced, ...). */
  | { kind: "refused"; code: number; message: string };

/** A running runner. */
export interface Runner {
  /** The host name it registered as. */
  readonly host: string;
  /** Settles when the runner has stopped, by `stop()` or because the edge refused it. */
  readonly done: Promise<RunnerStopReason>;
  /** Ends every session (their exits reported), closes the control connection, resolves when done. */
  stop(): Promise<void>;
  /** Ids of the sessions it runs. */
  sessionIds(): string[];
  /** Counters of one session, or null. */
  sessionStats(sessionId: string): SessionStats | null;
  /** Process id of one session's shell, or null. */
  sessionPid(sessionId: string): number | null;
}

/**
 * Validates the options (throws ConfigError), then connects. It does not wait for the edge: an
 * unreachable edge is retried with backoff, and `done` settles only when the runner stops.
 */
export async function startRunner(input: RunnerOptionsInput): Promise<Runner> {
  return new RunnerImpl(resolveRunnerOptions(input));
}

class RunnerImpl implements Runner {
  readonly host: string;
  readonly done: Promise<RunnerStopReason>;
  readonly #options: RunnerOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #shells: ShellIntegration;
  readonly #control: EdgeSocket;
  readonly #once: OnceLogger;
  /** Started with the first session that needs it (--no-keyframes: never). */
  #keyframeWorkers: KeyframeWorkers | null = null;
  #resolveDone!: (reason: RunnerStopReason) => void;
  #stopping: Promise<void> | null = null;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.host = options.host;
    this.#once = new OnceLogger(options.log);
    this.#shells = new ShellIntegration(options.shellIntegration);
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#control = new EdgeSocket(
      {
        url: controlUrl(options.url, options.host),
        token: options.token,
        backoff: options.backoff,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        silentBeatsBeforeReconnect: SILENT_BEATS_BEFORE_RECONNECT,
      },
      {
        onOpen: () => this.#hello(),
        onText: (text) => this.#onText(text),
        onBinary: () =>
          this.#once.warn("binary", "ignored a binary frame on the control connection"),
        onDisconnect: (code, reason) =>
          options.log.warn(
            `lost the control connection (${describeCloseCode(code)}${reason ? `: ${reason}` : ""}); reconnecting`,
          ),
        onFatal: (code, reason) => void this.#refused(code, reason),
        onHandlerError: (error) =>
          this.#once.warn(
            "bug",
            `failed to handle a hub message: ${error instanceof Error ? error.stack : String(error)}`,
          ),
      },
    );
  }

  sessionIds(): string[] {
    return [...this.#sessions.keys()];
  }

  sessionStats(sessionId: string): SessionStats | null {
    return this.#sessions.get(sessionId)?.stats() ?? null;
  }

  sessionPid(sessionId: string): number | null {
    return this.#sessions.get(sessionId)?.pid ?? null;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown(CloseCode.GOING_AWAY, "runner stopping").then(() =>
      this.#resolveDone({ kind: "stopped" }),
    );
    return this.#stopping;
  }

  #hello(): void {
    this.#send({
      type: "hello",
      host: this.host,
      version: RUNNER_VERSION,
      maxSessions: this.#options.maxSessions,
      sessions: this.sessionIds(),
    });
  }

  #onText(text: string): void {
    const parsed = parseHubToRunnerMessage(text);
    if (!parsed.ok) {
      this.#once.warn(`bad:${parsed.error}`, `ignored a message from the hub: ${parsed.error}`);
      // An open the runner refuses is still answered, so its session does not wait for a shell.
      const raw = parsed.raw;
      if (raw?.type === "open" && typeof raw.sessionId === "string") {
        this.#openFailed(raw.sessionId, `the open message was refused: ${parsed.error}`);
      }
      return;
    }
    const message: HubToRunner = parsed.message;
    switch (message.type) {
      case "welcome":
        if (message.protocol !== PROTOCOL_VERSION) {
          this.#once.warn("protocol", `the hub speaks protocol ${message.protocol}`);
        }
        this.#options.log.info(`connected to the edge as host "${message.host}"`);
        return;
      case "open":
        this.#open(message as unknown as Record<string, unknown>);
        return;
      case "error":
        this.#once.warn(
          `error:${message.code}`,
          `the hub reported ${message.code}: ${message.message}`,
        );
        return;
    }
  }

  #open(message: Record<string, unknown>): void {
    const { log } = this.#options;
    if (this.#stopping) {
      if (typeof message.sessionId === "string") {
        this.#openFailed(message.sessionId, "the runner is shutting down");
      }
      return;
    }
    const planned = planSession(message, this.#options);
    if (!planned.ok) {
      log.warn(`refused to open a session: ${planned.error}`);
      if (planned.sessionId !== null) this.#openFailed(planned.sessionId, planned.error);
      return;
    }
    const { plan } = planned;
    // The hub may repeat an open after it reconnects; the session is already running.
    if (this.#sessions.has(plan.sessionId)) return;
    if (this.#sessions.size >= this.#options.maxSessions) {
      const error = `this runner already runs its maximum of ${this.#options.maxSessions} sessions (--max-sessions)`;
      log.warn(`refused session ${plan.sessionId}: ${error}`);
      this.#openFailed(plan.sessionId, error);
      return;
    }
    for (const warning of plan.warnings) log.warn(`session ${plan.sessionId}: ${warning}`);
    const shell = this.#options.shell;
    const nonce = newMarkNonce();
    const extra = this.#shells.launch(shell, plan.env, nonce);
    try {
      const session = new Session({
        plan,
        launch: { file: shell, args: extra.args, env: { ...plan.env, ...extra.env } },
        hello: { shell: basename(shell), marks: extra.marks, nonce: extra.marks ? nonce : null },
        options: this.#options,
        keyframes: this.#keyframes(),
        onGone: (id) => this.#sessions.delete(id),
      });
      this.#sessions.set(plan.sessionId, session);
      log.info(
        `session ${plan.sessionId}: started ${shell} in ${plan.cwd} (${plan.size.cols}x${plan.size.rows}, pid ${session.pid})`,
      );
    } catch (error) {
      const reason = `could not start ${shell}: ${(error as Error).message}`;
      log.warn(`session ${plan.sessionId}: ${reason}`);
      this.#openFailed(plan.sessionId, reason);
    }
  }

  #keyframes(): KeyframeWorkers | null {
    if (!this.#options.keyframes) return null;
    this.#keyframeWorkers ??= new KeyframeWorkers();
    return this.#keyframeWorkers;
  }

  #openFailed(sessionId: string, message: string): void {
    this.#send({ type: "open-failed", sessionId, message });
  }

  #send(message: RunnerToHub): void {
    this.#control.send(JSON.stringify(message));
  }

  async #refused(code: number, reason: string): Promise<void> {
    const message = refusalMessage(code, reason, this.host);
    this.#options.log.error(message);
    this.#stopping ??= this.#shutdown(CloseCode.GOING_AWAY, "refused");
    await this.#stopping;
    this.#resolveDone({ kind: "refused", code, message });
  }

  async #shutdown(code: number, reason: string): Promise<void> {
    const sessions = [...this.#sessions.values()];
    if (sessions.length > 0) this.#options.log.info(`ending ${sessions.length} session(s)`);
    const ended = Promise.all(sessions.map((s) => s.stop()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.#options.stopTimeoutMs);
    });
    if ((await Promise.race([ended, late])) === "late") {
      this.#options.log.warn("some sessions did not end in time; killing them");
      for (const session of this.#sessions.values()) session.forceEnd();
    }
    clearTimeout(timer);
    await this.#control.close(code, reason);
    await this.#keyframeWorkers?.close();
    this.#shells.dispose();
  }
}
