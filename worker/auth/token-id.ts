/** A join token's id: the first 16 hex of its SHA-256. Names the token in budgets and revocations, never reveals it. */
import { sha256Hex } from "./secret-hash.ts";

/** The id of `token`. */
export async function joinTokenId(token: string): Promise<string> {
  return (await sha256Hex(token)).slice(0, 16);
}
