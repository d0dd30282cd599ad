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

  it("checks every REST body with its schema: a wrong type is a 400 naming the field, and the next good request works", async () => {
    const s = await startSession();
    const refused: [string, string, unknown, string][] = [
      [
        "POST",
        "/api/sessions",
        { cols: "80" },
        'cols: expected an integer from 2 to 1000, got the string "80"',
      ],
      ["POST", "/api/sessions", { rows: 24, colour: "red" }, 'unknown field "colour"'],
      [
        "POST",
        `/api/sessions/${s.id}/tokens`,
        { role: "viewer", ttl_seconds: 90.5 },
        "ttl_seconds: expected an integer from 60 to 604800, got 90.5",
      ],
      [
        "POST",
        `/api/sessions/${s.id}/tokens`,
        { role: "admin" },
        'role: expected one of "viewer", "writer", got the string "admin"',
      ],
      [
        "POST",
        `/api/sessions/${s.id}/revoke-token`,
        {},
        "token: required, expected a string of 1 to 8192 characters",
      ],
      [
        "POST",
        "/api/hosts",
        { host: 5 },
        "host: expected 1-64 letters, digits, '.', '_' or '-', got 5",
      ],
      [
        "POST",
        "/api/keys",
        { scopes: ["sessions:run", "root"] },
        'scopes[1]: expected one of "sessions:run", "sessions:read", "hosts:admin", "keys:admin", got the string "root"',
      ],
      ["POST", "/api/sessions", [80, 24], "the body must be a JSON object"],
    ];
    for (const [method, path, body, message] of refused) {
      const response = await api(method, path, body);
      expect([response.status, await response.json()], `${path} ${JSON.stringify(body)}`).toEqual([
        400,
        { error: { code: "invalid_request", message } },
      ]);
    }
    const minted = await api("POST", `/api/sessions/${s.id}/tokens`, { ttl_seconds: 90 });
    expect(minted.status).toBe(201);
    const viewer = await connectViewer(s.id, ((await minted.json()) as { token: string }).token);
    expect(await viewer.message("welcome")).toMatchObject({ role: "viewer" });
  });

  it("is created only through the API, which answers 401 without the token", async () => {
    const response = await api("POST", "/api/sessions", {}, "wrong");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});
