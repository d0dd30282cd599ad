/** Typed configuration read from the Worker's vars, with one DEFAULT_CONFIG and validation. */

/** Everything tunable about sessions and tokens. */
export interface Config {
  /** Browser origins allowed to open session sockets, besides the Worker's own origin. */
  allowedOrigins: string[];
  /** Output history kept per session (bytes). */
  historyCapBytes: number;
  /** Viewers per session. */
  maxViewers: number;
  /** A session with no input or output for this long ends (ms). */
  idleTimeoutMs: number;
  /** An exited session stays readable this long, then ends (ms). */
  exitedRetentionMs: number;
  /** Default lifetime of join tokens minted by the API (seconds). */
  joinTokenTtlSeconds: number;
  /** Origin of the join links the API hands out; null: the request's origin. */
  publicOrigin: string | null;
}

/** Defaults, used where a var is absent or empty. */
export const DEFAULT_CONFIG: Config = {
  allowedOrigins: [],
  historyCapBytes: 8 * 1024 * 1024,
  maxViewers: 50,
  idleTimeoutMs: 24 * 60 * 60 * 1000,
  exitedRetentionMs: 60 * 60 * 1000,
  joinTokenTtlSeconds: 60 * 60,
  publicOrigin: null,
};

/** The vars this module reads; a subset of Env so tests can pass plain objects. */
export interface ConfigVars {
  ALLOWED_ORIGINS?: string;
  HISTORY_CAP_BYTES?: string;
  MAX_VIEWERS?: string;
  IDLE_TIMEOUT_SECONDS?: string;
  EXITED_RETENTION_SECONDS?: string;
  JOIN_TOKEN_TTL_SECONDS?: string;
  PUBLIC_ORIGIN?: string;
}

/** Reads the configuration; a malformed number falls back to its default (and says so once). */
export function readConfig(vars: ConfigVars): Config {
  return {
    allowedOrigins: (vars.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim().replace(/\/$/, ""))
      .filter((o) => o.length > 0),
    historyCapBytes: positive(
      vars.HISTORY_CAP_BYTES,
      DEFAULT_CONFIG.historyCapBytes,
      "HISTORY_CAP_BYTES",
    ),
    maxViewers: positive(vars.MAX_VIEWERS, DEFAULT_CONFIG.maxViewers, "MAX_VIEWERS"),
    idleTimeoutMs:
      positive(
        vars.IDLE_TIMEOUT_SECONDS,
        DEFAULT_CONFIG.idleTimeoutMs / 1000,
        "IDLE_TIMEOUT_SECONDS",
      ) * 1000,
    exitedRetentionMs:
      positive(
        vars.EXITED_RETENTION_SECONDS,
        DEFAULT_CONFIG.exitedRetentionMs / 1000,
        "EXITED_RETENTION_SECONDS",
      ) * 1000,
    joinTokenTtlSeconds: positive(
      vars.JOIN_TOKEN_TTL_SECONDS,
      DEFAULT_CONFIG.joinTokenTtlSeconds,
      "JOIN_TOKEN_TTL_SECONDS",
    ),
    publicOrigin: origin(vars.PUBLIC_ORIGIN),
  };
}

const warned = new Set<string>();

function positive(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (Number.isFinite(value) && value > 0) return value;
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(
      `config: ${name}=${JSON.stringify(raw)} is not a positive number; using ${fallback}`,
    );
  }
  return fallback;
}

// An origin (scheme://host[:port]) or null; anything else is ignored, and said so.
function origin(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    if (url.protocol === "https:" || url.protocol === "http:") return url.origin;
  } catch {
    // Reported below.
  }
  console.warn(`PUBLIC_ORIGIN must be an http(s) origin, got ${JSON.stringify(value)}; ignored`);
  return null;
}
