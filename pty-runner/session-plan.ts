/** Turns the hub's `open` request into what to spawn: size, working directory, environment. */
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_COLS, DEFAULT_ROWS, checkTerminalSize } from "../protocol/index.ts";
import type { TerminalSize } from "../protocol/index.ts";
import { TERM_NAME } from "./pty-process.ts";

/** A checked request to open a session. */
export interface SessionPlan {
  sessionId: string;
  size: TerminalSize;
  cwd: string;
  env: Record<string, string>;
  /** Problems that did not stop the session (a bad size fell back to the default). */
  warnings: string[];
}

/** The plan, or why there is none (`sessionId` is null when the request did not even name one). */
export type PlanResult =
  { ok: true; plan: SessionPlan } | { ok: false; sessionId: string | null; error: string };

/** Runner settings the plan depends on. */
export interface PlanDefaults {
  cwd: string;
  shell: string;
  envAllow: string[];
}

// Printable ASCII: the id goes into a URL path (encoded) and into log lines.
const SESSION_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Never hand the runner's credential, or an edge secret that leaked into its environment, to a
// shell, even if an allow list names it.
const NEVER_PASSED = new Set(["RUNNER_TOKEN", "API_TOKEN", "SESSION_SECRET"]);

/** Checks an `open` message (already JSON-parsed, otherwise untrusted) against the defaults. */
export function planSession(
  message: Record<string, unknown>,
  defaults: PlanDefaults,
  runnerEnv: NodeJS.ProcessEnv = process.env,
): PlanResult {
  const sessionId = message.sessionId;
  if (typeof sessionId !== "string" || !SESSION_ID_PATTERN.test(sessionId)) {
    return { ok: false, sessionId: null, error: "open: sessionId must be printable ASCII" };
  }
  const fail = (error: string): PlanResult => ({ ok: false, sessionId, error });
  const warnings: string[] = [];

  const checked = checkTerminalSize(message.cols, message.rows);
  let size: TerminalSize = { cols: DEFAULT_COLS, rows: DEFAULT_ROWS };
  if (checked.ok) size = checked.size;
  else warnings.push(`${checked.error}; using ${DEFAULT_COLS}x${DEFAULT_ROWS}`);

  const cwd = resolveCwd(message.cwd, defaults.cwd);
  if (cwd === null) return fail("open: cwd must be a string or null");
  if (!isDirectory(cwd)) return fail(`working directory ${cwd} does not exist on this host`);

  const requested = message.env ?? {};
  if (typeof requested !== "object" || requested === null || Array.isArray(requested)) {
    return fail("open: env must be an object of strings");
  }
  const env = allowedEnv(defaults.envAllow, runnerEnv);
  for (const [name, value] of Object.entries(requested)) {
    if (!ENV_NAME_PATTERN.test(name)) return fail(`open: bad environment variable name ${name}`);
    if (typeof value !== "string" || value.includes("\0")) {
      return fail(`open: env.${name} must be a string without NUL bytes`);
    }
    env[name] = value;
  }
  env.HOME ??= homedir();
  env.SHELL = defaults.shell;
  // The browser's terminal is xterm.js: programs must not guess from the runner's own TERM.
  env.TERM = TERM_NAME;
  env.COLORTERM = "truecolor";
  return { ok: true, plan: { sessionId, size, cwd, env, warnings } };
}

/** The runner's variables whose names match `allow` (exact names, or prefixes ending in `*`). */
export function allowedEnv(allow: string[], runnerEnv: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(runnerEnv)) {
    if (value === undefined || NEVER_PASSED.has(name)) continue;
    const allowed = allow.some((pattern) =>
      pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern,
    );
    if (allowed) env[name] = value;
  }
  return env;
}

function resolveCwd(cwd: unknown, fallback: string): string | null {
  if (cwd === null || cwd === undefined || cwd === "") return fallback;
  if (typeof cwd !== "string" || cwd.includes("\0")) return null;
  if (cwd === "~") return homedir();
  if (cwd.startsWith("~/")) return join(homedir(), cwd.slice(2));
  return resolve(fallback, cwd);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
