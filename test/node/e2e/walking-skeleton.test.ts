/** End to end on the real stack (workerd via wrangler dev, a real pty-runner, real bash): API → runner → session → late viewer. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";
import { NodeViewer } from "../../harness/node-viewer.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

describe("the whole loop", () => {
  it("runs a command in a real shell created through the API; a viewer that joins afterwards gets it replayed, then live output", async () => {
    const created = await stack.api("POST", "/api/sessions", { cols: 100, rows: 30 });
    expect(created.status).toBe(201);
    const id = created.body.session_id;
    const writer = NodeViewer.join(stack.url, id, created.body.writer.token);
    await writer.message("live");
    // Wait for bash's first prompt before typing, as a person would.
    await writer.until(() => writer.text().includes("\x1b]133;B"), "the first prompt", 15_000);
    writer.type("echo first-$((6*7))\r");
    await writer.until(() => writer.text().includes("first-42"), "the first command's output");
    writer.close();

    const late = NodeViewer.join(stack.url, id, created.body.viewer.token);
    const welcome = await late.message("welcome");
    expect(welcome).toMatchObject({
      role: "viewer",
      state: "running",
      runner: "online",
      size: { cols: 100, rows: 30 },
    });
    await late.message("live");
    expect(late.text()).toContain("first-42");
    expect(late.frames[0]!.offset).toBe(0);

    const writer2 = NodeViewer.join(stack.url, id, created.body.writer.token);
    await writer2.message("live");
    writer2.type("echo second-$((6*8))\r");
    await late.until(() => late.text().includes("second-48"), "live output of the second command");
    // Contiguous, each byte once.
    let expected = 0;
    for (const frame of late.frames) {
      expect(frame.offset).toBe(expected);
      expected += frame.data.byteLength;
    }
    expect(late.receivedBytes()).toBe(late.end());
    late.close();
    writer2.close();
  });

  it("shows the PTY is real: TERM, a tty and the size given at creation", async () => {
    const result = await stack.api("POST", "/api/tools/interactive_shell", {
      initial_command: 'echo "$TERM $(tty) $(stty size)"',
      cols: 91,
      rows: 27,
    });
    expect(result.status).toBe(200);
    expect(result.body.output).toMatch(/^xterm-256color \/dev\/pts\/\d+ 27 91\n$/);
  });
});
