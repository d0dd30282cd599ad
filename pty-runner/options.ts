/** Runner options: one typed object with defaults, validated before anything connects. */
import { existsSync, statSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { isAbsolute } from "node:path";
import { RUNNER_HEARTBEAT_INTERVAL_MS, isValidHostName } from "../protocol/index.ts";
import { DEFAULT_BACKOFF } from "./edge-socket.ts";
import type { BackoffOptions } from "./edge-socket.ts";
import { DEFAULT_WATERMARKS } from "./flow-control.ts";
import type { Watermarks } from "./flow-control.ts";
import { CONSOLE_LOGGER } from "./log.ts";
import type { Logger } from "./log.ts";
import { DEFAULT_PACER_OPTIONS } from "./output-pacer.ts";
import type { PacerOptions } from "./output-pacer.ts";
import { DEFAULT_DRAIN_OPTIONS } from "./pty-drain.ts";
import type { DrainOptions } from "./pty-drain.ts";

/** Everything a runner needs; `url` and `token` have no default. */
export interface RunnerOptions {
  /** Base URL of the edge: http(s):// or ws(s)://, optionally with a path prefix. */
  url: string;
  /** The host credential (sent as a WebSocket subprotocol, never logged). */
  token: string;
  /** Name this machine registers as. */
  host: string;
  /** Shell program to run in each PTY. */
  shell: string;
  /** Working directory of sessions that do not ask for one. */
  cwd: string;
  /** Most sessions at once; more `open` requests are refused. */
  maxSessions: number;
  /** Names of the runner's environment variables passed on to shells (`LC_*` style globs allowed). */
  envAllow: string[];
  /** Emit OSC 133 prompt marks from bash and zsh. */
  shellIntegration: boolean;
  /**
   * Follow each terminal's state in a worker thread and send keyframes, so late joiners and
   * read_output get the right screen whatever was trimmed from the history.
   */
  keyframes: boolean;
  /**
   * Heartbeat interval of the control connection to the host's hub (ms). Short, so the edge knows
   * within seconds that the host is gone; the runner reconnects after ten silent beats.
   */
  heartbeatIntervalMs: number;
  /**
   * Heartbeat interval of each session's data connection (ms). Short, so the session knows within
   * seconds that its runner is gone; the runner reconnects after ten silent beats.
   */
  sessionHeartbeatIntervalMs: number;
  backoff: BackoffOptions;
  watermarks: Watermarks;
  pacer: PacerOptions;
  drain: DrainOptions;
  /** Grace between SIGHUP and SIGKILL when a session is closed (ms). */
  killGraceMs: number;
  /** How long `stop()` waits for sessions to end and report their exit (ms). */
  stopTimeoutMs: number;
  log: Logger;
}

/** Environment passed to shells by default: what a login would set, nothing secret. */
export const DEFAULT_ENV_ALLOW = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LANGUAGE",
  "LC_*",
  "TZ",
  "TMPDIR",
];

/** Defaults of every option except `url` and `token`. */
export function defaultRunnerOptions(): Omit<RunnerOptions, "url" | "token"> {
  return {
    host: hostname(),
    shell: process.env.SHELL || "/bin/bash",
    cwd: homedir(),
    maxSessions: 100,
    envAllow: DEFAULT_ENV_ALLOW,
    shellIntegration: true,
    keyframes: true,
    heartbeatIntervalMs: RUNNER_HEARTBEAT_INTERVAL_MS,
    sessionHeartbeatIntervalMs: RUNNER_HEARTBEAT_INTERVAL_MS,
    backoff: DEFAULT_BACKOFF,
    watermarks: DEFAULT_WATERMARKS,
    pacer: DEFAULT_PACER_OPTIONS,
    drain: DEFAULT_DRAIN_OPTIONS,
    killGraceMs: 2_000,
    stopTimeoutMs: 5_000,
    log: CONSOLE_LOGGER,
  };
}

/** Options as a caller gives them: url and token required, the rest optional. */
export type RunnerOptionsInput = Partial<RunnerOptions> & Pick<RunnerOptions, "url" | "token">;

/** A configuration mistake, with a message that says how to fix it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

// The token travels as a subprotocol, which allows only HTTP token characters.
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]+$/;

/** Fills defaults and checks everything; throws ConfigError. */
export function resolveRunnerOptions(input: RunnerOptionsInput): RunnerOptions {
  const options: RunnerOptions = {
    ...defaultRunnerOptions(),
    ...stripUndefined(input),
    url: input.url,
    token: input.token,
  };
  edgeBaseUrl(options.url);
  if (!options.token)
    throw new ConfigError("no host credential: pass --token-file or set RUNNER_TOKEN");
  if (!TOKEN_PATTERN.test(options.token)) {
    throw new ConfigError(
      "the host credential may contain only letters, digits and . _ ~ - (it is sent as a WebSocket subprotocol)",
    );
  }
  if (!isValidHostName(options.host)) {
    throw new ConfigError(
      `host name ${JSON.stringify(options.host)} is not accepted by the edge: use 1-64 letters, digits, '.', '_' or '-' (--host)`,
    );
  }
  if (!isAbsolute(options.shell) || !existsSync(options.shell)) {
    throw new ConfigError(
      `shell ${JSON.stringify(options.shell)} is not an existing absolute path`,
    );
  }
  if (!isDirectory(options.cwd)) {
    throw new ConfigError(`working directory ${JSON.stringify(options.cwd)} does not exist`);
  }
  if (!Number.isInteger(options.maxSessions) || options.maxSessions < 1) {
    throw new ConfigError(`max sessions must be a whole number ≥ 1, got ${options.maxSessions}`);
  }
  return options;
}

/** The edge base URL as ws(s)://host/prefix (no trailing slash); throws ConfigError. */
export function edgeBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `--url ${JSON.stringify(url)} is not a URL (try https://your-edge.example)`,
    );
  }
  const scheme = { "http:": "ws:", "https:": "wss:", "ws:": "ws:", "wss:": "wss:" }[
    parsed.protocol
  ];
  if (!scheme) throw new ConfigError(`--url must start with http://, https://, ws:// or wss://`);
  if (parsed.search || parsed.hash)
    throw new ConfigError("--url must not have a query or #fragment");
  if (parsed.username || parsed.password)
    throw new ConfigError("--url must not contain credentials");
  parsed.protocol = scheme;
  return parsed.toString().replace(/\/+$/, "");
}

/** URL of the runner's control connection. */
export function controlUrl(base: string, host: string): string {
  return `${edgeBaseUrl(base)}/api/runners/${encodeURIComponent(host)}/connect`;
}

/** URL of a session's data connection. */
export function sessionUrl(base: string, sessionId: string): string {
  return `${edgeBaseUrl(base)}/api/sessions/${encodeURIComponent(sessionId)}/runner`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
