/** Host credentials: the one secret that lets a runner serve shells, for exactly one host; its format is shared so a runner can tell which host it names. */
import { isValidHostName } from "./host-name.ts";

/** Format version, the credential's first part. */
export const HOST_CREDENTIAL_PREFIX = "whc1";

/** A secret part is 32 random bytes in base64url: 43 characters. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A credential's parts. */
export interface HostCredential {
  host: string;
  secret: string;
}

/**
 * `whc1.<host>.<secret>`. The host is in the clear so a runner started with the wrong `--host`
 * says so before it connects, and the edge finds the one host object that can check the secret
 * (it keeps only the secret's SHA-256). Host names may contain ".", the secret never does.
 */
export function formatHostCredential({ host, secret }: HostCredential): string {
  return `${HOST_CREDENTIAL_PREFIX}.${host}.${secret}`;
}

/** The parts of a host credential, or null when `text` is not one. */
export function parseHostCredential(text: string): HostCredential | null {
  if (!text.startsWith(`${HOST_CREDENTIAL_PREFIX}.`)) return null;
  const last = text.lastIndexOf(".");
  const host = text.slice(HOST_CREDENTIAL_PREFIX.length + 1, last);
  const secret = text.slice(last + 1);
  if (!isValidHostName(host) || !SECRET_PATTERN.test(secret)) return null;
  return { host, secret };
}
