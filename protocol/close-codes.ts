/** Application WebSocket close codes (4000–4999): what each means and what the peer should do. */

/** Close codes used by the session, the runner hub and the worker. */
export const CloseCode = {
  /** Standard: the message was too big (input frame > 64 KiB, control message > 8 KiB). */
  MESSAGE_TOO_BIG: 1009,
  /** The peer speaks another protocol version. Do not retry: upgrade the peer. */
  PROTOCOL_VERSION_UNSUPPORTED: 4001,
  /** The peer sent a frame that breaks the protocol in a way the session cannot skip. */
  PROTOCOL_ERROR: 4002,
  /** The viewer fell too far behind live output. Reconnect and resume from your last offset. */
  RESUME_REQUIRED: 4008,
  /** The peer sent messages faster than allowed. Reconnect later. */
  RATE_LIMITED: 4009,
  /** A newer runner connection for this session took over; this one is fenced. Do not retry. */
  REPLACED: 4010,
  /** The session has reached its viewer limit. */
  TOO_MANY_VIEWERS: 4029,
  /** The runner is shutting down (sent by a runner to the edge). */
  GOING_AWAY: 4030,
  /** Missing, malformed, expired or wrong token. Do not retry with the same token. */
  UNAUTHORIZED: 4401,
  /** The token is valid but not for this route (a join token on the runner route, or the reverse), or the Origin is not allowed. */
  FORBIDDEN: 4403,
  /** No such session: it was never created. Do not retry. */
  SESSION_NOT_FOUND: 4404,
  /** The session has ended and its history was deleted. Do not retry. */
  SESSION_ENDED: 4410,
  /** An unexpected server error. Retry with backoff. */
  INTERNAL_ERROR: 4500,
} as const;

/** One of the close codes above. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which a client must not reconnect on its own. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set<number>([
  CloseCode.PROTOCOL_VERSION_UNSUPPORTED,
  CloseCode.REPLACED,
  CloseCode.UNAUTHORIZED,
  CloseCode.FORBIDDEN,
  CloseCode.SESSION_NOT_FOUND,
  CloseCode.SESSION_ENDED,
]);

/** Words a person understands for a close code, for UIs and CLI messages. */
export function describeCloseCode(code: number): string {
  switch (code) {
    case CloseCode.MESSAGE_TOO_BIG:
      return "a message was too big and was refused";
    case CloseCode.PROTOCOL_VERSION_UNSUPPORTED:
      return "this client speaks another protocol version than the server; update it";
    case CloseCode.PROTOCOL_ERROR:
      return "the connection broke the protocol";
    case CloseCode.RESUME_REQUIRED:
      return "fell too far behind the live output; resuming";
    case CloseCode.RATE_LIMITED:
      return "too many messages too fast";
    case CloseCode.REPLACED:
      return "a newer connection took over this session";
    case CloseCode.TOO_MANY_VIEWERS:
      return "the session has too many viewers";
    case CloseCode.GOING_AWAY:
      return "the runner is shutting down";
    case CloseCode.UNAUTHORIZED:
      return "the token is missing, wrong or expired";
    case CloseCode.FORBIDDEN:
      return "this token or origin is not allowed here";
    case CloseCode.SESSION_NOT_FOUND:
      return "no such session";
    case CloseCode.SESSION_ENDED:
      return "the session has ended";
    case CloseCode.INTERNAL_ERROR:
      return "the server hit an internal error";
    default:
      return `connection closed (${code})`;
  }
}

/** WebSocket close reasons are limited to 123 bytes of UTF-8; longer ones throw. */
export function closeReason(text: string): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= 123) return text;
  return new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, "") + "...";
}
