/** One credential, one host: minting, rotating and revoking host credentials, and every refusal they imply, through the real Worker and Durable Objects. */
import { describe, expect, it } from "vitest";
import { CloseCode, offeredSubprotocols } from "../../protocol/index.ts";
import {
  api,
  connectRunnerControl,
  connectRunnerData,
  connectViewer,
  hostCredential,
  openSocket,
  startSession,
} from "./helpers.ts";

/** Opens a control connection without waiting for its welcome (it may be refused). */
async function tryControl(host: string, credential: string) {
  const { peer } = await openSocket(
    `/api/runners/${host}/connect`,
    offeredSubprotocols(credential),
  );
  return peer;
}

async function hostStatus(host: string) {
  const response = await api("GET", `/api/hosts/${host}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("minting", () => {
  it("returns the credential once; lists show only its fingerprint and the runner's state", async () => {
    const response = await api("POST", "/api/hosts", { host: "mint-a" });
    expect(response.status).toBe(201);
    const minted = (await response.json()) as Record<string, any>;
    expect(minted.credential).toMatch(/^whc1\.default\.mint-a\.[A-Za-z0-9_-]{43}$/);
    expect(minted.fingerprint).toMatch(/^[0-9a-f]{12}$/);

    const listed = await api("GET", "/api/hosts");
    const text = await listed.text();
    expect(text).not.toContain(minted.credential.split(".").pop());
    const hosts = JSON.parse(text).hosts as Record<string, any>[];
    expect(hosts.find((h) => h.host === "mint-a")).toMatchObject({
      credential: { fingerprint: minted.fingerprint },
      runner: "offline",
    });

    const control = await connectRunnerControl("mint-a", minted.credential);
    expect((await hostStatus("mint-a")).body.runner).toBe("online");
    control.ws.close(1000);
  });

  it("refuses a bad host name, a missing one, and the call without the API token", async () => {
    expect((await api("POST", "/api/hosts", { host: "no spaces" })).status).toBe(400);
    expect((await api("POST", "/api/hosts", {})).status).toBe(400);
    expect((await api("POST", "/api/hosts", { host: "x" }, "wrong-token")).status).toBe(401);
    expect((await hostStatus("never-minted")).status).toBe(404);
  });
});

describe("a credential proves one host", () => {
  it("cannot register as another host, and the other host's runner stays connected", async () => {
    const b = await connectRunnerControl("host-b");
    const asB = await tryControl("host-b", await hostCredential("host-a"));
    expect(await asB.closedWith()).toMatchObject({
      code: CloseCode.FORBIDDEN,
      reason: 'this credential is for host "host-a", not "host-b"',
    });
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
    expect((await hostStatus("host-b")).body.runner).toBe("online");
  });

  it("cannot connect to another host's session, nor fence its runner", async () => {
    const session = await startSession("host-b");
    const intruder = await connectRunnerData(session.id, await hostCredential("host-a"));
    expect(await intruder.closedWith()).toMatchObject({
      code: CloseCode.FORBIDDEN,
      reason: 'this session runs on host "host-b", not "host-a"',
    });
    // The real runner was not replaced: it still serves the session.
    expect(session.runner.ws.readyState).toBe(WebSocket.OPEN);
    const viewer = await connectViewer(session.id, session.viewerToken);
    expect(await viewer.message("welcome")).toMatchObject({ runner: "online" });
  });

  it("refuses a wrong secret, a malformed credential and a join token", async () => {
    const real = await hostCredential("host-c");
    const wrong = real.slice(0, -4) + (real.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect((await (await tryControl("host-c", wrong)).closedWith()).code).toBe(
      CloseCode.UNAUTHORIZED,
    );
    expect((await (await tryControl("host-c", "not-a-credential")).closedWith()).code).toBe(
      CloseCode.UNAUTHORIZED,
    );
    const session = await startSession("host-c");
    expect((await (await tryControl("host-c", session.writerToken)).closedWith()).code).toBe(
      CloseCode.FORBIDDEN,
    );
  });

  it("ignores a runner's open-failed for a session its host was not asked to open", async () => {
    const victim = await startSession("host-b");
    const other = await connectRunnerControl("host-a");
    other.sendText({ type: "open-failed", sessionId: victim.id, message: "no" });
    expect(await other.message("error")).toMatchObject({ code: "not_yours" });
    const described = await api("GET", `/api/sessions/${victim.id}`);
    expect(await described.json()).toMatchObject({ state: "running", exit: null });
  });
});

describe("rotation and revocation", () => {
  it("a new credential replaces the old one: its runner is cut off and it is refused from then on", async () => {
    const old = await hostCredential("rotating");
    const session = await startSession("rotating");
    const rotated = await api("POST", "/api/hosts", { host: "rotating" });
    expect(rotated.status).toBe(200);
    const fresh = (await rotated.json()) as Record<string, any>;
    expect(fresh.replaced).toBe(true);
    expect((await session.control.closedWith()).code).toBe(CloseCode.UNAUTHORIZED);
    expect((await session.runner.closedWith()).code).toBe(CloseCode.UNAUTHORIZED);
    expect((await (await tryControl("rotating", old)).closedWith()).code).toBe(
      CloseCode.UNAUTHORIZED,
    );
    const back = await connectRunnerControl("rotating", fresh.credential);
    expect((await hostStatus("rotating")).body.runner).toBe("online");
    back.ws.close(1000);
  });

  it("revoking closes the runner, takes its sessions offline and refuses new sessions there", async () => {
    const credential = await hostCredential("revoked");
    const session = await startSession("revoked");
    const viewer = await connectViewer(session.id, session.viewerToken);
    expect(await viewer.message("welcome")).toMatchObject({ runner: "online" });

    const revoked = await api("DELETE", "/api/hosts/revoked");
    expect(await revoked.json()).toEqual({ host: "revoked", revoked: true });
    expect(await session.control.closedWith()).toMatchObject({
      code: CloseCode.UNAUTHORIZED,
      reason: 'the credential of host "revoked" was revoked',
    });
    expect((await session.runner.closedWith()).code).toBe(CloseCode.UNAUTHORIZED);
    await viewer.until(
      () => viewer.texts.find((m) => m.type === "runner" && m.state === "offline"),
      "the viewer to be told the runner is offline",
    );

    expect((await (await tryControl("revoked", credential)).closedWith()).code).toBe(
      CloseCode.UNAUTHORIZED,
    );
    const create = await api("POST", "/api/sessions", { host: "revoked" });
    expect(create.status).toBe(503);
    expect(await create.json()).toMatchObject({ error: { code: "no_runner" } });
    const hosts = (await (await api("GET", "/api/hosts")).json()) as { hosts: { host: string }[] };
    expect(hosts.hosts.map((h) => h.host)).not.toContain("revoked");
    expect((await api("DELETE", "/api/hosts/revoked")).status).toBe(404);
  });
});

describe("liveness", () => {
  it("a runner that stops beating is unresponsive within 5 s, and new sessions there fail at once", async () => {
    const control = await connectRunnerControl("frozen-host");
    control.freeze();
    const started = Date.now();
    let state = "";
    while (state !== "unresponsive") {
      state = (await hostStatus("frozen-host")).body.runner;
      expect(Date.now() - started, "ms until the host is unresponsive").toBeLessThan(5_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const t0 = Date.now();
    const create = await api("POST", "/api/sessions", { host: "frozen-host" });
    expect(create.status).toBe(503);
    expect(((await create.json()) as any).error.message).toContain("not responding");
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
