/** GET /api/sessions/:id/recording: the stored output as asciicast v2, with each write's time, the resizes, several pages, and chunks stored before they had times. */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FakeRunnerHost, OSC } from "./fake-shell.ts";
import { api, autoAck, connectViewer, runnerWrite, startSession } from "./helpers.ts";

async function tool(name: string, body: unknown) {
  const response = await api("POST", `/api/tools/${name}`, body);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The recording's header and events, parsed. */
async function recording(id: string) {
  const response = await api("GET", `/api/sessions/${id}/recording`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/x-asciicast");
  const text = await response.text();
  expect(text.endsWith("\n")).toBe(true);
  const [header, ...events] = text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  return { header, events: events as [number, "o" | "r", string][] };
}

/** What `asciinema cat` prints: the output events' text, in order. */
const played = (events: [number, string, string][]) =>
  events
    .filter(([, kind]) => kind === "o")
    .map(([, , text]) => text)
    .join("");

function stub(id: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(id));
}

describe("GET /api/sessions/:id/recording", () => {
  it("starts with the session's starting size and creation time, plays back the stored output, in time order, with a writer's resizes in their place", async () => {
    await FakeRunnerHost.connect("rec-basic");
    const opened = await tool("interactive_shell", {
      host: "rec-basic",
      cols: 100,
      rows: 30,
      initial_command: "whoami",
    });
    const id = opened.body.session_id;
    const writer = await connectViewer(id, opened.body.viewer.token);
    autoAck(writer);
    await writer.message("live");
    const resizedAt = writer.end();
    // Two resizes with no output between them: the recording keeps the last size.
    writer.sendText({ type: "resize", cols: 110, rows: 35 });
    writer.sendText({ type: "resize", cols: 120, rows: 40 });
    await writer.until(
      () => writer.texts.filter((m) => m.type === "resize").length === 2,
      "both resizes",
    );
    expect(
      (await tool("interactive_shell", { session_id: id, initial_command: "false" })).body,
    ).toMatchObject({ status: "completed", exit_code: 1 });
    await writer.until(() => writer.text().endsWith(`sandbox$ ${OSC("B")}`), "the next prompt");
    const info = (await (await api("GET", `/api/sessions/${id}`)).json()) as any;
    const elapsed = (Date.now() - Date.parse(info.createdAt)) / 1000;

    const { header, events } = await recording(id);
    expect(header).toEqual({
      version: 2,
      width: 100,
      height: 30,
      timestamp: Math.floor(Date.parse(info.createdAt) / 1000),
      env: { TERM: "xterm-256color" },
    });
    expect(played(events)).toBe(writer.text());
    const times = events.map(([t]) => t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(0);
    expect(times.at(-1)).toBeLessThanOrEqual(elapsed + 0.001);
    expect(events.filter(([, kind]) => kind === "r").map(([, , size]) => size)).toEqual(["120x40"]);
    const resize = events.findIndex(([, kind]) => kind === "r");
    expect(played(events.slice(0, resize))).toBe(
      new TextDecoder().decode(writer.bytes().subarray(0, resizedAt)),
    );
  });

  it("comes whole when the output spans several pages, and keeps a character whole across writes", async () => {
    const s = await startSession();
    // "é" is 0xC3 0xA9: stored in two writes.
    await runnerWrite(s.runner, 0, Uint8Array.from([0x68, 0xc3]));
    await runnerWrite(s.runner, 2, Uint8Array.from([0xa9, 0x0d, 0x0a]));
    let text = "hé\r\n";
    let offset = 5;
    const frame = 64 * 1024;
    const line = (n: number) => `line ${String(n).padStart(8, "0")} of a long recording\r\n`;
    let n = 0;
    while (offset < 2.5 * 1024 * 1024) {
      let part = "";
      while (part.length < frame - 64) part += line(n++);
      await runnerWrite(s.runner, offset, part);
      offset += part.length;
      text += part;
    }
    const { events } = await recording(s.id);
    expect(played(events).length).toBe(text.length);
    expect(played(events) === text).toBe(true);
  });

  it("plays rows stored before chunks had times at the time before them, and stores times again after the migration", async () => {
    const s = await startSession();
    await runnerWrite(s.runner, 0, "new");
    // Turn the table into one made before chunks had times, holding output without them.
    await runInDurableObject(stub(s.id), (_instance, state) => {
      state.storage.sql.exec("DROP TABLE chunks");
      state.storage.sql.exec("CREATE TABLE chunks (start INTEGER PRIMARY KEY, data BLOB NOT NULL)");
      state.storage.sql.exec(
        "INSERT INTO chunks (start, data) VALUES (0, ?)",
        new TextEncoder().encode("old"),
      );
    });
    await evictDurableObject(stub(s.id));
    // 16 KiB: the next write starts a chunk of its own, stored with its time.
    await runnerWrite(s.runner, 3, "x".repeat(16 * 1024));
    await runnerWrite(s.runner, 3 + 16 * 1024, "later");
    const columns = await runInDurableObject(stub(s.id), (_instance, state) =>
      state.storage.sql
        .exec<{ name: string }>("PRAGMA table_info(chunks)")
        .toArray()
        .map((c) => c.name),
    );
    expect(columns).toEqual(["start", "data", "times"]);
    const { events } = await recording(s.id);
    expect(played(events)).toBe(`old${"x".repeat(16 * 1024)}later`);
    expect(events[0]).toEqual([0, "o", `old${"x".repeat(16 * 1024)}`]);
    expect(events.at(-1)![2]).toBe("later");
    expect(events.at(-1)![0]).toBeGreaterThan(0);
  });

  it("answers 404 for an unknown session and 409 once the session ended", async () => {
    const unknown = await api("GET", "/api/sessions/not-a-session/recording");
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
    const s = await startSession();
    await runnerWrite(s.runner, 0, "bye");
    expect((await api("DELETE", `/api/sessions/${s.id}`)).status).toBe(200);
    const ended = await api("GET", `/api/sessions/${s.id}/recording`);
    expect(ended.status).toBe(409);
    expect(((await ended.json()) as any).error.code).toBe("session_ended");
  });
});
