/** A runner that comes back without some of its shells: the hub reports exactly those sessions lost. */
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import {
  api,
  connectRunnerControl,
  connectRunnerData,
  connectViewer,
  type Peer,
} from "./helpers.ts";

/** Creates a session on `host` through the API; the fake runner's control socket gets the `open`. */
async function createSession(host: string, control: Peer): Promise<{ id: string; token: string }> {
  const response = await api("POST", "/api/sessions", { host });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { session_id: string; viewer: { token: string } };
  await control.until(
    () => control.texts.some((m) => m.type === "open" && m.sessionId === body.session_id),
    `the open of ${body.session_id}`,
  );
  return { id: body.session_id, token: body.viewer.token };
}

/** Connects the fake runner's data socket for a session, as a runner does after `open`. */
async function attachShell(sessionId: string, host: string): Promise<Peer> {
  const runner = await connectRunnerData(sessionId, undefined, host);
  await runner.message("welcome");
  return runner;
}

function describeSession(id: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(id)).describe();
}

it("marks the sessions a restarted runner no longer has as exited, and leaves the ones it still has running", async () => {
  const host = `restart-${crypto.randomUUID().slice(0, 8)}`;
  const before = await connectRunnerControl(host);
  const gone = await createSession(host, before);
  const kept = await createSession(host, before);
  const goneShell = await attachShell(gone.id, host);
  await attachShell(kept.id, host);
  const viewer = await connectViewer(gone.id, gone.token);
  await viewer.message("welcome");

  // The runner process dies: its sockets close. A new one connects and still has only `kept`.
  goneShell.ws.close(1000);
  before.ws.close(1000);
  const after = await connectRunnerControl(host);
  // Sent over the new connection before its hello arrived: that hello cannot know it yet.
  const crossing = await createSession(host, after);
  after.sendText({
    type: "hello",
    host,
    version: "test",
    maxSessions: 10,
    sessions: [kept.id, "a-session-the-hub-never-opened"],
  });

  const reason = `lost: the runner on host "${host}" restarted without this shell`;
  // Viewers are told why, in words a person can read.
  expect(await viewer.message("exit")).toMatchObject({
    exit: { code: null, signal: null },
    reason,
  });
  expect(await viewer.message("error")).toMatchObject({ code: "shell_lost", message: reason });
  const late = await connectViewer(gone.id, gone.token);
  expect(await late.message("welcome")).toMatchObject({ state: "exited", exitReason: reason });
  expect(await describeSession(gone.id)).toMatchObject({
    state: "exited",
    exit: { code: null, signal: null },
    reason,
  });
  expect(await describeSession(kept.id)).toMatchObject({ state: "running", exit: null });
  expect(await describeSession(crossing.id)).toMatchObject({ state: "starting", exit: null });

  const call = await api("POST", "/api/tools/interactive_shell", {
    session_id: gone.id,
    initial_command: "echo hi",
  });
  expect(call.status).toBe(409);
  const refused = (await call.json()) as { error: { code: string; message: string } };
  expect(refused.error.code).toBe("session_exited");
  expect(refused.error.message).toContain(reason);
});
