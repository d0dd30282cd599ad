/** Reading a JSON object request body with clear 400 errors and a size cap. */
import { ApiError } from "./errors.ts";

/** Largest accepted JSON body (bytes). */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

/** Parses the body as a JSON object; an empty body is `{}`. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.length > MAX_JSON_BODY_BYTES) {
    throw new ApiError(413, "too_large", `the body is larger than ${MAX_JSON_BODY_BYTES} bytes`);
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, "malformed_json", "the body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(400, "invalid_request", "the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
