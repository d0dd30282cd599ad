/** Getting a runner's host credential from a running edge: mint it through the admin API, or reuse a kept one the edge still accepts. */
import { createHash } from "node:crypto";
import { parseHostCredential } from "../../protocol/index.ts";

/** The public fingerprint the edge lists for a credential: the first 12 hex of SHA-256(secret). */
export function credentialFingerprint(credential: string): string | null {
  const parsed = parseHostCredential(credential);
  if (!parsed) return null;
  return createHash("sha256").update(parsed.secret).digest("hex").slice(0, 12);
}

/** Mints (or replaces) `host`'s credential with the API token; returns it. */
export async function mintHostCredential(
  url: string,
  apiToken: string,
  host: string,
): Promise<string> {
  const response = await fetch(`${url}/api/hosts`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ host }),
  });
  const body = (await response.json().catch(() => null)) as { credential?: string } | null;
  if (!response.ok || typeof body?.credential !== "string") {
    throw new Error(`minting a credential for host "${host}" failed: HTTP ${response.status}`);
  }
  return body.credential;
}

/** Whether the edge's current credential for `host` is `credential` (compared by fingerprint). */
export async function edgeAccepts(
  url: string,
  apiToken: string,
  host: string,
  credential: string,
): Promise<boolean> {
  if (parseHostCredential(credential)?.host !== host) return false;
  const response = await fetch(`${url}/api/hosts/${encodeURIComponent(host)}`, {
    headers: { Authorization: `Bearer ${apiToken}` },
  });
  if (response.status === 404) return false;
  if (!response.ok) throw new Error(`reading host "${host}" failed: HTTP ${response.status}`);
  const status = (await response.json()) as { credential: { fingerprint: string } | null };
  return status.credential?.fingerprint === credentialFingerprint(credential);
}
