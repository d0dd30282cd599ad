/** REST routes for tenants, their API keys and their join secret: the bootstrap key creates tenants; a tenant's keys:admin key manages its keys and join secret. */
import { Hono } from "hono";
import { DEFAULT_TENANT, isValidTenantName } from "../../protocol/index.ts";
import { SCOPES, isScopeList } from "../auth/api-keys.ts";
import { requireScope, type ApiEnv } from "../auth/bearer.ts";
import { ApiError } from "../http/errors.ts";
import { readJsonObject } from "../http/read-json.ts";
import { tenantDirectory } from "../sessions/session-service.ts";

/** Mounted at /api. */
export const keysRoutes = new Hono<ApiEnv>();

const KEY_NOTE = "Shown once: the edge keeps only its hash.";

/** `{tenant}`: a new tenant, and its first key (every scope), shown once. */
keysRoutes.post("/tenants", requireScope("tenants:admin"), async (c) => {
  const body = await readJsonObject(c.req.raw);
  const tenant = body.tenant;
  if (typeof tenant !== "string" || !isValidTenantName(tenant)) {
    throw new ApiError(400, "invalid_request", "tenant must be 1-32 of a-z, 0-9 and '-'");
  }
  const directory = tenantDirectory(c.env, tenant);
  if (tenant === DEFAULT_TENANT || (await directory.hasKeys())) {
    throw new ApiError(409, "tenant_exists", `tenant "${tenant}" already exists`);
  }
  const { key, info } = await directory.createKey(tenant, "first admin key", [...SCOPES]);
  return c.json({ tenant, key, ...info, note: KEY_NOTE }, 201);
});

/** `{name?, scopes}`: a new key of the caller's tenant, shown once. */
keysRoutes.post("/keys", requireScope("keys:admin"), async (c) => {
  const body = await readJsonObject(c.req.raw);
  if (!isScopeList(body.scopes)) {
    throw new ApiError(
      400,
      "invalid_request",
      `scopes must be a non-empty list of: ${SCOPES.join(", ")}`,
    );
  }
  const name = typeof body.name === "string" ? body.name.slice(0, 100) : "";
  const { tenant } = c.get("caller");
  const { key, info } = await tenantDirectory(c.env, tenant).createKey(tenant, name, body.scopes);
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
