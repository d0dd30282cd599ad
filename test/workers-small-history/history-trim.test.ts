/** Trimming with a 64 KiB history cap: the first retained offset is exact and joiners are told. */
import { describe, expect, it } from "vitest";
import { CloseCode, encodeOutputFrame } from "../../protocol/index.ts";
import {
  autoAck,
  connectViewer,
  deterministicBytes,
  sha256,
  startSession,
} from "../workers/helpers.ts";

const CAP = 64 * 1024;

describe("a capped history", () => {
  it("trims whole chunks from the front, keeps at most 64 KiB and tells a joiner whose offset is gone", async () => {
    const s = await startSession();
    const data = deterministicBytes(200_000, 23);
    for (let at = 0; at < data.byteLength; at += 10_000) {
      s.runner.ws.send(encodeOutputFrame(at, data.subarray(at, at + 10_000)));
    }
    await s.runner.until(
      () => s.runner.texts.some((m) => m.type === "ack" && m.offset === 200_000),
      "ack",
    );
    const viewer = await connectViewer(s.id, s.viewerToken, 1000);
    autoAck(viewer);
    const welcome = await viewer.message("welcome");
    // Whole rows go from the front: at most the cap is kept, and the start is exact.
    const start = welcome.history.start as number;
    expect(welcome.history.end).toBe(200_000);
    expect(200_000 - start).toBeLessThanOrEqual(CAP);
    expect(200_000 - start).toBeGreaterThan(CAP / 4);
    expect(welcome.replayFrom).toBe(start);
    await viewer.message("live");
    // The notice comes before any byte.
    expect(viewer.texts[1]).toEqual({
      type: "history-trimmed",
      requested: 1000,
      start,
    });
    expect(viewer.sequence.slice(0, 3)).toEqual(["welcome", "history-trimmed", "output"]);
    expect(viewer.output[0]!.offset).toBe(start);
    expect(await sha256(viewer.bytes())).toBe(await sha256(data.subarray(start)));
  });

  it("tells a viewer that fell behind the retained history to resume", async () => {
    const s = await startSession();
    const stalled = await connectViewer(s.id, s.viewerToken); // never acknowledges
    await stalled.message("live");
    const data = deterministicBytes(3 * 1024 * 1024, 29);
    for (let at = 0; at < data.byteLength; at += 32 * 1024) {
      s.runner.ws.send(encodeOutputFrame(at, data.subarray(at, at + 32 * 1024)));
    }
    await s.runner.until(
      () => s.runner.texts.some((m) => m.type === "ack" && m.offset === data.byteLength),
      "ack",
      10_000,
    );
    // Its position was trimmed away: it is told to resume (at once, or at its next ack).
    if (stalled.ws.readyState === WebSocket.OPEN)
      stalled.sendText({ type: "ack", offset: stalled.end() });
    const closed = await stalled.closedWith();
    expect(closed.code).toBe(CloseCode.RESUME_REQUIRED);
  });
});
