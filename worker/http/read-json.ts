/** Reading a JSON request body and checking it against its schema, with a size cap and 400 errors that name the field. */
import type * as z from "zod/mini";
import { checkWith } from "../../protocol/index.ts";
import { ApiError } from "./errors.ts";

/** Largest accepted JSON body (bytes). */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

/**
 * The body checked against `schema` (an empty body is `{}`). Not JSON: 400 malformed_json; not an
 * object or against the schema: 400 invalid_request, e.g. `cols: expected an integer from 2 to 1000`.
 */
export async function readJsonBody<S extends z.ZodMiniType>(
  request: Request,
  schema: S,
): Promise<z.output<S>> {
  const checked = checkWith(schema, await readJsonObject(request));
  if (!checked.ok) throw new ApiError(400, "invalid_request", checked.error);
  return checked.value;
}

/** The body as a JSON object, unchecked (an empty body is `{}`); 413, or 400 if not an object. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.length > MAX_JSON_BODY_BYTES) {
    throw new ApiError(413, "too_large", `the body is larger than ${MAX_JSON_BODY_BYTES} bytes`);
  }
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, "malformed_json", "the body is not valid JSON");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(400, "invalid_request", "the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
