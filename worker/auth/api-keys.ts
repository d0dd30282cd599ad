/** Tenant API keys: their format, their scopes, and minting one (the tenant's directory keeps only the hash). */
import { SCOPES, isValidTenantName } from "../../protocol/index.ts";
import { hmacSign, randomBase64Url } from "./crypto.ts";
import { sha256Hex } from "./secret-hash.ts";

/** What a key may do: the scopes a key may hold (protocol/schemas/rest-requests.ts), and tenants:admin. */
export type Scope = (typeof SCOPES)[number] | "tenants:admin";

/** Only the bootstrap key (the API_TOKEN secret) may create tenants. */
export const BOOTSTRAP_SCOPES: Scope[] = [...SCOPES, "tenants:admin"];

const PREFIX = "wak1";
/** 12 random characters, then a 16-character HMAC tag over the tenant and them. */
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{28}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A key's parts: `wak1.<tenant>.<id>.<secret>`. */
export interface ApiKeyParts {
  tenant: string;
  id: string;
  secret: string;
}

/** The parts of an API key, or null when `text` is not one. */
export function parseApiKey(text: string): ApiKeyParts | null {
  const parts = text.split(".");
  if (parts.length !== 4 || parts[0] !== PREFIX) return null;
  const [, tenant = "", id = "", secret = ""] = parts;
  if (!isValidTenantName(tenant) || !KEY_ID_PATTERN.test(id) || !SECRET_PATTERN.test(secret)) {
    return null;
  }
  return { tenant, id, secret };
}

/**
 * A new key for `tenant`: the text to hand out once, its id, and the hash to store. The id carries
 * an HMAC tag (under SESSION_SECRET), so the Worker refuses a made-up key, or one naming another
 * tenant, before it touches any object.
 */
export async function mintApiKey(
  signingSecret: string,
  tenant: string,
): Promise<{ key: string; id: string; hash: string }> {
  const random = randomBase64Url(9);
  const id = random + (await keyTag(signingSecret, tenant, random));
  const secret = randomBase64Url(32);
  return { key: `${PREFIX}.${tenant}.${id}.${secret}`, id, hash: await sha256Hex(secret) };
}

/** Whether a parsed key's id was minted by this deployment for its tenant. */
export async function isMintedKeyId(signingSecret: string, parts: ApiKeyParts): Promise<boolean> {
  const random = parts.id.slice(0, 12);
  const tag = await keyTag(signingSecret, parts.tenant, random);
  // Both are public-length strings derived from an HMAC; a plain compare leaks nothing useful
  // (the secret part is what the directory checks in constant time).
  return parts.id.slice(12) === tag;
}

async function keyTag(signingSecret: string, tenant: string, random: string): Promise<string> {
  return (await hmacSign(signingSecret, `api-key:${tenant}.${random}`)).slice(0, 16);
}
