/** Field schemas every message and request shares: strict integers with their range in the error, offsets, text with a pattern. */
import * as z from "zod/mini";

/**
 * An integer in [min, max]: finite, whole, never a numeric string. Every failure says the
 * range, so a peer learns what to send: `expected an integer from 2 to 1000`.
 */
export function integer(min: number, max: number, expected = `an integer from ${min} to ${max}`) {
  const error = `expected ${expected}`;
  return z.int({ error }).check(z.minimum(min, { error }), z.maximum(max, { error }));
}

/** A byte offset in a session's output stream (also counts and probe numbers): 0 to 2^53 - 1. */
export const OffsetSchema = integer(0, Number.MAX_SAFE_INTEGER, "a non-negative integer");

/** A string matching `pattern`; `expected` says in words what that is. */
export function patterned(pattern: RegExp, expected: string) {
  return z
    .string({ error: `expected ${expected}` })
    .check(z.regex(pattern, { error: `expected ${expected}` }));
}

/** A string of `min` to `max` characters. */
export function text(min: number, max: number) {
  const error =
    min === 0
      ? `expected a string of at most ${max} characters`
      : `expected a string of ${min} to ${max} characters`;
  return z.string({ error }).check(z.minLength(min, { error }), z.maxLength(max, { error }));
}

/** A string or null. */
export const NullableStringSchema = z.nullable(z.string({ error: "expected a string or null" }));
