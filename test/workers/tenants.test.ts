/** Tenants and scoped API keys: each tenant sees only its own sessions and hosts (404 for the rest), each key only what its scopes allow, and a revoked key nothing. */
import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CloseCode, offeredSubprotocols } from "../../protocol/index.ts";
import { api, connectRunnerData, hostCredential, openSocket, startSession } from "./helpers.ts";

/** Creates a tenant with the bootstrap key; returns its first (all-scopes) key. */
async function newTenant(tenant: string): Promise<string> {
  const response = await api("POST", "/api/tenants", { tenant });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

/** Creates a key of the tenant owning `adminKey`, with `scopes`. */
async function newKey(adminKey: string, scopes: string[]): Promise<{ key: string; id: string }> {
  const response = await api("POST", "/api/keys", { name: "test", scopes }, adminKey);
  expect(response.status).toBe(201);
  return (await response.json()) as { key: string; id: string };
}

async function status(response: Promise<Response>): Promise<number> {
  const r = await response;
  await r.body?.cancel();
  return r.status;
}

describe("tenants", () => {
  it("another tenant's key gets 404 for a session, exactly as for one that does not exist", async () => {
    const theirs = await startSession(); // the default tenant's
    const acme = await newTenant("acme");
    const paths: [string, string, unknown?][] = [
      ["GET", `/api/sessions/${theirs.id}`],
      ["GET", `/api/sessions/${theirs.id}/inputs`],
      ["GET", `/api/sessions/${theirs.id}/commands`],
      ["GET", `/api/sessions/${theirs.id}/recording`],
      ["POST", `/api/sessions/${theirs.id}/tokens`, { role: "viewer" }],
      ["DELETE", `/api/sessions/${theirs.id}`],
      ["POST", "/api/tools/read_output", { session_id: theirs.id }],
      ["POST", "/api/tools/interactive_shell", { session_id: theirs.id, initial_command: "id" }],
      ["POST", "/api/tools/send_input", { session_id: theirs.id, input: "x" }],
      ["POST", "/api/tools/close_session", { session_id: theirs.id }],
    ];
    for (const [method, path, body] of paths) {
      const response = await api(method, path, body, acme);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(((await response.json()) as any).error.code).toBe("session_not_found");
    }
    // The session is untouched, and its own tenant still sees it.
    expect(await status(api("GET", `/api/sessions/${theirs.id}`))).toBe(200);
  });

  it("hosts are per tenant: the same name is two hosts, and a credential serves only its own tenant's sessions", async () => {
    const acme = await newTenant("acme-hosts");
    const minted = await api("POST", "/api/hosts", { host: "local" }, acme);
    const acmeCredential = ((await minted.json()) as { credential: string }).credential;
    expect(acmeCredential.startsWith("whc1.acme-hosts.local.")).toBe(true);
    const listed = (await (await api("GET", "/api/hosts", undefined, acme)).json()) as any;
    expect(listed.hosts.map((h: any) => h.host)).toEqual(["local"]);

    // The default tenant's "local" session refuses acme's "local" runner.
    const theirs = await startSession();
    const intruder = await connectRunnerData(theirs.id, acmeCredential);
    expect(await intruder.closedWith()).toMatchObject({
      code: CloseCode.FORBIDDEN,
      reason: "this session belongs to another tenant",
    });
    expect(theirs.runner.ws.readyState).toBe(WebSocket.OPEN);
    // And acme's credential registers acme's host, leaving the default tenant's runner alone.
    const { peer } = await openSocket(
      "/api/runners/local/connect",
      offeredSubprotocols(acmeCredential),
    );
    await peer.message("welcome");
    expect(theirs.control.ws.readyState).toBe(WebSocket.OPEN);
    expect(await hostCredential("local")).toMatch(/^whc1\.default\.local\./);
  });

  it("only the bootstrap key creates tenants, and a name is taken once", async () => {
    const acme = await newTenant("acme-once");
    expect(await status(api("POST", "/api/tenants", { tenant: "acme-once" }))).toBe(409);
    expect(await status(api("POST", "/api/tenants", { tenant: "default" }))).toBe(409);
    expect(await status(api("POST", "/api/tenants", { tenant: "other" }, acme))).toBe(403);
    expect(await status(api("POST", "/api/tenants", { tenant: "Bad.Name" }))).toBe(400);
  });
});

describe("scoped keys", () => {
  it("a read-only key reads but cannot run, type, end, mint writer links or manage hosts", async () => {
    const acme = await newTenant("acme-scopes");
    const { key: reader } = await newKey(acme, ["sessions:read"]);
    expect(await status(api("GET", "/api/tools", undefined, reader))).toBe(200);
    const refused: [string, string, unknown?][] = [
      ["POST", "/api/tools/interactive_shell", { initial_command: "id" }],
      ["POST", "/api/sessions", {}],
      ["GET", "/api/hosts"],
      ["POST", "/api/keys", { scopes: ["sessions:run"] }],
    ];
    for (const [method, path, body] of refused) {
      const response = await api(method, path, body, reader);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(((await response.json()) as any).error.code).toBe("forbidden");
    }
  });

  it("keys are listed without secrets, and a revoked key is refused from then on", async () => {
    const acme = await newTenant("acme-revoke");
    const { key, id } = await newKey(acme, ["hosts:admin"]);
    expect(await status(api("GET", "/api/hosts", undefined, key))).toBe(200);
    const listing = await (await api("GET", "/api/keys", undefined, acme)).text();
    expect(listing).toContain(id);
    expect(listing).not.toContain(key.split(".").pop());
    expect(await status(api("DELETE", `/api/keys/${id}`, undefined, acme))).toBe(200);
    expect(await status(api("GET", "/api/hosts", undefined, key))).toBe(401);
    expect(await status(api("DELETE", `/api/keys/${id}`, undefined, acme))).toBe(404);
  });

  it("a made-up key, or one whose tenant was changed, is refused without touching any tenant", async () => {
    const acme = await newTenant("acme-forged");
    const [prefix, , id, secret] = acme.split(".");
    expect(
      await status(api("GET", "/api/tools", undefined, `${prefix}.default.${id}.${secret}`)),
    ).toBe(401);
    expect(
      await status(
        api("GET", "/api/tools", undefined, `wak1.acme-forged.${"A".repeat(28)}.${secret}`),
      ),
    ).toBe(401);
    expect(await status(api("GET", "/api/tools", undefined, "not-a-key"))).toBe(401);
    const ghost = `${prefix}.ghost.${id}.${secret}`;
    expect(await status(api("GET", "/api/tools", undefined, ghost))).toBe(401);
    const ghostId = env.TENANT_DIRECTORY.idFromName("tenant:ghost").toString();
    const ids = (await listDurableObjectIds(env.TENANT_DIRECTORY)).map((i) => i.toString());
    expect(ids).not.toContain(ghostId);
  });
});
