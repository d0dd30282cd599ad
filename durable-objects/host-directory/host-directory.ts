/**
 * The HostDirectory Durable Object, one per tenant: the names of the tenant's hosts, for listing
 * them. Only minting, revoking and listing touch it; a runner connecting or a session opening goes
 * straight to its host's own object.
 */
import { DurableObject } from "cloudflare:workers";

/** The name of the directory object of the (for now, only) tenant. */
export const DEFAULT_DIRECTORY = "tenant:default";

/** Most hosts one listing returns. */
export const HOST_LIST_LIMIT = 1000;

/** Host names in the object's SQLite storage, in name order. */
export class HostDirectory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS hosts (name TEXT PRIMARY KEY, added_at INTEGER NOT NULL)",
    );
  }

  /** Records a host (idempotent). */
  async add(host: string): Promise<void> {
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO hosts (name, added_at) VALUES (?, ?)",
      host,
      Date.now(),
    );
  }

  /** Forgets a host (its credential was revoked). */
  async remove(host: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM hosts WHERE name = ?", host);
  }

  /** Host names after `after` (for paging), at most HOST_LIST_LIMIT. */
  async list(after = ""): Promise<string[]> {
    return this.ctx.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM hosts WHERE name > ? ORDER BY name LIMIT ?",
        after,
        HOST_LIST_LIMIT,
      )
      .toArray()
      .map((row) => row.name);
  }
}
