/** GET /api/sessions/:id/recording with a join token as the bearer: its own session only, while valid and not revoked, never taken for an API key nor an API key for it. */
import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { signJoinToken } from "../../worker/auth/join-token.ts";
import { api, runnerWrite, startSession } from "./helpers.ts";

/** GET the recording with `credential` as the bearer; the status, and the body as text. */
async function recording(id: string, credential: string, query = "") {
  const response = await api("GET", `/api/sessions/${id}/recording${query}`, undefined, credential);
  return { status: response.status, text: await response.text() };
}

/** The error code of a refused recording request. */
function errorCode(text: string): string {
  return (JSON.parse(text) as { error: { code: string } }).error.code;
}

/** A session with some output, started as the default tenant. */
async function sessionWithOutput() {
  const s = await startSession();
  await runnerWrite(s.runner, 0, "first line\r\n$ ");
  return s;
}

async function joinSecret(key?: string): Promise<Uint8Array> {
  const response = await api("POST", "/api/join-secret", undefined, key);
  expect(response.status).toBe(201);
  return new TextEncoder().encode(((await response.json()) as { secret: string }).secret);
}

/** A join JWT as a product's backend mints it (test/workers/join-jwt.test.ts). */
function mintJwt(
  secret: Uint8Array,
  claims: { session: string; role: string; tenant?: string },
  expiresInSeconds: number,
): Promise<string> {
  return new SignJWT({ tenant: "default", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(secret);
}

describe("the recording with a join token", () => {
  it("a viewer's and a writer's edge-minted token each get exactly what an API key gets", async () => {
    const s = await sessionWithOutput();
    const byKey = await recording(s.id, env.API_TOKEN);
    expect(byKey.status).toBe(200);
    expect(byKey.text).toContain("first line");
    for (const token of [s.viewerToken, s.writerToken]) {
      expect(await recording(s.id, token)).toEqual(byKey);
    }
  });

  it("a product's viewer JWT for the session gets it too", async () => {
    const s = await sessionWithOutput();
    const jwt = await mintJwt(await joinSecret(), { session: s.id, role: "viewer" }, 60);
    const got = await recording(s.id, jwt);
    expect(got.status).toBe(200);
    expect(got.text).toContain("first line");
  });

  it("a token for session A gets 403 for session B, edge-minted or a JWT, and nothing of B's output", async () => {
    const a = await sessionWithOutput();
    const b = await startSession();
    await runnerWrite(b.runner, 0, "secret of b");
    const jwtForA = await mintJwt(await joinSecret(), { session: a.id, role: "viewer" }, 60);
    for (const token of [a.viewerToken, a.writerToken, jwtForA]) {
      const got = await recording(b.id, token);
      expect(got.status).toBe(403);
      expect(got.text).toContain("another session");
      expect(got.text).not.toContain("secret of b");
    }
  });

  it("a JWT another tenant signed for this session gets 403", async () => {
    const s = await sessionWithOutput();
    const tenant = await api("POST", "/api/tenants", { tenant: "rec-jwt-other" });
    const otherKey = ((await tenant.json()) as { key: string }).key;
    const theirs = await mintJwt(
      await joinSecret(otherKey),
      { session: s.id, role: "viewer", tenant: "rec-jwt-other" },
      60,
    );
    const got = await recording(s.id, theirs);
    expect(got.status).toBe(403);
    expect(got.text).toContain("another tenant's session");
  });

  it("an expired token, a forged one and a revoked one get 401", async () => {
    const s = await sessionWithOutput();
    const now = Math.floor(Date.now() / 1000);
    const claims = { sessionId: s.id, role: "viewer" as const };
    const expired = await signJoinToken(env.SESSION_SECRET, { ...claims, expiresAt: now - 1 });
    const forged = await signJoinToken("not-the-session-secret", {
      ...claims,
      expiresAt: now + 60,
    });
    const expiredJwt = await mintJwt(await joinSecret(), { session: s.id, role: "viewer" }, -5);
    for (const [token, words] of [
      [expired, "expired"],
      [expiredJwt, "expired"],
      [forged, "signature is invalid"],
    ] as const) {
      const got = await recording(s.id, token);
      expect(got.status, words).toBe(401);
      expect(got.text).toContain(words);
    }
    // Valid until revoked, then refused while it would still be valid.
    expect((await recording(s.id, s.viewerToken)).status).toBe(200);
    const revoked = await api("POST", `/api/sessions/${s.id}/revoke-token`, {
      token: s.viewerToken,
    });
    expect(revoked.status).toBe(200);
    await revoked.body?.cancel();
    const got = await recording(s.id, s.viewerToken);
    expect(got.status).toBe(401);
    expect(got.text).toContain("this join link was revoked");
    // Revoking one link leaves the session's others working.
    expect((await recording(s.id, s.writerToken)).status).toBe(200);
  });

  it("takes the token from the Authorization header only, never from the URL", async () => {
    const s = await sessionWithOutput();
    const response = await api(
      "GET",
      `/api/sessions/${s.id}/recording?token=${encodeURIComponent(s.viewerToken)}`,
      undefined,
      "",
    );
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });

  it("answers 409 to a join token once the session ended, as to an API key", async () => {
    const s = await sessionWithOutput();
    const ended = await api("DELETE", `/api/sessions/${s.id}`);
    expect(ended.status).toBe(200);
    await ended.body?.cancel();
    const got = await recording(s.id, s.viewerToken);
    expect(got.status).toBe(409);
    expect(errorCode(got.text)).toBe("session_ended");
  });

  it("a join token is no API key: the session's other routes, the tools, hosts and MCP refuse it with 401", async () => {
    const s = await sessionWithOutput();
    const jwt = await mintJwt(await joinSecret(), { session: s.id, role: "writer" }, 60);
    const routes: [string, string, unknown?][] = [
      ["GET", `/api/sessions/${s.id}`],
      ["GET", `/api/sessions/${s.id}/commands`],
      ["GET", `/api/sessions/${s.id}/inputs`],
      ["POST", `/api/sessions/${s.id}/tokens`, { role: "viewer" }],
      ["DELETE", `/api/sessions/${s.id}`],
      ["GET", "/api/sessions"],
      ["GET", "/api/tools"],
      ["POST", "/api/tools/read_output", { session_id: s.id }],
      ["GET", "/api/hosts"],
      ["POST", "/mcp", { jsonrpc: "2.0", id: 1, method: "tools/list" }],
    ];
    for (const token of [s.writerToken, jwt]) {
      for (const [method, path, body] of routes) {
        const response = await api(method, path, body, token);
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(await response.text()).toContain("a join token opens its own session's");
      }
    }
    // Nothing above ended the session: its recording is still there.
    expect((await recording(s.id, s.viewerToken)).status).toBe(200);
  });

  it("an API key is no join token: on the recording route it needs sessions:read, and a wrong key is 401", async () => {
    const s = await sessionWithOutput();
    const created = await api("POST", "/api/keys", { name: "hosts only", scopes: ["hosts:admin"] });
    const { key } = (await created.json()) as { key: string };
    const scopeless = await recording(s.id, key);
    expect(scopeless.status).toBe(403);
    expect(scopeless.text).toContain("lacks the scope sessions:read");
    const [prefix, tenant, id] = key.split(".");
    const wrong = await recording(s.id, `${prefix}.${tenant}.${id}.${"x".repeat(43)}`);
    expect(wrong.status).toBe(401);
    expect(errorCode(wrong.text)).toBe("unauthorized");
  });
});
