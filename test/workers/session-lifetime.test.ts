/** Exit, runner liveness and the end of a session: stored, broadcast, and refused afterwards. */
import {
  env,
  evictDurableObject,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CloseCode, encodeInputFrame } from "../../protocol/index.ts";
import type { SessionMeta } from "../../durable-objects/terminal-session/session-meta.ts";
import {
  api,
  autoAck,
  connectRunnerData,
  connectViewer,
  runnerWrite,
  startSession,
} from "./helpers.ts";

function stub(id: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(id));
}

/** Moves the session's clocks back by `ms`, as if that much time had passed. */
async function age(id: string, ms: number, fields: (keyof SessionMeta)[]): Promise<void> {
  await runInDurableObject(stub(id), (_instance, state) => {
    const meta = state.storage.kv.get<SessionMeta>("meta")!;
    for (const field of fields) (meta as any)[field] = (meta[field] as number) - ms;
    state.storage.kv.put("meta", meta);
    for (const ws of state.getWebSockets("runner")) {
      const att = ws.deserializeAttachment();
      ws.serializeAttachment({ ...att, connectedAt: att.connectedAt - ms });
    }
  });
  await evictDurableObject(stub(id)); // Drop cached state; sockets hibernate and stay open.
}

describe("when the shell exits", () => {
  it("stores and broadcasts the exit, keeps the history readable and refuses input", async () => {
    const s = await startSession();
    const viewer = await connectViewer(s.id, s.writerToken);
    autoAck(viewer);
    await viewer.message("live");
    await runnerWrite(s.runner, 0, "bye\r\n");
    s.runner.sendText({ type: "exit", exit: { code: 3, signal: null }, offset: 5 });
    expect(await viewer.message("exit")).toMatchObject({
      exit: { code: 3, signal: null },
      offset: 5,
    });
    expect(await s.runner.message("close")).toBeTruthy();
    viewer.ws.send(encodeInputFrame(new TextEncoder().encode("ls\r")));
    const error = await viewer.message("error");
    expect(error).toMatchObject({ code: "exited" });
    expect(error.message).toContain("code 3");
    const late = await connectViewer(s.id, s.viewerToken);
    autoAck(late);
    expect(await late.message("welcome")).toMatchObject({
      state: "exited",
      exit: { code: 3, signal: null },
    });
    await late.message("live");
    expect(late.text()).toBe("bye\r\n");
    const info = await (await api("GET", `/api/sessions/${s.id}`)).json();
    expect(info).toMatchObject({
      state: "exited",
      exit: { code: 3 },
      history: { start: 0, end: 5 },
    });
  });

  it("records a signal death", async () => {
    const s = await startSession();
    s.runner.sendText({ type: "exit", exit: { code: null, signal: "SIGKILL" }, offset: 0 });
    await s.runner.message("close");
    expect(await (await api("GET", `/api/sessions/${s.id}`)).json()).toMatchObject({
      exit: { code: null, signal: "SIGKILL" },
    });
  });

  it("makes the runner resend when it reports an exit before all its output arrived", async () => {
    const s = await startSession();
    await runnerWrite(s.runner, 0, "abc");
    s.runner.sendText({ type: "exit", exit: { code: 0, signal: null }, offset: 10 });
    expect((await s.runner.closedWith()).code).toBe(CloseCode.PROTOCOL_ERROR);
  });
});

describe("runner liveness", () => {
  it("marks the runner offline when it closes, and online when it returns", async () => {
    const s = await startSession();
    const viewer = await connectViewer(s.id, s.viewerToken);
    await viewer.message("welcome");
    s.runner.ws.close(1000);
    expect(await viewer.message("runner")).toMatchObject({ state: "offline" });
    viewer.texts.length = 0;
    const again = await connectRunnerData(s.id);
    await again.message("welcome");
    expect(await viewer.message("runner")).toMatchObject({ state: "online" });
  });

  it("marks a silent runner offline after missed heartbeats", async () => {
    const s = await startSession();
    const viewer = await connectViewer(s.id, s.viewerToken);
    await viewer.message("welcome");
    await age(s.id, 60_000, ["lastActivityAt"]);
    expect(await runDurableObjectAlarm(stub(s.id))).toBe(true);
    expect(await viewer.message("runner")).toMatchObject({ state: "offline" });
    expect((await s.runner.closedWith()).reason).toContain("heartbeat");
  });
});

describe("the end of a session", () => {
  it("ends an exited session after its retention time, deletes its output and refuses joins as ended", async () => {
    const s = await startSession();
    await runnerWrite(s.runner, 0, "secret output");
    s.runner.sendText({ type: "exit", exit: { code: 0, signal: null }, offset: 13 });
    await s.runner.message("close");
    const viewer = await connectViewer(s.id, s.viewerToken);
    await viewer.message("welcome");
    await age(s.id, 2 * 3600_000, ["exitedAt", "lastActivityAt"]);
    expect(await runDurableObjectAlarm(stub(s.id))).toBe(true);
    expect((await viewer.closedWith()).code).toBe(CloseCode.SESSION_ENDED);
    const tables = await runInDurableObject(stub(s.id), (_i, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'chunks'").toArray(),
    );
    expect(tables).toEqual([]);
    const late = await connectViewer(s.id, s.viewerToken);
    expect(await late.closedWith()).toMatchObject({
      code: CloseCode.SESSION_ENDED,
      reason: expect.stringContaining("retention"),
    });
  });

  it("ends an idle session", async () => {
    const s = await startSession();
    await age(s.id, 25 * 3600_000, ["lastActivityAt"]);
    await runDurableObjectAlarm(stub(s.id));
    expect(await (await api("GET", `/api/sessions/${s.id}`)).json()).toMatchObject({
      state: "ended",
      reason: "idle for too long",
    });
  });

  it("tells the runner to close the shell when the API ends the session", async () => {
    const s = await startSession();
    expect((await api("DELETE", `/api/sessions/${s.id}`)).status).toBe(200);
    expect(await s.runner.message("close")).toMatchObject({ reason: "closed through the API" });
  });
});
