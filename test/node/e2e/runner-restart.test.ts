/** A runner that crashes and comes back: the shells it lost are reported exited at once, not "running" until the idle timeout. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

const tool = (name: string, body: unknown) => stack.api("POST", `/api/tools/${name}`, body);

/** Polls the session's summary until `done` holds, or fails with the last summary after `timeoutMs`. */
async function sessionUntil(
  id: string,
  done: (info: any) => boolean,
  timeoutMs = 30_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await stack.api("GET", `/api/sessions/${id}`);
    if (done(body)) return body;
    if (Date.now() > deadline) {
      throw new Error(
        `session ${id} never got there; last ${JSON.stringify(body)}\n${stack.runner.output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

it("reports a session exited, with the reason, when its runner is killed and a new runner for the host connects", async () => {
  const opened = await tool("interactive_shell", {});
  expect(opened.status).toBe(200);
  const id = opened.body.session_id;
  await sessionUntil(id, (info) => info.state === "running" && info.runner === "online");

  await stack.restartRunner();
  await stack.waitForRunner();

  const reason = `lost: the runner on host "${stack.host}" restarted without this shell`;
  const info = await sessionUntil(id, (s) => s.state !== "running");
  expect(info).toMatchObject({ state: "exited", exit: { code: null, signal: null }, reason });

  const later = await tool("interactive_shell", { session_id: id, initial_command: "echo hi" });
  expect(later.status).toBe(409);
  expect(later.body.error.code).toBe("session_exited");
  expect(later.body.error.message).toContain(reason);
}, 90_000);
