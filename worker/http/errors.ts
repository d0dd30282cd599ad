/** JSON errors for the HTTP API: `{ error: { code, message } }`, never a stack trace. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error the API reports as-is to its caller. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;

  constructor(status: ContentfulStatusCode, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The JSON body of an error response. */
export function errorBody(
  code: string,
  message: string,
): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Hono onError handler: ApiErrors become their status; anything else a 500 with no details. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status);
  console.error("unhandled error:", err.message);
  return c.json(errorBody("internal_error", "the server hit an internal error; try again"), 500);
}
