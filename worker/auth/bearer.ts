/** Hono middleware: the API token as `Authorization: Bearer <API_TOKEN>`, compared in constant time. */
import { createMiddleware } from "hono/factory";
import { ApiError } from "../http/errors.ts";
import { secretsEqual } from "./crypto.ts";

/** Refuses requests without the right API token with a 401 JSON error. */
export const requireApiToken = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const header = c.req.header("Authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) {
    throw new ApiError(
      401,
      "unauthorized",
      "send the API token as `Authorization: Bearer <API_TOKEN>`",
    );
  }
  if (!c.env.API_TOKEN || !(await secretsEqual(match[1], c.env.API_TOKEN))) {
    throw new ApiError(401, "unauthorized", "the API token is wrong");
  }
  await next();
});
