/** Surviving an edge restart (like a deploy, which closes every socket): the runner reconnects, resends what was not stored, and the session goes on. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";
import { NodeViewer } from "../../harness/node-viewer.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

const tool = (name: string, body: unknown) => stack.api("POST", `/api/tools/${name}`, body);

it("keeps every line printed while the edge restarts, exactly once, and the same shell afterwards", async () => {
  const first = await tool("interactive_shell", { initial_command: "echo $$" });
  const id = first.body.session_id;
  const pid = first.body.output.trim();
  const running = await tool("interactive_shell", {
    session_id: id,
    initial_command: "for i in $(seq 1 40); do echo line-$i; sleep 0.1; done",
    timeout_ms: 300,
  });
  expect(running.body.status).toBe("running");
  await stack.restartEdge();
  await stack.waitForRunner(30_000);
  // The loop goes on in the shell meanwhile: the session answers "busy" until it has finished.
  const deadline = Date.now() + 30_000;
  let after = await tool("interactive_shell", { session_id: id, initial_command: "echo $$" });
  while (after.status === 409 && after.body.error.code === "busy" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    after = await tool("interactive_shell", { session_id: id, initial_command: "echo $$" });
  }
  expect(after.body).toMatchObject({ status: "completed", exit_code: 0, output: `${pid}\n` });

  const viewer = NodeViewer.join(stack.url, id, after.body.viewer.token);
  await viewer.message("live");
  // The loop's own output (the echoed command line holds "line-$i", not a number).
  const lines = viewer.text().match(/line-\d+\r\n/g) ?? [];
  expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `line-${i + 1}\r\n`));
  let expected = 0;
  for (const frame of viewer.frames) {
    expect(frame.offset).toBe(expected);
    expected += frame.data.byteLength;
  }
  viewer.close();
}, 90_000);
