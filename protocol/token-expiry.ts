/** When a join token expires, read from the token itself (not verified: only the edge verifies). Clients use it to renew in time. */

/**
 * Expiry in seconds since the epoch of an edge-minted token (`jt1.<payload>.<sig>`, payload
 * field `e`) or a product-minted JWT (`exp`); null when the token says nothing readable.
 */
export function tokenExpiry(token: string): number | null {
  const parts = token.split(".");
  const payload = parts[0] === "jt1" ? parts[1] : parts.length === 3 ? parts[1] : undefined;
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")));
    const expiry = parts[0] === "jt1" ? claims?.e : claims?.exp;
    return typeof expiry === "number" && Number.isFinite(expiry) ? expiry : null;
  } catch {
    return null;
  }
}
