/** Hono middleware: who is calling (a tenant's API key, or the API_TOKEN bootstrap key of the default tenant) and whether the key's scopes allow the route. */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { DEFAULT_TENANT } from "../../protocol/index.ts";
import { tenantDirectory } from "../sessions/session-service.ts";
import { ApiError } from "../http/errors.ts";
import { BOOTSTRAP_SCOPES, isMintedKeyId, parseApiKey, type Scope } from "./api-keys.ts";
import { secretsEqual } from "./crypto.ts";
import { isJoinTokenShaped } from "./join-bearer.ts";

/** The authenticated caller of an API route. */
export interface Caller {
  tenant: string;
  scopes: Scope[];
  /** The key's id ("bootstrap" for API_TOKEN). */
  keyId: string;
}

/** Hono environment of the API routes: the bindings, and the caller set by `requireScope`. */
export type ApiEnv = { Bindings: Env; Variables: { caller: Caller } };

/** Refuses the request unless its key is valid (401) and holds `scope` (403). */
export function requireScope(scope: Scope | ((c: Context<ApiEnv>) => Promise<Scope> | Scope)) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const caller = c.get("caller") ?? (await identify(c.env, c.req.header("Authorization")));
    c.set("caller", caller);
    const needed = typeof scope === "function" ? await scope(c) : scope;
    if (!caller.scopes.includes(needed)) {
      throw new ApiError(403, "forbidden", `this API key lacks the scope ${needed}`);
    }
    await next();
  });
}

/** The credential of an `Authorization: Bearer <credential>` header, or null without one. */
export function bearerToken(header: string | undefined): string | null {
  return /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1] ?? null;
}

async function identify(env: Env, header: string | undefined): Promise<Caller> {
  const token = bearerToken(header);
  if (!token) {
    throw new ApiError(401, "unauthorized", "send an API key as `Authorization: Bearer <key>`");
  }
  if (env.API_TOKEN && (await secretsEqual(token, env.API_TOKEN))) {
    return { tenant: DEFAULT_TENANT, scopes: BOOTSTRAP_SCOPES, keyId: "bootstrap" };
  }
  // Said plainly, since a join link's token is easy to paste where a key belongs.
  if (isJoinTokenShaped(token)) {
    const opens = "a join token opens its own session's terminal and recording only";
    throw new ApiError(401, "unauthorized", `${opens}; this route needs an API key`);
  }
  const parts = parseApiKey(token);
  if (!parts || !(await isMintedKeyId(env.SESSION_SECRET, parts))) {
    throw new ApiError(401, "unauthorized", "the API key is wrong");
  }
  const scopes = await tenantDirectory(env, parts.tenant).verifyKey(parts.id, parts.secret);
  if (!scopes) throw new ApiError(401, "unauthorized", "the API key is wrong or was revoked");
  return { tenant: parts.tenant, scopes, keyId: parts.id };
}

/** Inside a handler: refuses (403) unless the caller, already identified, holds `scope`. */
export function demandScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.includes(scope)) {
    throw new ApiError(403, "forbidden", `this API key lacks the scope ${scope}`);
  }
}
