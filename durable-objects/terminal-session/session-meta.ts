/** The session's own record (who, where, state, size, exit), kept in the object's KV storage. */
import {
  DEFAULT_TENANT,
  type ExitStatus,
  type RunnerState,
  type SessionInfo,
  type SessionState,
  type TerminalSize,
} from "../../protocol/index.ts";

/** Everything the session object knows about itself besides its output. */
export interface SessionMeta {
  id: string;
  /** The tenant the session belongs to (absent in records from before tenants: the default one). */
  tenant?: string;
  host: string;
  state: SessionState;
  createdAt: number;
  cwd: string | null;
  size: TerminalSize;
  /** The size it was created with (absent in records from before it was kept: `size` then). */
  initialSize?: TerminalSize;
  /** Incremented for each runner connection; older connections are fenced. */
  runnerGeneration: number;
  exit: ExitStatus | null;
  exitedAt: number | null;
  endedAt: number | null;
  /** Why the session ended or failed, for people. */
  reason: string | null;
  lastActivityAt: number;
  /** How the runner started the shell (its `hello`): whether it prints marks, and their nonce. */
  shell?: { name: string; marks: boolean; nonce: string | null } | null;
}

/** What the API may ask for when it creates a session. */
export interface SessionInit {
  id: string;
  tenant: string;
  host: string;
  cwd: string | null;
  size: TerminalSize;
}

/** A summary for the API and for `welcome` (its shape is the protocol's). */
export type { SessionInfo };

const META_KEY = "meta";

/** The part of the object's synchronous KV storage this module uses (SyncKvStorage). */
export interface MetaStore {
  get<T>(key: string): T | undefined;
  put<T>(key: string, value: T): void;
}

/** Reads the record, or null for an object that was never created as a session. */
export function loadMeta(kv: MetaStore): SessionMeta | null {
  return kv.get<SessionMeta>(META_KEY) ?? null;
}

/** Writes the record. */
export function saveMeta(kv: MetaStore, meta: SessionMeta): void {
  kv.put(META_KEY, meta);
}

/** A fresh record for a session being created. */
export function newMeta(init: SessionInit, now: number): SessionMeta {
  return {
    id: init.id,
    tenant: init.tenant,
    host: init.host,
    state: "starting",
    createdAt: now,
    cwd: init.cwd,
    size: init.size,
    initialSize: init.size,
    runnerGeneration: 0,
    exit: null,
    exitedAt: null,
    endedAt: null,
    reason: null,
    lastActivityAt: now,
  };
}

/** The tenant a record belongs to. */
export function tenantOf(meta: SessionMeta): string {
  return meta.tenant ?? DEFAULT_TENANT;
}
