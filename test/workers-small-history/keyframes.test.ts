/** Keyframes in the session object, with a 64 KiB history cap: kept, never trimmed past (up to the hard cap), sent to joiners whose offset is gone, used by read_output, and bad ones refused. */
import { describe, expect, it } from "vitest";
import {
  MAX_KEYFRAME_BYTES,
  encodeKeyframeFrame,
  encodeOutputFrame,
} from "../../protocol/index.ts";
import {
  api,
  autoAck,
  connectViewer,
  deterministicBytes,
  runnerWrite,
  sha256,
  startSession,
  type Peer,
} from "../workers/helpers.ts";

const CAP = 64 * 1024;
const encoder = new TextEncoder();

/** Sends `data` from offset `from` in 10 KB frames and waits until all of it is stored. */
async function writeAll(runner: Peer, data: Uint8Array, from = 0): Promise<void> {
  for (let at = from; at < data.byteLength; at += 10_000) {
    runner.ws.send(
      encodeOutputFrame(at, data.subarray(at, Math.min(at + 10_000, data.byteLength))),
    );
  }
  await runner.until(
    () => runner.texts.some((m) => m.type === "ack" && m.offset === data.byteLength),
    `ack of ${data.byteLength}`,
    10_000,
  );
}

function sendKeyframe(
  runner: Peer,
  offset: number,
  data: string | Uint8Array,
  cols = 100,
  rows = 30,
) {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  runner.ws.send(encodeKeyframeFrame(offset, cols, rows, bytes));
}

describe("keyframes in the session", () => {
  it("asks the runner for a keyframe every quarter of the history cap", async () => {
    const s = await startSession();
    const welcome = s.runner.texts.find((m) => m.type === "welcome")!;
    expect(welcome.keyframeEveryBytes).toBe(CAP / 4);
  });

  it("gives a joiner whose offset was trimmed the newest keyframe, then every byte after it, once", async () => {
    const s = await startSession();
    const data = deterministicBytes(200_000, 41);
    await writeAll(s.runner, data.subarray(0, 90_000));
    sendKeyframe(s.runner, 50_000, "older keyframe");
    sendKeyframe(s.runner, 90_000, "\x1b[2J\x1b[Hthe state at 90000");
    await writeAll(s.runner, data, 90_000);

    const viewer = await connectViewer(s.id, s.viewerToken, 0);
    autoAck(viewer);
    const welcome = await viewer.message("welcome");
    await viewer.message("live");
    // The history kept the keyframe's tail although it is longer than the cap.
    expect(welcome.history.start).toBeLessThanOrEqual(90_000);
    expect(welcome.history.start).toBeGreaterThan(0);
    expect(welcome.keyframe).toEqual({ offset: 90_000, cols: 100, rows: 30 });
    expect(welcome.replayFrom).toBe(90_000);
    expect(viewer.sequence[0]).toBe("welcome");
    expect(viewer.sequence[1]).toBe("keyframe");
    expect(viewer.sequence).not.toContain("history-trimmed");
    expect(viewer.keyframes).toHaveLength(1);
    expect(new TextDecoder().decode(viewer.keyframes[0]!.data)).toBe(
      "\x1b[2J\x1b[Hthe state at 90000",
    );
    expect(viewer.output[0]!.offset).toBe(90_000);
    expect(await sha256(viewer.bytes())).toBe(await sha256(data.subarray(90_000)));
  });

  it("replays every byte, without a keyframe, to a joiner whose bytes are all retained", async () => {
    const s = await startSession();
    const data = deterministicBytes(30_000, 43);
    await writeAll(s.runner, data);
    sendKeyframe(s.runner, 20_000, "a keyframe nobody needs yet");
    await runnerWrite(s.runner, 30_000, "more");

    const fresh = await connectViewer(s.id, s.viewerToken, 0);
    autoAck(fresh);
    const welcome = await fresh.message("welcome");
    await fresh.message("live");
    expect(welcome.history.start).toBe(0);
    expect(welcome.keyframe ?? null).toBeNull();
    expect(fresh.keyframes).toHaveLength(0);
    expect(fresh.text().endsWith("more")).toBe(true);
    expect(fresh.end()).toBe(30_004);

    const resumed = await connectViewer(s.id, s.viewerToken, 25_000);
    autoAck(resumed);
    expect((await resumed.message("welcome")).replayFrom).toBe(25_000);
    await resumed.message("live");
    expect(resumed.keyframes).toHaveLength(0);
    expect(resumed.output[0]!.offset).toBe(25_000);
  });

  it("keeps a keyframe's tail up to four times the cap, then trims past it and forgets it", async () => {
    const s = await startSession();
    const at = 100_000;
    const data = deterministicBytes(at + 4 * CAP + 40_000, 47);
    await writeAll(s.runner, data.subarray(0, at));
    sendKeyframe(s.runner, at, "the state at 100000");
    await writeAll(s.runner, data.subarray(0, at + 3 * CAP), at);

    const within = await connectViewer(s.id, s.viewerToken, 0);
    autoAck(within);
    const kept = await within.message("welcome");
    expect(kept.history.start).toBeGreaterThan(0);
    expect(kept.history.start).toBeLessThanOrEqual(at);
    expect(kept.keyframe).toEqual({ offset: at, cols: 100, rows: 30 });
    await within.message("live");
    within.ws.close();

    await writeAll(s.runner, data, at + 3 * CAP);
    const beyond = await connectViewer(s.id, s.viewerToken, 0);
    autoAck(beyond);
    const trimmed = await beyond.message("welcome");
    await beyond.message("live");
    // Back to the cap: the keyframe's tail is gone, so is the keyframe; the joiner is told.
    expect(data.byteLength - trimmed.history.start).toBeLessThanOrEqual(CAP);
    expect(trimmed.keyframe ?? null).toBeNull();
    expect(beyond.sequence[1]).toBe("history-trimmed");
    expect(beyond.keyframes).toHaveLength(0);
  });

  it("refuses bad keyframes with a clear error, keeps the one it has, and keeps storing output", async () => {
    const s = await startSession();
    await runnerWrite(s.runner, 0, "x".repeat(1000));
    sendKeyframe(s.runner, 1000, "good");
    const errors = () => s.runner.texts.filter((m) => m.type === "error");

    sendKeyframe(s.runner, 5000, "ahead of the output");
    await s.runner.until(() => errors().length === 1, "keyframe_ahead");
    expect(errors()[0]).toMatchObject({ code: "keyframe_ahead" });
    expect(String(errors()[0]!.message)).toContain("beyond the stored output (1000)");

    sendKeyframe(s.runner, 1000, new Uint8Array(MAX_KEYFRAME_BYTES + 1));
    await s.runner.until(() => errors().length === 2, "frame_too_big");
    expect(errors()[1]).toMatchObject({ code: "frame_too_big" });

    const badSize = encodeKeyframeFrame(1000, 100, 30, encoder.encode("bad size"));
    badSize[9] = 0;
    badSize[10] = 1; // 1 column
    s.runner.ws.send(badSize);
    await s.runner.until(() => errors().length === 3, "bad size");
    expect(errors()[2]).toMatchObject({ code: "bad_frame" });
    expect(String(errors()[2]!.message)).toContain("keyframe frame size 1x30 is outside");

    s.runner.ws.send(new Uint8Array([4, 0, 0, 0]));
    await s.runner.until(() => errors().length === 4, "short frame");
    expect(String(errors()[3]!.message)).toContain("shorter than its 13-byte header");

    sendKeyframe(s.runner, 500, "older than the one kept");
    await runnerWrite(s.runner, 1000, "y".repeat(200_000 - 1000));
    const viewer = await connectViewer(s.id, s.viewerToken, 0);
    autoAck(viewer);
    const welcome = await viewer.message("welcome");
    await viewer.message("live");
    expect(welcome.keyframe).toEqual({ offset: 1000, cols: 100, rows: 30 });
    expect(new TextDecoder().decode(viewer.keyframes[0]!.data)).toBe("good");
    expect(viewer.end()).toBe(200_000);
  });

  it("read_output rebuilds the screen, and recent lines, from the keyframe and the output after it", async () => {
    const s = await startSession();
    // Enough output that its start is trimmed: replaying what is retained would not show the
    // keyframe's first line.
    const filler = encoder.encode("filler line\r\n".repeat(10_000));
    await writeAll(s.runner, filler);
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join("\r\n");
    sendKeyframe(s.runner, filler.byteLength, `\x1b[2J\x1b[H${lines}`, 80, 24);
    await runnerWrite(s.runner, filler.byteLength, "\r\nafter the keyframe");

    const response = await api("POST", "/api/tools/read_output", {
      session_id: s.id,
      since_offset: filler.byteLength,
      lines: 30,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body.output).toBe("\nafter the keyframe");
    const screen = (body.screen as string).split("\n");
    expect(screen).toHaveLength(24);
    expect(screen[0]).toBe("line 18");
    expect(screen[23]).toBe("after the keyframe");
    const recent = (body.lines as string).split("\n");
    expect(recent).toHaveLength(30);
    expect(recent[0]).toBe("line 12");
    expect(recent[29]).toBe("after the keyframe");
  });

  it("read_output refuses a lines count out of range, naming the field", async () => {
    const s = await startSession();
    for (const lines of [0, 1001, 2.5]) {
      const response = await api("POST", "/api/tools/read_output", { session_id: s.id, lines });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("lines");
    }
  });
});
