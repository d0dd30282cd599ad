/** GET /api/sessions: the tenant's sessions that have not ended, newest first, as each object describes itself; ended ones drop out, other tenants see none, the limit is checked. */
import { describe, expect, it } from "vitest";
import { api, runnerWrite, startSession } from "./helpers.ts";

async function list(query = "", key?: string): Promise<{ status: number; body: any }> {
  const response = await api("GET", `/api/sessions${query}`, undefined, key);
  return { status: response.status, body: await response.json() };
}

describe("the session list", () => {
  it("lists the tenant's live sessions newest first, with what each object says of itself", async () => {
    const first = await startSession();
    const second = await startSession();
    await runnerWrite(second.runner, 0, "hello");
    const { status, body } = await list();
    expect(status).toBe(200);
    const ids = body.sessions.map((s: any) => s.id);
    expect(ids.indexOf(second.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    const described = await (await api("GET", `/api/sessions/${second.id}`)).json();
    const listed = body.sessions.find((s: any) => s.id === second.id);
    expect(listed).toEqual(described);
    expect(listed).toMatchObject({
      host: "local",
      state: "running",
      runner: "online",
      history: { start: 0, end: 5 },
      exit: null,
    });
    expect(Date.parse(listed.createdAt)).toBeGreaterThan(0);
  });

  it("drops a session once it has ended", async () => {
    const doomed = await startSession();
    expect((await list()).body.sessions.some((s: any) => s.id === doomed.id)).toBe(true);
    expect((await api("DELETE", `/api/sessions/${doomed.id}`)).status).toBe(200);
    expect((await list()).body.sessions.some((s: any) => s.id === doomed.id)).toBe(false);
    expect((await list()).body.sessions.some((s: any) => s.id === doomed.id)).toBe(false);
  });

  it("shows another tenant none of them", async () => {
    const ours = await startSession();
    const created = await api("POST", "/api/tenants", { tenant: "listing-other" });
    const theirKey = ((await created.json()) as { key: string }).key;
    const theirs = await list("", theirKey);
    expect(theirs.status).toBe(200);
    expect(theirs.body.sessions).toEqual([]);
    expect((await list()).body.sessions.some((s: any) => s.id === ours.id)).toBe(true);
  });

  it("returns at most `limit` sessions and refuses a limit out of range, naming it", async () => {
    await startSession();
    await startSession();
    const two = await list("?limit=2");
    expect(two.body.sessions).toHaveLength(2);
    for (const bad of ["0", "201", "abc", "1.5"]) {
      const refused = await list(`?limit=${bad}`);
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain("limit: expected an integer from 1 to 200");
    }
  });

  it("is the list_sessions tool too, for a read-only key", async () => {
    const ours = await startSession();
    const minted = await api("POST", "/api/keys", { name: "reader", scopes: ["sessions:read"] });
    const reader = ((await minted.json()) as { key: string }).key;
    const response = await api("POST", "/api/tools/list_sessions", { limit: 5 }, reader);
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.success).toBe(true);
    expect(body.sessions.length).toBeLessThanOrEqual(5);
    expect(body.sessions[0].id).toBe(ours.id);
    const bad = await api("POST", "/api/tools/list_sessions", { limit: 0 }, reader);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("limit");
  });
});
