/** A frozen runner (SIGSTOP) through the real stack: known within 5 s from its heartbeats (sessions) and 15 s (hosts list), calls fail fast, typed keys are refused, not lost, and all is well again after SIGCONT. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";
import { NodeViewer } from "../../harness/node-viewer.ts";
import { encodeInputFrame } from "../../../protocol/index.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 90_000);
afterAll(async () => {
  if (stack?.runner.child.pid) process.kill(stack.runner.child.pid, "SIGCONT");
  await stack?.stop();
});

const tool = (name: string, body: unknown) => stack.api("POST", `/api/tools/${name}`, body);

let hostState: string | undefined;

async function until<T>(
  check: () => T | undefined | null | false,
  what: string,
  ms: number,
  refresh?: () => Promise<void>,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    await refresh?.();
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it("reports a SIGSTOPped runner within 5 s, fails calls at once, refuses typed keys, and recovers on SIGCONT", async () => {
  const opened = await tool("interactive_shell", { initial_command: "echo ready" });
  expect(opened.body).toMatchObject({ status: "completed", output: "ready\n" });
  const id = opened.body.session_id;
  const viewer = NodeViewer.join(stack.url, id, opened.body.viewer.token);
  await viewer.message("live");
  const pid = stack.runner.child.pid!;

  process.kill(pid, "SIGSTOP");
  const frozenAt = Date.now();
  const isState = (m: Record<string, any>, state: string) =>
    m.type === "runner" && m.state === state;
  await until(() => viewer.messages.some((m) => isState(m, "unresponsive")), "unresponsive", 8000);
  expect(Date.now() - frozenAt).toBeLessThanOrEqual(5500);

  const started = Date.now();
  const call = await tool("interactive_shell", { session_id: id, initial_command: "echo hi" });
  expect(call.status).toBe(503);
  expect(call.body.error.code).toBe("runner_offline");
  expect(Date.now() - started).toBeLessThan(1000);
  const described = await stack.api("GET", `/api/sessions/${id}`);
  expect(described.body.runner).toBe("unresponsive");
  // The host's own object knows it too (from the control connection's heartbeats): the hosts
  // list says so within 15 s, and a new session there fails at once.
  await until(
    () => hostState === "unresponsive",
    "the hosts list to say unresponsive",
    15_000 - (Date.now() - frozenAt),
    async () => {
      const hosts = await stack.api("GET", "/api/hosts");
      hostState = hosts.body.hosts.find((h: { host: string }) => h.host === stack.host)?.runner;
    },
  );
  const fresh = Date.now();
  const created = await tool("interactive_shell", { host: stack.host, initial_command: "true" });
  expect(created.status).toBe(503);
  expect(created.body.error.message).toContain("not responding");
  expect(Date.now() - fresh).toBeLessThan(1000);

  viewer.ws.send(encodeInputFrame(new TextEncoder().encode("echo typed-while-frozen\r")));
  await until(
    () => viewer.messages.find((m) => m.type === "error" && m.code === "runner_offline"),
    "the refusal of typed keys",
    5000,
  );

  process.kill(pid, "SIGCONT");
  await until(
    () => viewer.messages.some((m, i) => i > 2 && isState(m, "online")),
    "online again",
    8000,
  );
  const after = await tool("interactive_shell", { session_id: id, initial_command: "echo back" });
  expect(after.body).toMatchObject({ status: "completed", exit_code: 0, output: "back\n" });
  expect(viewer.text()).not.toContain("typed-while-frozen");
  viewer.close();
}, 60_000);
