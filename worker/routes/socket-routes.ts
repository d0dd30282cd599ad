/**
 * WebSocket routes. Each authenticates the peer, then forwards the raw upgrade request to the
 * Durable Object (Hono's own upgradeWebSocket would end the socket here, without hibernation).
 */
import { Hono, type Context } from "hono";
import {
  CloseCode,
  SUBPROTOCOL,
  isValidHostName,
  parseHostCredential,
  parseOfferedSubprotocols,
  type HostCredential,
} from "../../protocol/index.ts";
import {
  OFFSET_HEADER,
  PEER_HEADER,
  ROLE_HEADER,
  EXPIRES_HEADER,
  RUNNER_HOST_HEADER,
  SUBJECT_HEADER,
  SUBPROTOCOL_HEADER,
  TOKEN_ID_HEADER,
  TOKEN_TENANT_HEADER,
} from "../../durable-objects/terminal-session/terminal-session.ts";
import {
  HOST_HEADER,
  HOST_SECRET_HEADER,
  HUB_SUBPROTOCOL_HEADER,
  TENANT_HEADER,
} from "../../durable-objects/runner-hub/runner-hub.ts";
import { looksLikeJoinToken } from "../auth/join-token.ts";
import { joinTokenId } from "../auth/token-id.ts";
import { verifyAnyJoinToken } from "../auth/verify-join.ts";
import { isOriginAllowed } from "../auth/origin.ts";
import { readConfig } from "../config.ts";
import { errorBody } from "../http/errors.ts";
import { isWebSocketUpgrade, refuseWebSocket } from "../http/refuse-socket.ts";
import { hostHub, sessionStub } from "../sessions/session-service.ts";

type Ctx = Context<{ Bindings: Env }>;

/** Mounted at /api. */
export const socketRoutes = new Hono<{ Bindings: Env }>();

/** A browser or agent joins a session with a join token; `?offset=N` resumes after byte N. */
socketRoutes.get("/sessions/:id/connect", async (c) => {
  const pre = preflight(c);
  if (pre instanceof Response) return pre;
  const { token, echo } = pre;
  if (!isOriginAllowed(c.req.raw, readConfig(c.env).allowedOrigins)) {
    return refuseWebSocket(
      CloseCode.FORBIDDEN,
      "this page's origin may not join sessions here",
      echo,
    );
  }
  if (!token) return refuseWebSocket(CloseCode.UNAUTHORIZED, "a join token is required", echo);
  const check = await verifyAnyJoinToken(c.env, token, Math.floor(Date.now() / 1000));
  if (!check.ok) {
    if (parseHostCredential(token))
      return refuseWebSocket(
        CloseCode.FORBIDDEN,
        "runner credentials cannot join as viewers",
        echo,
      );
    return refuseWebSocket(CloseCode.UNAUTHORIZED, check.reason, echo);
  }
  const id = c.req.param("id");
  if (check.claims.sessionId !== id) {
    return refuseWebSocket(CloseCode.FORBIDDEN, "this join token is for another session", echo);
  }
  const stub = await sessionStub(c.env, id);
  if (!stub) return refuseWebSocket(CloseCode.SESSION_NOT_FOUND, "no such session", echo);
  const offset = c.req.query("offset");
  const headers = trustedHeaders(c.req.raw, {
    [PEER_HEADER]: "viewer",
    [TOKEN_ID_HEADER]: await joinTokenId(token),
    [ROLE_HEADER]: check.claims.role,
    [EXPIRES_HEADER]: String(check.claims.expiresAt),
    [SUBJECT_HEADER]: encodeURIComponent(check.claims.subject ?? ""),
    [TOKEN_TENANT_HEADER]: check.claims.tenant ?? "",
    [SUBPROTOCOL_HEADER]: echo,
  });
  if (offset !== undefined && /^\d{1,15}$/.test(offset)) headers.set(OFFSET_HEADER, offset);
  return stub.fetch(new Request(c.req.raw, { headers }));
});

/**
 * A runner's data connection for one session. The credential proves one host; the session itself
 * refuses a runner of any host but its own, so no credential can take over another host's shell.
 */
socketRoutes.get("/sessions/:id/runner", async (c) => {
  const pre = preflight(c);
  if (pre instanceof Response) return pre;
  const credential = readCredential(pre.token, pre.echo);
  if (credential instanceof Response) return credential;
  const refused = await hostHub(c.env, credential.tenant, credential.host).verifySecret(
    credential.tenant,
    credential.host,
    credential.secret,
  );
  if (refused) return refuseWebSocket(CloseCode.UNAUTHORIZED, refused, pre.echo);
  const stub = await sessionStub(c.env, c.req.param("id"));
  if (!stub) return refuseWebSocket(CloseCode.SESSION_NOT_FOUND, "no such session", pre.echo);
  const headers = trustedHeaders(c.req.raw, {
    [PEER_HEADER]: "runner",
    [RUNNER_HOST_HEADER]: `${credential.tenant}/${credential.host}`,
    [SUBPROTOCOL_HEADER]: pre.echo,
  });
  return stub.fetch(new Request(c.req.raw, { headers }));
});

/** A runner's control connection for its host: only with that host's credential. */
socketRoutes.get("/runners/:host/connect", async (c) => {
  const pre = preflight(c);
  if (pre instanceof Response) return pre;
  const host = c.req.param("host");
  if (!isValidHostName(host)) {
    return refuseWebSocket(
      CloseCode.PROTOCOL_ERROR,
      "host must be 1-64 of letters, digits, '.', '_', '-'",
      pre.echo,
    );
  }
  const credential = readCredential(pre.token, pre.echo);
  if (credential instanceof Response) return credential;
  if (credential.host !== host) {
    return refuseWebSocket(
      CloseCode.FORBIDDEN,
      `this credential is for host "${credential.host}", not "${host}"`,
      pre.echo,
    );
  }
  const headers = trustedHeaders(c.req.raw, {
    [HOST_HEADER]: host,
    [TENANT_HEADER]: credential.tenant,
    [HOST_SECRET_HEADER]: credential.secret,
    [HUB_SUBPROTOCOL_HEADER]: pre.echo,
  });
  return hostHub(c.env, credential.tenant, host).fetch(new Request(c.req.raw, { headers }));
});

/** Checks the upgrade and the protocol version; returns the credential and the subprotocol to echo. */
function preflight(c: Ctx): Response | { token: string | null; echo: string } {
  if (!isWebSocketUpgrade(c.req.raw)) {
    return c.json(errorBody("upgrade_required", "this route takes a WebSocket upgrade"), 426);
  }
  const offered = parseOfferedSubprotocols(c.req.header("Sec-WebSocket-Protocol") ?? null);
  if (!offered.versions.includes(SUBPROTOCOL)) {
    const theirs = offered.versions[0] ?? null;
    return refuseWebSocket(
      CloseCode.PROTOCOL_VERSION_UNSUPPORTED,
      `unsupported protocol ${theirs ?? "(none offered)"}; this server speaks ${SUBPROTOCOL}`,
      theirs,
    );
  }
  return { token: offered.token, echo: SUBPROTOCOL };
}

/** The host credential the runner offered, or the refusal to send back. */
function readCredential(token: string | null, echo: string): HostCredential | Response {
  if (!token) return refuseWebSocket(CloseCode.UNAUTHORIZED, "a host credential is required", echo);
  if (looksLikeJoinToken(token)) {
    return refuseWebSocket(CloseCode.FORBIDDEN, "join tokens cannot connect as a runner", echo);
  }
  const credential = parseHostCredential(token);
  if (!credential) {
    return refuseWebSocket(
      CloseCode.UNAUTHORIZED,
      "not a host credential (mint one with POST /api/hosts)",
      echo,
    );
  }
  return credential;
}

// Internal headers are set only here; any copy a client sent is dropped first.
function trustedHeaders(request: Request, values: Record<string, string>): Headers {
  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) if (name.startsWith("x-webterm-")) headers.delete(name);
  for (const [name, value] of Object.entries(values)) headers.set(name, value);
  return headers;
}
