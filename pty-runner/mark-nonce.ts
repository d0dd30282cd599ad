/** The per-session secret that OSC 133 marks carry, so output cannot forge them. */
import { randomBytes } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Characters in a nonce: 22 of 62 is 130 bits. */
export const MARK_NONCE_LENGTH = 22;
// 248 = 4 × 62: bytes at or above it are dropped so every character is equally likely.
const UNBIASED_LIMIT = 4 * ALPHABET.length;

/**
 * A fresh nonce of MARK_NONCE_LENGTH letters and digits. Letters and digits only, because the
 * shell scripts put it into prompts and printf formats, where `%`, `\` or `$` would mean something.
 */
export function newMarkNonce(): string {
  let nonce = "";
  while (nonce.length < MARK_NONCE_LENGTH) {
    for (const byte of randomBytes(32)) {
      if (byte < UNBIASED_LIMIT && nonce.length < MARK_NONCE_LENGTH) {
        nonce += ALPHABET[byte % ALPHABET.length];
      }
    }
  }
  return nonce;
}
