/** Checks any join token: one the edge minted (jt1, SESSION_SECRET) or a JWT a product minted with its tenant's join secret. */
import { tenantDirectory } from "../sessions/session-service.ts";
import { jwtTenant, verifyJoinJwt } from "./join-jwt.ts";
import { verifyJoinToken, type TokenCheck } from "./join-token.ts";

/** Verifies signature, expiry and claims; the caller checks the session id against its own. */
export async function verifyAnyJoinToken(
  env: Env,
  token: string,
  nowSeconds: number,
): Promise<TokenCheck> {
  const tenant = jwtTenant(token);
  if (tenant === null) return verifyJoinToken(env.SESSION_SECRET, token, nowSeconds);
  const secret = await tenantDirectory(env, tenant).joinSecret();
  return verifyJoinJwt(token, secret, nowSeconds);
}
