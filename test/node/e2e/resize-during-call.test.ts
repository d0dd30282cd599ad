/** A writer resizing the terminal while an agent's command is typed: the shell redraws its prompt (A again), and the call still waits for the command's own end. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { NodeViewer } from "../../harness/node-viewer.ts";
import { startStack, type Stack } from "../../harness/edge-stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

it("every call under a storm of resizes completes with its own output and exit code", async () => {
  const opened = await stack.api("POST", "/api/tools/interactive_shell", {});
  expect(opened.body.status).toBe("completed");
  const sessionId = opened.body.session_id as string;
  const grant = await stack.api("POST", `/api/sessions/${sessionId}/tokens`, { role: "writer" });
  expect(grant.status).toBe(201);
  const writer = NodeViewer.join(stack.url, sessionId, grant.body.token);
  await writer.message("live");

  for (let round = 0; round < 15; round++) {
    let storming = true;
    // Resizes from the moment the command is sent until its result is back: some land between
    // the typing and the shell reading the line, where readline redraws the prompt with its A.
    const storm = (async () => {
      for (let i = 0; storming; i++) {
        const size = i % 2 === 0 ? { cols: 100, rows: 30 } : { cols: 80, rows: 24 };
        writer.ws.send(JSON.stringify({ type: "resize", ...size }));
        // 60 a second: a window dragged by its corner, at the browser's frame rate.
        await new Promise((resolve) => setTimeout(resolve, 16));
      }
    })();
    const result = await stack.api("POST", "/api/tools/interactive_shell", {
      session_id: sessionId,
      initial_command: `echo round-$((${round}+1000)); (exit ${round % 4})`,
    });
    storming = false;
    await storm;
    expect(result.body).toMatchObject({
      status: "completed",
      exit_code: round % 4,
      output: `round-${round + 1000}\n`,
    });
  }
  writer.close();
}, 180_000);
