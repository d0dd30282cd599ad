/** The walking skeleton inside workerd: create through the API, runner output, late join replay, input. */
import { describe, expect, it } from "vitest";
import { api, autoAck, connectViewer, runnerWrite, startSession } from "./helpers.ts";

describe("a session", () => {
  it("replays output produced before a viewer joined, then streams live output", async () => {
    const s = await startSession();
    await runnerWrite(s.runner, 0, "hello from before\r\n");
    const viewer = await connectViewer(s.id, s.viewerToken);
    autoAck(viewer);
    const welcome = await viewer.message("welcome");
    expect(welcome).toMatchObject({
      role: "viewer",
      history: { start: 0, end: 19 },
      replayFrom: 0,
    });
    await viewer.message("live");
    expect(viewer.text()).toBe("hello from before\r\n");
    await runnerWrite(s.runner, 19, "and live\r\n");
    await viewer.until(() => viewer.text().endsWith("and live\r\n"), "live output");
    expect(viewer.text()).toBe("hello from before\r\nand live\r\n");
  });

  it("delivers a writer's input to the runner byte for byte", async () => {
    const s = await startSession();
    const writer = await connectViewer(s.id, s.writerToken);
    await writer.message("welcome");
    writer.ws.send(new Uint8Array([2, 0x6c, 0x73, 0x0d]));
    await s.runner.until(() => s.runner.inputs.length > 0, "input at the runner");
    expect([...s.runner.inputs[0]!]).toEqual([0x6c, 0x73, 0x0d]);
  });

  it("is created only through the API, which answers 401 without the token", async () => {
    const response = await api("POST", "/api/sessions", {}, "wrong");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});
