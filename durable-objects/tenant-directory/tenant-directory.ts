/**
 * The TenantDirectory Durable Object, one per tenant: the tenant's API keys (hashed), the names
 * of its hosts, the ids of its sessions, and the secret its join JWTs are signed with. API calls check their key here (one object per tenant, never a global one); a
 * runner connecting or a session opening goes straight to its host's or session's own object.
 */
import { DurableObject } from "cloudflare:workers";
import { mintApiKey, type Scope } from "../../worker/auth/api-keys.ts";
import { randomBase64Url } from "../../worker/auth/crypto.ts";
import { secretMatchesHash } from "../../worker/auth/secret-hash.ts";

const JOIN_SECRET_KEY = "join-secret";

/** The name of `tenant`'s directory object. */
export function tenantDirectoryName(tenant: string): string {
  return `tenant:${tenant}`;
}

/** Most hosts or keys one listing returns. */
export const HOST_LIST_LIMIT = 1000;

/** A session as the directory knows it: enough to find it; its object knows the rest. */
export interface SessionEntry {
  id: string;
  host: string;
  createdAt: number;
}

/** A key as lists show it: never its secret or hash. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  created_at: string;
  revoked_at: string | null;
}

/** Host names and API keys in the object's SQLite storage. */
export class TenantDirectory extends DurableObject<Env> {
  #ready = false;

  // Tables are made on first use, not in the constructor: asking about a tenant that does not
  // exist (a forged join JWT names any tenant) leaves nothing behind.
  #sql(): SqlStorage {
    const sql = this.ctx.storage.sql;
    if (!this.#ready) {
      sql.exec(
        "CREATE TABLE IF NOT EXISTS hosts (name TEXT PRIMARY KEY, added_at INTEGER NOT NULL)",
      );
      sql.exec(
        "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, host TEXT NOT NULL, created_at INTEGER NOT NULL)",
      );
      sql.exec("CREATE INDEX IF NOT EXISTS sessions_by_age ON sessions (created_at DESC, id)");
      sql.exec(`CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY, hash TEXT NOT NULL, name TEXT NOT NULL, scopes TEXT NOT NULL,
        created_at INTEGER NOT NULL, revoked_at INTEGER
      )`);
      this.#ready = true;
    }
    return sql;
  }

  /** The secret join JWTs of this tenant are signed with (HS256), or null before one is made. */
  async joinSecret(): Promise<string | null> {
    return (this.ctx.storage.kv.get(JOIN_SECRET_KEY) as string | undefined) ?? null;
  }

  /** Makes a new join secret, replacing the old one (every JWT signed with it stops working). */
  async rotateJoinSecret(): Promise<string> {
    const secret = randomBase64Url(32);
    this.ctx.storage.kv.put(JOIN_SECRET_KEY, secret);
    return secret;
  }

  /** Records a host (idempotent). */
  async add(host: string): Promise<void> {
    this.#sql().exec(
      "INSERT OR IGNORE INTO hosts (name, added_at) VALUES (?, ?)",
      host,
      Date.now(),
    );
  }

  /** Records a session of this tenant, so that listings find it. */
  async addSession(entry: SessionEntry): Promise<void> {
    this.#sql().exec(
      "INSERT OR IGNORE INTO sessions (id, host, created_at) VALUES (?, ?, ?)",
      entry.id,
      entry.host,
      entry.createdAt,
    );
  }

  /** Forgets sessions that ended (their objects said so when a listing asked). */
  async removeSessions(ids: string[]): Promise<void> {
    for (const id of ids) this.#sql().exec("DELETE FROM sessions WHERE id = ?", id);
  }

  /** Up to `limit` sessions, newest first, created before `before` (ms; for paging). */
  async listSessions(limit: number, before = Number.MAX_SAFE_INTEGER): Promise<SessionEntry[]> {
    return this.#sql()
      .exec<{ id: string; host: string; created_at: number }>(
        "SELECT id, host, created_at FROM sessions WHERE created_at < ? ORDER BY created_at DESC, id LIMIT ?",
        before,
        limit,
      )
      .toArray()
      .map((row) => ({ id: row.id, host: row.host, createdAt: row.created_at }));
  }

  /** Forgets a host (its credential was revoked). */
  async remove(host: string): Promise<void> {
    this.#sql().exec("DELETE FROM hosts WHERE name = ?", host);
  }

  /** Host names after `after` (for paging), at most HOST_LIST_LIMIT. */
  async list(after = ""): Promise<string[]> {
    return this.#sql()
      .exec<{ name: string }>(
        "SELECT name FROM hosts WHERE name > ? ORDER BY name LIMIT ?",
        after,
        HOST_LIST_LIMIT,
      )
      .toArray()
      .map((row) => row.name);
  }

  /** Creates a key with `scopes`; returns it, the only time its secret is seen. */
  async createKey(
    tenant: string,
    name: string,
    scopes: Scope[],
  ): Promise<{ key: string; info: ApiKeyInfo }> {
    const minted = await mintApiKey(this.env.SESSION_SECRET, tenant);
    const now = Date.now();
    this.#sql().exec(
      "INSERT INTO api_keys (id, hash, name, scopes, created_at) VALUES (?, ?, ?, ?, ?)",
      minted.id,
      minted.hash,
      name,
      JSON.stringify(scopes),
      now,
    );
    const info = { id: minted.id, name, scopes, created_at: new Date(now).toISOString() };
    return { key: minted.key, info: { ...info, revoked_at: null } };
  }

  /** Whether any key was ever created here (a tenant exists once it has its first key). */
  async hasKeys(): Promise<boolean> {
    return this.#sql().exec("SELECT 1 FROM api_keys LIMIT 1").toArray().length > 0;
  }

  /** The scopes of a live key whose secret matches, else null. */
  async verifyKey(id: string, secret: string): Promise<Scope[] | null> {
    const row = this.ctx.storage.sql
      .exec<{ hash: string; scopes: string; revoked_at: number | null }>(
        "SELECT hash, scopes, revoked_at FROM api_keys WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (!row || row.revoked_at !== null) return null;
    if (!(await secretMatchesHash(secret, row.hash))) return null;
    return JSON.parse(row.scopes) as Scope[];
  }

  /** Every key, newest first, without secrets. */
  async listKeys(): Promise<ApiKeyInfo[]> {
    return this.#sql()
      .exec<{
        id: string;
        name: string;
        scopes: string;
        created_at: number;
        revoked_at: number | null;
      }>(
        "SELECT id, name, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at DESC LIMIT ?",
        HOST_LIST_LIMIT,
      )
      .toArray()
      .map((row) => ({
        id: row.id,
        name: row.name,
        scopes: JSON.parse(row.scopes) as Scope[],
        created_at: new Date(row.created_at).toISOString(),
        revoked_at: row.revoked_at === null ? null : new Date(row.revoked_at).toISOString(),
      }));
  }

  /** Revokes a key; false when there is no such live key. */
  async revokeKey(id: string): Promise<boolean> {
    const cursor = this.#sql().exec(
      "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
      Date.now(),
      id,
    );
    return cursor.rowsWritten > 0;
  }
}
