/** Hashing minted secrets for storage, and checking one against its stored hash in constant time. */

/** SHA-256 of `text`, hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether `secret` hashes to `hash` (hex), compared in constant time. */
export async function secretMatchesHash(secret: string, hash: string): Promise<boolean> {
  const given = new TextEncoder().encode(await sha256Hex(secret));
  const expected = new TextEncoder().encode(hash);
  return given.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(given, expected);
}
