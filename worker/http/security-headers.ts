/** Security headers on every response the Worker sends: pages may be framed only where ALLOWED_ORIGINS says, scripts come only from this origin, nothing is sniffed or leaks a referrer. */

/**
 * The Content-Security-Policy of the client's pages. Scripts and sockets only from this origin;
 * styles may be inline because xterm.js writes its theme into a `<style>` element; the favicon is
 * a data: URL. `frame-ancestors` lets the panel be embedded exactly where its sockets may join
 * from (the same origin, plus ALLOWED_ORIGINS).
 */
export function contentSecurityPolicy(allowedOrigins: string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${["'self'", ...allowedOrigins].join(" ")}`,
  ].join("; ");
}

/** Sets the headers on `response` (a copy when its headers are immutable, as asset responses are). */
export function withSecurityHeaders(response: Response, allowedOrigins: string[]): Response {
  // A WebSocket upgrade's 101 carries the socket; its headers are not a page's.
  if (response.status === 101) return response;
  const secured = new Response(response.body, response);
  const headers = secured.headers;
  headers.set("Content-Security-Policy", contentSecurityPolicy(allowedOrigins));
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "no-referrer");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  // API answers hold tokens: no cache may keep them.
  if (headers.get("Content-Type")?.startsWith("application/json")) {
    headers.set("Cache-Control", "no-store");
  }
  return secured;
}
