/** The WebSocket URL a viewer joins a session at, built from the server's http(s) origin. */

/**
 * `{ws origin}/api/sessions/{id}/connect?offset={N}`. Only the origin of `server` is used;
 * http becomes ws and https becomes wss. The offset is where the replay should resume.
 */
export function connectUrl(server: string, sessionId: string, offset: number): string {
  const url = new URL(`/api/sessions/${encodeURIComponent(sessionId)}/connect`, server);
  if (url.protocol === "https:") url.protocol = "wss:";
  else if (url.protocol === "http:") url.protocol = "ws:";
  url.searchParams.set("offset", String(offset));
  return url.toString();
}
