/** Minting host credentials and checking them against the hash a host object keeps (never the secret). */
import { formatHostCredential } from "../../protocol/index.ts";
import { randomBase64Url } from "./crypto.ts";
import { secretMatchesHash, sha256Hex } from "./secret-hash.ts";

/** What a host object stores about its credential: enough to check it, nothing to rebuild it. */
export interface StoredCredential {
  /** SHA-256 of the secret part, hex. */
  hash: string;
  /** The hash's first 12 characters: names the credential in lists and logs without revealing it. */
  fingerprint: string;
  /** When it was minted (ms since the epoch). */
  createdAt: number;
}

/** A new credential for `tenant`'s `host`: the text to hand out once, and what to store. */
export async function mintHostCredential(
  tenant: string,
  host: string,
  now: number,
): Promise<{ credential: string; stored: StoredCredential }> {
  const secret = randomBase64Url(32);
  const hash = await sha256Hex(secret);
  return {
    credential: formatHostCredential({ tenant, host, secret }),
    stored: { hash, fingerprint: hash.slice(0, 12), createdAt: now },
  };
}

/** Whether `secret` is the one whose hash was stored; compared in constant time. */
export function credentialMatches(secret: string, stored: StoredCredential): Promise<boolean> {
  return secretMatchesHash(secret, stored.hash);
}
