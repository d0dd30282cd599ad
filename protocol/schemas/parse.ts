/** Checking untrusted JSON against a schema: control messages (text frames) and request bodies, with errors that name the field. */
import * as z from "zod/mini";
import { MAX_CONTROL_MESSAGE_BYTES } from "../limits.ts";
import { defaultIssueMessage, describeIssues } from "./issues.ts";

/** The result of checking a value: the typed value, or one line saying what is wrong. */
export type CheckResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The result of parsing a text frame from a peer. */
export type ParseResult<T> =
  | { ok: true; message: T }
  | {
      ok: false;
      error: string;
      /** The JSON object, when the text was one: lets a caller answer even a message it refuses. */
      raw: Record<string, unknown> | null;
    };

const PARSE_OPTIONS = { error: defaultIssueMessage, reportInput: true } as const;

/** Checks `value` against `schema`: the parsed value (unknown object keys stripped), or the problems in one line. */
export function checkWith<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
): CheckResult<z.output<S>> {
  const result = schema.safeParse(value, PARSE_OPTIONS);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: describeIssues(result.error.issues) };
}

/**
 * Parses a control message: the size limit first (MAX_CONTROL_MESSAGE_BYTES), then JSON, then a
 * string `type`, then the schema of the union of messages this peer may send.
 */
export function parseMessageWith<S extends z.ZodMiniType>(
  schema: S,
  text: string,
): ParseResult<z.output<S>> {
  if (text.length > MAX_CONTROL_MESSAGE_BYTES) {
    return {
      ok: false,
      error: `control message longer than ${MAX_CONTROL_MESSAGE_BYTES} bytes`,
      raw: null,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "control message is not valid JSON", raw: null };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: "control message must be a JSON object", raw: null };
  }
  const raw = value as Record<string, unknown>;
  if (typeof raw.type !== "string") {
    return { ok: false, error: 'control message needs a string "type"', raw };
  }
  const checked = checkWith(schema, raw);
  if (checked.ok) return { ok: true, message: checked.value };
  return { ok: false, error: checked.error, raw };
}
