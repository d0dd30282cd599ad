/** Refusing a WebSocket with a close code a client can read (an HTTP error would be opaque to browsers). */
import { closeReason } from "../../protocol/index.ts";

/**
 * Completes the upgrade and closes at once with `code` and `reason`. Browsers hide the status
 * and body of a failed upgrade, so a refusal must be a close frame to be understood.
 * `subprotocol` is echoed when the client offered one: without it a browser fails the handshake.
 */
export function refuseWebSocket(
  code: number,
  reason: string,
  subprotocol: string | null,
): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  server.close(code, closeReason(reason));
  const headers = new Headers();
  if (subprotocol) headers.set("Sec-WebSocket-Protocol", subprotocol);
  return new Response(null, { status: 101, webSocket: client, headers });
}

/** Whether a request asks for a WebSocket upgrade. */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get("Upgrade")?.toLowerCase() === "websocket";
}
