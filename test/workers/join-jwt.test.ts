/** Join tokens a product mints itself: HS256 JWTs made with a standard library (jose) and the tenant's join secret, enforced at connect and at expiry, renewable on an open socket. */
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { CloseCode, encodeInputFrame } from "../../protocol/index.ts";
import { api, connectViewer, runnerWrite, startSession } from "./helpers.ts";

async function joinSecret(key?: string): Promise<Uint8Array> {
  const response = await api("POST", "/api/join-secret", undefined, key);
  expect(response.status).toBe(201);
  const body = (await response.json()) as { secret: string; algorithm: string };
  expect(body.algorithm).toBe("HS256");
  return new TextEncoder().encode(body.secret);
}

/** A join JWT as a product's backend would mint it. */
function mint(
  secret: Uint8Array,
  claims: { session: string; role: string; tenant?: string; sub?: string },
  expiresInSeconds: number,
): Promise<string> {
  return new SignJWT({ tenant: "default", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(secret);
}

describe("join JWTs", () => {
  it("joins with exactly the role it names: a viewer cannot type, a writer can", async () => {
    const s = await startSession();
    const secret = await joinSecret();
    const viewer = await connectViewer(
      s.id,
      await mint(secret, { session: s.id, role: "viewer", sub: "ada" }, 60),
    );
    expect(await viewer.message("welcome")).toMatchObject({ role: "viewer" });
    viewer.ws.send(encodeInputFrame(new TextEncoder().encode("ls\r")));
    expect(await viewer.message("error")).toMatchObject({ code: "read_only" });
    const writer = await connectViewer(
      s.id,
      await mint(secret, { session: s.id, role: "writer" }, 60),
    );
    expect(await writer.message("welcome")).toMatchObject({ role: "writer" });
  });

  it("refuses a wrong secret, an expired token, another session's and another tenant's", async () => {
    const s = await startSession();
    const other = await startSession();
    const secret = await joinSecret();
    const wrong = new TextEncoder().encode("not-the-secret-not-the-secret-00");
    const cases: [string, number, string][] = [
      [
        await mint(wrong, { session: s.id, role: "writer" }, 60),
        CloseCode.UNAUTHORIZED,
        "signature is invalid",
      ],
      [
        await mint(secret, { session: s.id, role: "writer" }, -5),
        CloseCode.UNAUTHORIZED,
        "expired",
      ],
      [
        await mint(secret, { session: other.id, role: "writer" }, 60),
        CloseCode.FORBIDDEN,
        "another session",
      ],
    ];
    // A tenant that signs a token for the default tenant's session with its own secret.
    const tenant = await api("POST", "/api/tenants", { tenant: "jwt-other" });
    const acmeKey = ((await tenant.json()) as { key: string }).key;
    const acmeSecret = await joinSecret(acmeKey);
    cases.push([
      await mint(acmeSecret, { session: s.id, role: "writer", tenant: "jwt-other" }, 60),
      CloseCode.FORBIDDEN,
      "another tenant's session",
    ]);
    for (const [token, code, words] of cases) {
      const peer = await connectViewer(s.id, token);
      const closed = await peer.closedWith();
      expect(closed.code, words).toBe(code);
      expect(closed.reason).toContain(words);
    }
  });

  it("closes a socket when its token expires, unless a fresh token renewed it first", async () => {
    const s = await startSession();
    const secret = await joinSecret();
    const lapsing = await connectViewer(
      s.id,
      await mint(secret, { session: s.id, role: "writer" }, 2),
    );
    const renewed = await connectViewer(
      s.id,
      await mint(secret, { session: s.id, role: "writer" }, 2),
    );
    await lapsing.message("welcome");
    await renewed.message("welcome");
    renewed.sendText({
      type: "token",
      token: await mint(secret, { session: s.id, role: "writer" }, 60),
    });
    expect(await renewed.message("token-renewed")).toMatchObject({ expiresAt: expect.any(Number) });

    expect(await lapsing.closedWith(10_000)).toMatchObject({
      code: CloseCode.UNAUTHORIZED,
      reason: "join token expired; reconnect with a new one",
    });
    expect(renewed.closed).toBeNull();
    await runnerWrite(s.runner, 0, "still here");
    await renewed.until(
      () => renewed.text().includes("still here"),
      "output after the first expiry",
    );
  });

  it("refuses a renewal that would change the socket's role or session", async () => {
    const s = await startSession();
    const secret = await joinSecret();
    const viewer = await connectViewer(
      s.id,
      await mint(secret, { session: s.id, role: "viewer" }, 60),
    );
    await viewer.message("welcome");
    viewer.sendText({
      type: "token",
      token: await mint(secret, { session: s.id, role: "writer" }, 600),
    });
    expect(await viewer.message("error")).toMatchObject({ code: "bad_token" });
    expect(viewer.closed).toBeNull();
  });

  it("shows the viewers to each other by their token's subject, as they come and go", async () => {
    const s = await startSession();
    const secret = await joinSecret();
    const ada = await connectViewer(
      s.id,
      await mint(secret, { session: s.id, role: "writer", sub: "ada" }, 60),
    );
    await ada.message("welcome");
    const bob = await connectViewer(
      s.id,
      await mint(secret, { session: s.id, role: "viewer", sub: "bob" }, 60),
    );
    await bob.message("welcome");
    const latest = (peer: typeof ada) =>
      [...peer.texts].reverse().find((m) => m.type === "viewers");
    const both = [
      { subject: "ada", role: "writer" },
      { subject: "bob", role: "viewer" },
    ];
    const sorted = (list: any) =>
      [...(list as any[])].sort((a, b) => a.subject.localeCompare(b.subject));
    await ada.until(() => (latest(ada)?.viewers as any[])?.length === 2, "ada to see bob");
    expect(sorted(latest(ada)!.viewers)).toEqual(both);
    await bob.until(() => (latest(bob)?.viewers as any[])?.length === 2, "bob to see ada");
    expect(sorted(latest(bob)!.viewers)).toEqual(both);
    bob.ws.close(1000);
    await ada.until(() => (latest(ada)?.viewers as any[])?.length === 1, "ada to see bob leave");
    expect(latest(ada)!.viewers).toEqual([{ subject: "ada", role: "writer" }]);
  });
});

describe("revoking one join link", () => {
  it("closes its open sockets, refuses it from then on, and leaves other links alone", async () => {
    const s = await startSession();
    const secret = await joinSecret();
    const leaked = await mint(secret, { session: s.id, role: "writer", sub: "mallory" }, 600);
    const kept = await mint(secret, { session: s.id, role: "writer", sub: "ada" }, 600);
    const a = await connectViewer(s.id, leaked);
    const b = await connectViewer(s.id, leaked);
    const ada = await connectViewer(s.id, kept);
    for (const peer of [a, b, ada]) await peer.message("welcome");

    const response = await api("POST", `/api/sessions/${s.id}/revoke-token`, { token: leaked });
    expect(await response.json()).toEqual({ revoked: true, closed_sockets: 2 });
    for (const peer of [a, b]) {
      expect(await peer.closedWith()).toEqual({
        code: CloseCode.UNAUTHORIZED,
        reason: "this join link was revoked",
      });
    }
    const again = await connectViewer(s.id, leaked);
    expect((await again.closedWith()).code).toBe(CloseCode.UNAUTHORIZED);
    // Renewing onto the revoked link is refused too.
    ada.sendText({ type: "token", token: leaked });
    expect(await ada.message("error")).toMatchObject({ code: "bad_token" });
    expect(ada.closed).toBeNull();
    // An edge-minted link is revoked the same way.
    const edge = await connectViewer(s.id, s.writerToken);
    await edge.message("welcome");
    await api("POST", `/api/sessions/${s.id}/revoke-token`, { token: s.writerToken });
    expect((await edge.closedWith()).code).toBe(CloseCode.UNAUTHORIZED);
  });
});
