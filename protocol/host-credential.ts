/** Host credentials: the one secret that lets a runner serve shells, for exactly one host of one tenant; its format is shared so a runner can tell which host it names. */
import { isValidHostName } from "./host-name.ts";

/** Format version, the credential's first part. */
export const HOST_CREDENTIAL_PREFIX = "whc1";

/** Tenant names: 1–32 lowercase letters, digits or "-" (no "." so a credential splits cleanly). */
export const TENANT_NAME_PATTERN = /^[a-z0-9-]{1,32}$/;

/** The tenant every deployment starts with; the API_TOKEN secret is its bootstrap key. */
export const DEFAULT_TENANT = "default";

/** Whether `tenant` is an acceptable tenant name. */
export function isValidTenantName(tenant: string): boolean {
  return TENANT_NAME_PATTERN.test(tenant);
}

/** A secret part is 32 random bytes in base64url: 43 characters. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A credential's parts. */
export interface HostCredential {
  tenant: string;
  host: string;
  secret: string;
}

/**
 * `whc1.<tenant>.<host>.<secret>`. Tenant and host are in the clear so a runner started with the
 * wrong `--host` says so before it connects, and the edge finds the one host object that can
 * check the secret (it keeps only the secret's SHA-256). Host names may contain ".", tenant names
 * and secrets never do.
 */
export function formatHostCredential({ tenant, host, secret }: HostCredential): string {
  return `${HOST_CREDENTIAL_PREFIX}.${tenant}.${host}.${secret}`;
}

/** The parts of a host credential, or null when `text` is not one. */
export function parseHostCredential(text: string): HostCredential | null {
  if (!text.startsWith(`${HOST_CREDENTIAL_PREFIX}.`)) return null;
  const rest = text.slice(HOST_CREDENTIAL_PREFIX.length + 1);
  const dot = rest.indexOf(".");
  const last = rest.lastIndexOf(".");
  if (dot < 0 || last <= dot) return null;
  const tenant = rest.slice(0, dot);
  const host = rest.slice(dot + 1, last);
  const secret = rest.slice(last + 1);
  if (!isValidTenantName(tenant) || !isValidHostName(host) || !SECRET_PATTERN.test(secret)) {
    return null;
  }
  return { tenant, host, secret };
}
