/** Exactly-once history: resume by offset across disconnects, eviction, reset and runner reconnects. */
import { abortAllDurableObjects, env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CloseCode, encodeOutputFrame } from "../../protocol/index.ts";
import {
  autoAck,
  connectRunnerData,
  connectViewer,
  deterministicBytes,
  runnerWrite,
  sha256,
  startSession,
  type Peer,
} from "./helpers.ts";

const MiB = 1024 * 1024;

/** Streams `data` from the fake runner in 32 KiB frames, from `from` to `to`. */
async function stream(runner: Peer, data: Uint8Array, from: number, to: number): Promise<void> {
  for (let at = from; at < to; at += 32 * 1024) {
    runner.ws.send(encodeOutputFrame(at, data.subarray(at, Math.min(to, at + 32 * 1024))));
  }
  await runner.until(
    () => runner.texts.some((m) => m.type === "ack" && m.offset === to),
    `ack of ${to}`,
    20_000,
  );
}

function sessionStub(id: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(id));
}

describe("output history", () => {
  it("gives a viewer that disconnects mid-stream and resumes from its offset a byte-identical copy", async () => {
    const s = await startSession();
    const data = deterministicBytes(4 * MiB, 7);
    await stream(s.runner, data, 0, 2 * MiB);
    const first = await connectViewer(s.id, s.viewerToken);
    autoAck(first);
    await first.until(() => first.end() >= MiB && first.end(), "a first megabyte");
    first.ws.close(1000);
    const kept = first.bytes();
    await stream(s.runner, data, 2 * MiB, 4 * MiB);
    const resumed = await connectViewer(s.id, s.viewerToken, kept.byteLength);
    autoAck(resumed);
    expect(await resumed.message("welcome")).toMatchObject({
      replayFrom: kept.byteLength,
      history: { start: 0, end: 4 * MiB },
    });
    await resumed.message("live", 20_000);
    expect(resumed.output[0]!.offset).toBe(kept.byteLength);
    const whole = new Uint8Array(4 * MiB);
    whole.set(kept);
    whole.set(resumed.bytes(), kept.byteLength);
    expect(await sha256(whole)).toBe(await sha256(data));
  });

  it("keeps every byte and every socket across eviction with hibernated sockets", async () => {
    const s = await startSession();
    const data = deterministicBytes(MiB, 11);
    const viewer = await connectViewer(s.id, s.viewerToken);
    autoAck(viewer);
    await viewer.message("live");
    await stream(s.runner, data, 0, MiB / 2);
    await viewer.until(() => viewer.end() === MiB / 2, "the first half");
    await evictDurableObject(sessionStub(s.id));
    await stream(s.runner, data, MiB / 2, MiB);
    await viewer.until(() => viewer.end() === MiB, "the second half after eviction", 10_000);
    expect(await sha256(viewer.bytes())).toBe(await sha256(data));
    const late = await connectViewer(s.id, s.viewerToken);
    autoAck(late);
    await late.message("live", 10_000);
    expect(await sha256(late.bytes())).toBe(await sha256(data));
  });

  it("keeps every byte across a reset of the object; runner and viewer resume by offset", async () => {
    const s = await startSession();
    const data = deterministicBytes(MiB, 13);
    const viewer = await connectViewer(s.id, s.viewerToken);
    autoAck(viewer);
    await stream(s.runner, data, 0, 600_000);
    await viewer.until(() => viewer.end() === 600_000, "output before the reset");
    await abortAllDurableObjects();
    await viewer.closedWith();
    const runner = await connectRunnerData(s.id);
    const welcome = await runner.message("welcome");
    expect(welcome.storedEnd).toBe(600_000);
    expect(welcome.generation).toBe(2);
    // The runner resends from a little before what was stored: the overlap is dropped by offset.
    await stream(runner, data, 500_000 - 32 * 1024 * 3, MiB);
    const resumed = await connectViewer(s.id, s.viewerToken, viewer.end());
    autoAck(resumed);
    await resumed.message("live", 10_000);
    const whole = new Uint8Array([...viewer.bytes(), ...resumed.bytes()]);
    expect(await sha256(whole)).toBe(await sha256(data));
  });

  it("loses and duplicates nothing when the runner reconnects mid-stream and resends overlapping output", async () => {
    const s = await startSession();
    const data = deterministicBytes(MiB, 17);
    const viewer = await connectViewer(s.id, s.viewerToken);
    autoAck(viewer);
    await stream(s.runner, data, 0, 300_000);
    const second = await connectRunnerData(s.id);
    const welcome = await second.message("welcome");
    expect(welcome.storedEnd).toBe(300_000);
    // The old connection is fenced: it can never write into the history again.
    expect((await s.runner.closedWith()).code).toBe(CloseCode.REPLACED);
    await stream(second, data, 200_000, MiB);
    await viewer.until(() => viewer.end() === MiB, "everything", 10_000);
    expect(await sha256(viewer.bytes())).toBe(await sha256(data));
    // Offsets arrived contiguous, each byte once.
    let expected = 0;
    for (const frame of viewer.output) {
      expect(frame.offset).toBe(expected);
      expected += frame.data.byteLength;
    }
  });

  it("refuses output that would leave a gap and makes the runner resend from what is stored", async () => {
    const s = await startSession();
    await runnerWrite(s.runner, 0, "abc");
    s.runner.ws.send(encodeOutputFrame(10, new TextEncoder().encode("xyz")));
    expect((await s.runner.closedWith()).code).toBe(CloseCode.PROTOCOL_ERROR);
    const runner = await connectRunnerData(s.id);
    expect((await runner.message("welcome")).storedEnd).toBe(3);
  });

  it("fans live output out to every viewer, and a viewer that stops reading holds back nobody", async () => {
    const s = await startSession();
    const data = deterministicBytes(4 * MiB, 19);
    const stalled = await connectViewer(s.id, s.viewerToken); // never acknowledges
    const others = [
      await connectViewer(s.id, s.viewerToken),
      await connectViewer(s.id, s.writerToken),
    ];
    others.forEach(autoAck);
    await stalled.message("live");
    await Promise.all(others.map((o) => o.message("live")));
    // The runner's acks keep coming although one viewer stopped reading.
    await stream(s.runner, data, 0, 4 * MiB);
    for (const o of others) await o.until(() => o.end() === 4 * MiB, "all output", 10_000);
    // The stalled viewer received at most one window and was not disconnected.
    expect(stalled.end()).toBeLessThanOrEqual(1024 * 1024);
    expect(stalled.closed).toBeNull();
    // When it reads again it gets the rest, exactly.
    autoAck(stalled);
    stalled.sendText({ type: "ack", offset: stalled.end() });
    await stalled.until(() => stalled.end() === 4 * MiB, "the rest for the stalled viewer", 10_000);
    expect(await sha256(stalled.bytes())).toBe(await sha256(data));
  });
});
