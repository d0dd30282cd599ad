/** Protocol version negotiation: the WebSocket subprotocols every peer offers and accepts. */

/** The one protocol version this build speaks. Bump it on any incompatible change. */
export const PROTOCOL_VERSION = 1;

/** Subprotocol naming the version; the server echoes it when it accepts a peer. */
export const SUBPROTOCOL = `webterm.v${PROTOCOL_VERSION}`;

/** Prefix of every version subprotocol, so a server can recognise (and refuse) other versions. */
export const SUBPROTOCOL_PREFIX = "webterm.v";

/**
 * Prefix of the subprotocol that carries a credential (join token or runner token).
 * Why a subprotocol: browsers cannot set headers on a WebSocket, and a query string ends up
 * in access logs and browser history. The token must be base64url/`.`-only (HTTP token chars).
 */
export const AUTH_SUBPROTOCOL_PREFIX = "webterm.auth.";

/** The subprotocol list a peer offers: its version, then its credential. */
export function offeredSubprotocols(token: string): string[] {
  return [SUBPROTOCOL, AUTH_SUBPROTOCOL_PREFIX + token];
}

/** What a server reads from a `Sec-WebSocket-Protocol` request header. */
export interface OfferedProtocols {
  /** The version subprotocols offered, in order (for example `["webterm.v1"]`). */
  versions: string[];
  /** The credential, if one was offered. */
  token: string | null;
}

/** Parses a `Sec-WebSocket-Protocol` header into offered versions and the credential. */
export function parseOfferedSubprotocols(header: string | null): OfferedProtocols {
  const offered = (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const versions = offered.filter((p) => p.startsWith(SUBPROTOCOL_PREFIX));
  const auth = offered.find((p) => p.startsWith(AUTH_SUBPROTOCOL_PREFIX));
  return { versions, token: auth ? auth.slice(AUTH_SUBPROTOCOL_PREFIX.length) : null };
}
