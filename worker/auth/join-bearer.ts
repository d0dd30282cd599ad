/**
 * A join token sent as `Authorization: Bearer <token>` on the one HTTP route that takes one (its
 * session's recording): told apart from API keys by shape, verified, and bound to the route's session.
 */
import { ApiError } from "../http/errors.ts";
import { looksLikeJwt } from "./join-jwt.ts";
import { looksLikeJoinToken, type JoinClaims } from "./join-token.ts";
import { joinTokenId } from "./token-id.ts";
import { verifyAnyJoinToken } from "./verify-join.ts";

/** A join token the Worker verified for the route's session. */
export interface JoinBearer {
  claims: JoinClaims;
  /** Its id (token-id.ts), which the session's revocations are kept under. */
  tokenId: string;
}

/**
 * Whether `token` has the shape of a join token: `jt1.<payload>.<mac>` or a JWT, three
 * dot-separated parts. API keys are `wak1.<tenant>.<id>.<secret>`, four parts, so no string is
 * both, and a join token is never checked as an API key nor an API key as a join token.
 */
export function isJoinTokenShaped(token: string): boolean {
  return looksLikeJoinToken(token) || looksLikeJwt(token);
}

/**
 * Verifies `token` for session `sessionId`: 401 when it is not valid now (signature, expiry), 403
 * when it names another session. Revocation and a JWT's tenant are left to the session's object,
 * which keeps the revoked ids and knows its tenant (TerminalSession.admitJoinToken).
 */
export async function verifyJoinBearer(
  env: Env,
  token: string,
  sessionId: string,
): Promise<JoinBearer> {
  const check = await verifyAnyJoinToken(env, token, Math.floor(Date.now() / 1000));
  if (!check.ok) throw new ApiError(401, "unauthorized", check.reason);
  if (check.claims.sessionId !== sessionId) {
    throw new ApiError(403, "forbidden", "this join token is for another session");
  }
  return { claims: check.claims, tokenId: await joinTokenId(token) };
}
