/**
 * Join tokens: HMAC-SHA256 (SESSION_SECRET) over session id, role and expiry. A session id alone
 * grants nothing; a token grants one role in one session until it expires.
 */
import type { Role } from "../../protocol/index.ts";
import { fromBase64Url, hmacSign, hmacVerify, toBase64Url } from "./crypto.ts";

/** What a valid join token says. */
export interface JoinClaims {
  sessionId: string;
  role: Role;
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
  /** Who the holder is (a product-minted JWT's `sub`); null for tokens the edge minted. */
  subject?: string | null;
  /** The tenant whose join secret signed it; null for tokens the edge minted. */
  tenant?: string | null;
}

/** Why a token was refused. */
export type TokenCheck = { ok: true; claims: JoinClaims } | { ok: false; reason: string };

const PREFIX = "jt1";

/** Signs a join token. */
export async function signJoinToken(secret: string, claims: JoinClaims): Promise<string> {
  const payload = toBase64Url(
    new TextEncoder().encode(
      JSON.stringify({ s: claims.sessionId, r: claims.role, e: claims.expiresAt }),
    ),
  );
  return `${PREFIX}.${payload}.${await hmacSign(secret, `${PREFIX}.${payload}`)}`;
}

/** Whether a string has the shape of a join token (used to refuse it on the runner route). */
export function looksLikeJoinToken(token: string): boolean {
  return token.startsWith(`${PREFIX}.`) && token.split(".").length === 3;
}

/** Verifies signature and expiry; the caller checks the session id against the route. */
export async function verifyJoinToken(
  secret: string,
  token: string,
  nowSeconds: number,
): Promise<TokenCheck> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== PREFIX) return { ok: false, reason: "not a join token" };
  const [, payload = "", signature = ""] = parts;
  if (!(await hmacVerify(secret, `${PREFIX}.${payload}`, signature))) {
    return { ok: false, reason: "join token signature is invalid" };
  }
  const bytes = fromBase64Url(payload);
  let body: unknown;
  try {
    body = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : null;
  } catch {
    body = null;
  }
  if (!isClaimsBody(body)) return { ok: false, reason: "join token payload is malformed" };
  if (body.e <= nowSeconds)
    return { ok: false, reason: "join token has expired; ask for a new one" };
  return { ok: true, claims: { sessionId: body.s, role: body.r, expiresAt: body.e } };
}

function isClaimsBody(value: unknown): value is { s: string; r: Role; e: number } {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.s === "string" && (v.r === "viewer" || v.r === "writer") && typeof v.e === "number"
  );
}
