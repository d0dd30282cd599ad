/** REST routes for tenants, their API keys and their join secret: the bootstrap key creates tenants; a tenant's keys:admin key manages its keys and join secret. */
import { Hono } from "hono";
import {
  DEFAULT_TENANT,
  NewKeyRequestSchema,
  SCOPES,
  TenantRequestSchema,
} from "../../protocol/index.ts";
import { requireScope, type ApiEnv } from "../auth/bearer.ts";
import { ApiError } from "../http/errors.ts";
import { readJsonBody } from "../http/read-json.ts";
import { tenantDirectory } from "../sessions/session-service.ts";

/** Mounted at /api. */
export const keysRoutes = new Hono<ApiEnv>();

const KEY_NOTE = "Shown once: the edge keeps only its hash.";

/** `{tenant}`: a new tenant, and its first key (every scope), shown once. */
keysRoutes.post("/tenants", requireScope("tenants:admin"), async (c) => {
  const { tenant } = await readJsonBody(c.req.raw, TenantRequestSchema);
  const directory = tenantDirectory(c.env, tenant);
  if (tenant === DEFAULT_TENANT || (await directory.hasKeys())) {
    throw new ApiError(409, "tenant_exists", `tenant "${tenant}" already exists`);
  }
  const { key, info } = await directory.createKey(tenant, "first admin key", [...SCOPES]);
  return c.json({ tenant, key, ...info, note: KEY_NOTE }, 201);
});

/** `{name?, scopes}`: a new key of the caller's tenant, shown once. */
keysRoutes.post("/keys", requireScope("keys:admin"), async (c) => {
  const body = await readJsonBody(c.req.raw, NewKeyRequestSchema);
  const { tenant } = c.get("caller");
  const directory = tenantDirectory(c.env, tenant);
  const { key, info } = await directory.createKey(tenant, body.name ?? "", body.scopes);
  return c.json({ tenant, key, ...info, note: KEY_NOTE }, 201);
});

/** The caller's tenant's keys, newest first: ids, names, scopes; never a secret. */
keysRoutes.get("/keys", requireScope("keys:admin"), async (c) =>
  c.json({ keys: await tenantDirectory(c.env, c.get("caller").tenant).listKeys() }),
);

/** Revokes a key of the caller's tenant: it is refused (401) from the next request on. */
keysRoutes.delete("/keys/:id", requireScope("keys:admin"), async (c) => {
  const id = c.req.param("id");
  const revoked = await tenantDirectory(c.env, c.get("caller").tenant).revokeKey(id);
  if (!revoked) throw new ApiError(404, "key_not_found", `no live key with id "${id}"`);
  return c.json({ id, revoked: true });
});

/**
 * Makes (or replaces) the tenant's join secret and returns it, once: with it the tenant's backend
 * mints join links itself, as HS256 JWTs (claims in docs/security.md). Replacing it ends every
 * link signed with the old one at its next connection or renewal.
 */
keysRoutes.post("/join-secret", requireScope("keys:admin"), async (c) => {
  const { tenant } = c.get("caller");
  const secret = await tenantDirectory(c.env, tenant).rotateJoinSecret();
  return c.json(
    {
      tenant,
      secret,
      algorithm: "HS256",
      claims: {
        session: "session id",
        role: "viewer | writer",
        exp: "seconds",
        tenant,
        sub: "your user id (optional)",
      },
      note: "Shown once. Sign join tokens with it (HS256); the edge checks them on connect.",
    },
    201,
  );
});
