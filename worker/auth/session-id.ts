/**
 * Session ids that carry their own proof of origin: 16 random characters plus an 11-character
 * HMAC tag. The Worker checks the tag before it ever calls idFromName, so a made-up id can never
 * bring a Durable Object into being.
 */
import { hmacSign, randomBase64Url } from "./crypto.ts";

const ID_PATTERN = /^[A-Za-z0-9_-]{27}$/;

/** Mints a new session id. */
export async function mintSessionId(secret: string): Promise<string> {
  const random = randomBase64Url(12);
  return random + (await tag(secret, random));
}

/** Whether `id` was minted with `secret`. */
export async function isMintedSessionId(secret: string, id: string): Promise<boolean> {
  if (!ID_PATTERN.test(id)) return false;
  const expected = await tag(secret, id.slice(0, 16));
  // Both are 11 public-length characters; compare without early exit anyway.
  let diff = 0;
  const given = id.slice(16);
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return diff === 0;
}

async function tag(secret: string, random: string): Promise<string> {
  return (await hmacSign(secret, `session-id.${random}`)).slice(0, 11);
}
