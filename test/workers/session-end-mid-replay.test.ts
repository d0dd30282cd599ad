/** Ending a session while a viewer's replay is paused by its send window: the end must never fail half-way. */
import { env, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { CloseCode, encodeOutputFrame } from "../../protocol/index.ts";
import { VIEWER_WINDOW_BYTES } from "../../durable-objects/terminal-session/viewer-fanout.ts";
import { api, connectViewer, deterministicBytes, startSession, type Peer } from "./helpers.ts";

const MiB = 1024 * 1024;
const FRAME_BYTES = 32 * 1024;

/** Streams `data` from the fake runner in 32 KiB frames and waits until all of it is stored. */
async function stream(runner: Peer, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.byteLength; at += FRAME_BYTES) {
    runner.ws.send(encodeOutputFrame(at, data.subarray(at, at + FRAME_BYTES)));
  }
  await runner.until(
    () => runner.texts.some((m) => m.type === "ack" && m.offset === data.byteLength),
    `ack of ${data.byteLength}`,
    20_000,
  );
}

it("ends a session whose viewer stopped acknowledging mid-replay, closes the viewer and reports it ended", async () => {
  const s = await startSession();
  // Three windows of history: the replay stops after one window and waits for acks forever.
  await stream(s.runner, deterministicBytes(3 * MiB, 5));
  const viewer = await connectViewer(s.id, s.viewerToken);
  await viewer.until(() => viewer.end() >= VIEWER_WINDOW_BYTES, "one window of replay");
  expect(viewer.end()).toBeLessThan(3 * MiB);

  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(s.id));
  expect(await stub.end("closed through the API")).toBe(true);

  expect((await viewer.closedWith()).code).toBe(CloseCode.SESSION_ENDED);
  expect(await stub.describe()).toMatchObject({ state: "ended", reason: "closed through the API" });
  const info = await api("GET", `/api/sessions/${s.id}`);
  expect(await info.json()).toMatchObject({ state: "ended", history: { start: 0, end: 0 } });
  // The output itself is deleted, not merely hidden.
  const tables = await runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((t) => t.name),
  );
  expect(tables).not.toContain("chunks");
});
