/**
 * Join tokens an embedding product mints itself: standard JWTs (RFC 7519), HS256 over the tenant's
 * join secret, so any JWT library can make them without calling the edge. Claims:
 * `session` (the session id), `role` ("viewer" or "writer"), `exp` (seconds since the epoch),
 * `tenant` (whose secret signed it), `sub` (the product's user id, shown to other viewers;
 * optional), and optionally `nbf` and `iat`.
 */
import { isValidTenantName, type Role } from "../../protocol/index.ts";
import { fromBase64Url, hmacVerify } from "./crypto.ts";
import type { TokenCheck } from "./join-token.ts";

/** Longest `sub` kept (characters). */
export const MAX_SUBJECT_LENGTH = 128;

/** The tenant a JWT names, without checking anything else; null when it is not a join JWT. */
export function jwtTenant(token: string): string | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const header = decodeJson(parts[0]!);
  if (header?.alg !== "HS256") return null;
  const payload = decodeJson(parts[1]!);
  const tenant = payload?.tenant;
  return typeof tenant === "string" && isValidTenantName(tenant) ? tenant : null;
}

/**
 * Whether a string has the shape of a JWT: three dot-separated parts whose first decodes to a JSON
 * header naming an algorithm. Shape only: it says which kind of credential a bearer is, not
 * whether it is valid.
 */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split(".");
  return parts.length === 3 && typeof decodeJson(parts[0]!)?.alg === "string";
}

/** Verifies a join JWT against the tenant's join secret (null: the tenant has none). */
export async function verifyJoinJwt(
  token: string,
  secret: string | null,
  nowSeconds: number,
): Promise<TokenCheck> {
  const [header = "", payload = "", signature = ""] = token.split(".");
  if (decodeJson(header)?.alg !== "HS256") return { ok: false, reason: "join JWTs must use HS256" };
  if (secret === null) return { ok: false, reason: "this tenant has no join secret" };
  if (!(await hmacVerify(secret, `${header}.${payload}`, signature))) {
    return { ok: false, reason: "join token signature is invalid" };
  }
  const claims = decodeJson(payload);
  if (!claims) return { ok: false, reason: "join token payload is malformed" };
  const { session, role, exp, nbf, sub, tenant } = claims;
  if (typeof session !== "string" || (role !== "viewer" && role !== "writer")) {
    return { ok: false, reason: 'join token needs "session" and "role" ("viewer" or "writer")' };
  }
  if (typeof exp !== "number") return { ok: false, reason: 'join token needs "exp"' };
  if (exp <= nowSeconds) return { ok: false, reason: "join token has expired; ask for a new one" };
  if (typeof nbf === "number" && nbf > nowSeconds) {
    return { ok: false, reason: "join token is not valid yet" };
  }
  if (sub !== undefined && (typeof sub !== "string" || sub.length > MAX_SUBJECT_LENGTH)) {
    return {
      ok: false,
      reason: `"sub" must be a string of at most ${MAX_SUBJECT_LENGTH} characters`,
    };
  }
  return {
    ok: true,
    claims: {
      sessionId: session,
      role: role as Role,
      expiresAt: exp,
      subject: (sub as string | undefined) ?? null,
      tenant: tenant as string,
    },
  };
}

function decodeJson(part: string): Record<string, unknown> | null {
  const bytes = fromBase64Url(part);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
