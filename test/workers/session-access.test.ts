/** Who may connect to a session, with which token, from where, speaking which protocol version. */
import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CloseCode, offeredSubprotocols } from "../../protocol/index.ts";
import { signJoinToken } from "../../worker/auth/join-token.ts";
import { mintSessionId } from "../../worker/auth/session-id.ts";
import {
  hostCredential,
  api,
  connectRunnerData,
  connectViewer,
  openSocket,
  startSession,
} from "./helpers.ts";

const SECRET = "test-session-secret";
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe("joining a session", () => {
  it("refuses ids it never minted on every route, without bringing an object into being", async () => {
    const before = await listDurableObjectIds(env.SESSIONS);
    // Well-formed but unsigned ids, with join tokens that are otherwise valid.
    const real = await mintSessionId(SECRET);
    const forged = [
      real.slice(0, 16) + "AAAAAAAAAAA",
      "AAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "not-even-an-id",
    ];
    for (const id of forged) {
      const token = await signJoinToken(SECRET, {
        sessionId: id,
        role: "writer",
        expiresAt: inAnHour(),
      });
      const viewer = await connectViewer(id, token);
      expect(await viewer.closedWith()).toMatchObject({ code: CloseCode.SESSION_NOT_FOUND });
      const runner = await connectRunnerData(id);
      expect(await runner.closedWith()).toMatchObject({ code: CloseCode.SESSION_NOT_FOUND });
      expect((await api("GET", `/api/sessions/${id}`)).status).toBe(404);
      expect((await api("DELETE", `/api/sessions/${id}`)).status).toBe(404);
      expect((await api("POST", `/api/sessions/${id}/tokens`, { role: "writer" })).status).toBe(
        404,
      );
    }
    expect(await listDurableObjectIds(env.SESSIONS)).toEqual(before);
  });

  it("refuses an ended session with its own close code", async () => {
    const s = await startSession();
    expect((await api("DELETE", `/api/sessions/${s.id}`)).status).toBe(200);
    const viewer = await connectViewer(s.id, s.viewerToken);
    expect(await viewer.closedWith()).toMatchObject({ code: CloseCode.SESSION_ENDED });
    expect((await api("DELETE", `/api/sessions/${s.id}`)).status).toBe(409);
  });

  it("refuses a wrong, tampered or expired join token with 4401", async () => {
    const s = await startSession();
    // Change the signature's first character: its last one carries two padding bits, and a
    // change there alone may decode to the very same bytes (A and B differ only in those).
    const [prefix, payload, signature] = s.viewerToken.split(".") as [string, string, string];
    const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    const tampered = `${prefix}.${payload}.${flipped}`;
    for (const token of [
      "nonsense",
      tampered,
      await signJoinToken("other-secret", {
        sessionId: s.id,
        role: "writer",
        expiresAt: inAnHour(),
      }),
    ]) {
      const viewer = await connectViewer(s.id, token);
      expect((await viewer.closedWith()).code).toBe(CloseCode.UNAUTHORIZED);
    }
    const expired = await signJoinToken(SECRET, {
      sessionId: s.id,
      role: "viewer",
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    const late = await connectViewer(s.id, expired);
    expect(await late.closedWith()).toMatchObject({
      code: CloseCode.UNAUTHORIZED,
      reason: expect.stringContaining("expired"),
    });
  });

  it("refuses a token for another session, a runner token on the viewer route and a join token on the runner route", async () => {
    const a = await startSession();
    const b = await startSession();
    const cross = await connectViewer(a.id, b.writerToken);
    expect((await cross.closedWith()).code).toBe(CloseCode.FORBIDDEN);
    const runnerAsViewer = await connectViewer(a.id, await hostCredential());
    expect((await runnerAsViewer.closedWith()).code).toBe(CloseCode.FORBIDDEN);
    const viewerAsRunner = await connectRunnerData(a.id, a.writerToken);
    expect((await viewerAsRunner.closedWith()).code).toBe(CloseCode.FORBIDDEN);
    const wrongRunner = await connectRunnerData(a.id, "not-the-runner-token");
    expect((await wrongRunner.closedWith()).code).toBe(CloseCode.UNAUTHORIZED);
  });

  it("refuses a browser from an origin that is not allowed, and accepts the same origin", async () => {
    const s = await startSession();
    const foreign = await connectViewer(s.id, s.viewerToken, undefined, {
      Origin: "https://evil.example",
    });
    expect((await foreign.closedWith()).code).toBe(CloseCode.FORBIDDEN);
    const same = await connectViewer(s.id, s.viewerToken, undefined, {
      Origin: "http://example.com",
    });
    expect(await same.message("welcome")).toMatchObject({ role: "viewer" });
  });

  it("gives a peer speaking another protocol version a clear refusal", async () => {
    const s = await startSession();
    const { peer, response } = await openSocket(`/api/sessions/${s.id}/connect`, [
      "webterm.v0",
      `webterm.auth.${s.viewerToken}`,
    ]);
    expect(response.headers.get("Sec-WebSocket-Protocol")).toBe("webterm.v0");
    expect(await peer.closedWith()).toMatchObject({
      code: CloseCode.PROTOCOL_VERSION_UNSUPPORTED,
      reason: expect.stringContaining("webterm.v1"),
    });
  });

  it("echoes the protocol version and never needs the token in the URL", async () => {
    const s = await startSession();
    const { peer, response } = await openSocket(
      `/api/sessions/${s.id}/connect`,
      offeredSubprotocols(s.viewerToken),
    );
    expect(response.headers.get("Sec-WebSocket-Protocol")).toBe("webterm.v1");
    expect(await peer.message("welcome")).toMatchObject({ sessionId: s.id, protocol: 1 });
  });

  it("refuses more viewers than the session's cap, keeps the last 2 slots for writers, and lets one link hold 8 sockets", async () => {
    const s = await startSession();
    // Tokens are deterministic (session, role, expiry): distinct lifetimes make distinct links.
    let minted = 0;
    const mint = async (role: string) => {
      const ttl_seconds = 3600 + ++minted;
      const response = await api("POST", `/api/sessions/${s.id}/tokens`, { role, ttl_seconds });
      return ((await response.json()) as { token: string }).token;
    };
    const join = async (token: string) => {
      const peer = await connectViewer(s.id, token);
      await peer.until(() => peer.texts.length > 0 || peer.closed, "welcome or close");
      return peer;
    };
    // One read-only link: 8 sockets, and the 9th is refused.
    const peers = [];
    for (let i = 0; i < 8; i++) peers.push(await join(s.viewerToken));
    const ninth = await join(s.viewerToken);
    expect(ninth.closed).toMatchObject({
      code: CloseCode.TOO_MANY_VIEWERS,
      reason: "this join token already has 8 connections open",
    });
    // Read-only links fill the session up to 48 of its 50 slots, never further.
    while (peers.length < 48) {
      const token = await mint("viewer");
      for (let i = 0; i < 8 && peers.length < 48; i++) peers.push(await join(token));
    }
    expect(peers.filter((p) => p.closed !== null).map((p) => p.closed)).toEqual([]);
    const reader = await join(await mint("viewer"));
    expect(reader.closed).toMatchObject({
      code: CloseCode.TOO_MANY_VIEWERS,
      reason: "the last 2 of this session's 50 slots are kept for writers",
    });
    // Writers still get in, up to the cap.
    peers.push(await join(s.writerToken), await join(await mint("writer")));
    expect(peers.filter((p) => p.closed !== null).map((p) => p.closed)).toEqual([]);
    const extra = await join(await mint("writer"));
    expect(extra.closed?.code).toBe(CloseCode.TOO_MANY_VIEWERS);
    peers[0]!.ws.close(1000);
    await new Promise((r) => setTimeout(r, 50));
    const again = await join(s.writerToken);
    expect(again.closed).toBeNull();
  });
});
