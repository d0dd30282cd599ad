/** Browser Origin check for session sockets: same origin by default, plus a configured allow-list. */

/**
 * Whether a socket upgrade may proceed. Requests without an Origin header come from non-browser
 * clients (agents, runners, tests); they still need a valid token, which a page cannot steal.
 */
export function isOriginAllowed(request: Request, allowedOrigins: string[]): boolean {
  const origin = request.headers.get("Origin");
  if (!origin) return true;
  if (origin === new URL(request.url).origin) return true;
  return allowedOrigins.includes(origin);
}
